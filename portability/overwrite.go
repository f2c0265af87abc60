package portability

import (
	"context"

	"kith/store"
)

// removeUnlisted finishes an overwrite: whatever of the import's kind the
// owner has that no applied line named is removed (unfollowed, unblocked,
// unmuted, unbookmarked, taken off the list). Lines that failed name
// nothing, so a typo in the file cannot keep what it meant to keep; that
// is Mastodon's behaviour too.
func (p *Porter) removeUnlisted(ctx context.Context, im store.Import) error {
	var keep map[string]bool
	if err := p.db.InTx(ctx, func(tx *store.Tx) (err error) {
		keep, err = tx.ImportTargets(ctx, im.ID)
		return err
	}); err != nil {
		return err
	}
	switch Kind(im.Kind) {
	case Following:
		return p.removeAccounts(func() ([]store.AccountEntry, error) { return p.db.FollowingEntries(ctx) }, keep,
			func(e store.AccountEntry) error { return p.fed.Unfollow(ctx, e.ActorID) })
	case Blocks:
		return p.removeAccounts(func() ([]store.AccountEntry, error) { return p.db.BlockEntries(ctx) }, keep,
			func(e store.AccountEntry) error { return p.fed.Unblock(ctx, e.ActorID) })
	case Mutes:
		return p.removeAccounts(func() ([]store.AccountEntry, error) { return p.db.MuteEntries(ctx) }, keep,
			func(e store.AccountEntry) error {
				return p.db.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteMute(ctx, e.ActorID) })
			})
	case Lists:
		return p.removeListMembers(ctx, keep)
	case DomainBlocks:
		domains, err := p.db.DomainBlocks(ctx)
		if err != nil {
			return err
		}
		for _, d := range domains {
			if !keep[d] {
				if err := p.fed.UnblockDomain(ctx, d); err != nil {
					return err
				}
			}
		}
	case Bookmarks:
		uris, err := p.db.BookmarkURIs(ctx)
		if err != nil {
			return err
		}
		for _, u := range uris {
			if keep[u] {
				continue
			}
			post, err := p.db.PostByURI(ctx, u)
			if err != nil {
				continue // gone meanwhile
			}
			if err := p.db.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteBookmark(ctx, post.ID) }); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *Porter) removeAccounts(load func() ([]store.AccountEntry, error), keep map[string]bool, remove func(store.AccountEntry) error) error {
	entries, err := load()
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !keep[e.URI] {
			if err := remove(e); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *Porter) removeListMembers(ctx context.Context, keep map[string]bool) error {
	entries, err := p.db.ListEntries(ctx)
	if err != nil {
		return err
	}
	lists, err := p.db.Lists(ctx)
	if err != nil {
		return err
	}
	ids := map[string]int64{}
	for _, l := range lists {
		ids[l.Title] = l.ID
	}
	return p.db.InTx(ctx, func(tx *store.Tx) error {
		for _, e := range entries {
			if !keep[listTarget(e.List, e.URI)] {
				if err := tx.RemoveListAccounts(ctx, ids[e.List], []int64{e.ActorID}); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

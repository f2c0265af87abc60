package portability

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"kith/store"
)

// WriteCSV writes one of the owner's lists in Mastodon's CSV format for
// it, byte for byte what Mastodon's export writes.
//
// Note: Mastodon writes headers only on following_accounts.csv
// ("Account address,Show boosts,Notify on new posts,Languages"),
// followers.csv ("Account address") and muted_accounts.csv ("Account
// address,Hide notifications"); blocks, domain blocks, bookmarks and lists
// are bare rows.
func (p *Porter) WriteCSV(ctx context.Context, kind Kind, w io.Writer) error {
	cw := csv.NewWriter(w)
	var err error
	switch kind {
	case Following:
		err = p.writeAccounts(ctx, cw, []string{"Account address", "Show boosts", "Notify on new posts", "Languages"},
			func() ([]store.AccountEntry, error) { return p.db.FollowingEntries(ctx) },
			func(e store.AccountEntry) []string {
				return []string{e.Handle(), fmt.Sprint(e.ShowReblogs), fmt.Sprint(e.Notify), strings.Join(e.Languages, ",")}
			})
	case Followers:
		err = p.writeAccounts(ctx, cw, []string{"Account address"},
			func() ([]store.AccountEntry, error) { return p.db.FollowerEntries(ctx) },
			func(e store.AccountEntry) []string { return []string{e.Handle()} })
	case Blocks:
		err = p.writeAccounts(ctx, cw, nil,
			func() ([]store.AccountEntry, error) { return p.db.BlockEntries(ctx) },
			func(e store.AccountEntry) []string { return []string{e.Handle()} })
	case Mutes:
		err = p.writeAccounts(ctx, cw, []string{"Account address", "Hide notifications"},
			func() ([]store.AccountEntry, error) { return p.db.MuteEntries(ctx) },
			func(e store.AccountEntry) []string { return []string{e.Handle(), fmt.Sprint(e.HideNotifications)} })
	case Lists:
		err = p.writeAccounts(ctx, cw, nil,
			func() ([]store.AccountEntry, error) { return p.db.ListEntries(ctx) },
			func(e store.AccountEntry) []string { return []string{e.List, e.Handle()} })
	case DomainBlocks:
		err = writeLines(cw, func() ([]string, error) { return p.db.DomainBlocks(ctx) })
	case Bookmarks:
		err = writeLines(cw, func() ([]string, error) { return p.db.BookmarkURIs(ctx) })
	default:
		return fmt.Errorf("unknown list %q", kind)
	}
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

func (p *Porter) writeAccounts(_ context.Context, cw *csv.Writer, header []string, load func() ([]store.AccountEntry, error), row func(store.AccountEntry) []string) error {
	entries, err := load()
	if err != nil {
		return err
	}
	if header != nil {
		if err := cw.Write(header); err != nil {
			return err
		}
	}
	for _, e := range entries {
		if err := cw.Write(row(e)); err != nil {
			return err
		}
	}
	return nil
}

func writeLines(cw *csv.Writer, load func() ([]string, error)) error {
	lines, err := load()
	if err != nil {
		return err
	}
	for _, l := range lines {
		if err := cw.Write([]string{l}); err != nil {
			return err
		}
	}
	return nil
}

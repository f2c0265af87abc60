package federation

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"kith/federation/ap"
	"kith/store"
)

// Block blocks an actor: their activities are dropped from now on, follows
// both ways end, and they are sent a Block so their server can hide the
// owner from them.
func (f *Federation) Block(ctx context.Context, actorID int64) error {
	target, err := f.db.ActorByID(ctx, actorID)
	if err != nil {
		return err
	}
	if target.Local {
		return fmt.Errorf("%w: you cannot block yourself", ErrInvalid)
	}
	return f.transact(ctx, func(tx *store.Tx) error {
		id := f.newActivityID()
		fresh, err := tx.PutBlock(ctx, f.db.OwnerID(), target.ID, id)
		if err != nil || !fresh {
			return err
		}
		if err := tx.SeverFollows(ctx, f.db.OwnerID(), target.ID); err != nil {
			return err
		}
		return f.publish(ctx, tx, ap.OutActivity{ID: id, Type: "Block", Actor: f.urls.Actor(), To: []string{target.URI}, Object: target.URI},
			false, []string{target.Inbox})
	})
}

// Unblock lifts a block.
func (f *Federation) Unblock(ctx context.Context, actorID int64) error {
	target, err := f.db.ActorByID(ctx, actorID)
	if err != nil {
		return err
	}
	return f.transact(ctx, func(tx *store.Tx) error {
		blockID, err := tx.DeleteBlock(ctx, f.db.OwnerID(), target.ID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		inner := ap.OutActivity{ID: blockID, Type: "Block", Actor: f.urls.Actor(), Object: target.URI}
		return f.publishUndo(ctx, tx, inner, []string{target.URI}, false, []string{target.Inbox})
	})
}

// BlockDomain blocks a whole server: nothing is received from or sent to
// it, and follows with its accounts end.
func (f *Federation) BlockDomain(ctx context.Context, domain string) error {
	domain = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(domain, "@")))
	if domain == "" || strings.ContainsAny(domain, "/@ ") {
		return fmt.Errorf("%w: %q is not a domain name", ErrInvalid, domain)
	}
	if strings.EqualFold(hostOnly(domain), hostOnly(f.urls.Host())) {
		return fmt.Errorf("%w: you cannot block your own domain", ErrInvalid)
	}
	err := f.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.PutDomainBlock(ctx, domain); err != nil {
			return err
		}
		return tx.SeverDomainFollows(ctx, domain)
	})
	if err != nil {
		return err
	}
	return f.reloadBlocks(ctx)
}

// UnblockDomain lifts a domain block made by the owner (blocks from the
// config file stay).
func (f *Federation) UnblockDomain(ctx context.Context, domain string) error {
	if err := f.db.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteDomainBlock(ctx, strings.ToLower(domain)) }); err != nil {
		return err
	}
	return f.reloadBlocks(ctx)
}

// Pin features an owner's post on the profile; Add to the featured
// collection goes to followers.
func (f *Federation) Pin(ctx context.Context, postID int64) error {
	return f.pin(ctx, postID, "Add")
}

// Unpin takes a post off the profile.
func (f *Federation) Unpin(ctx context.Context, postID int64) error {
	return f.pin(ctx, postID, "Remove")
}

func (f *Federation) pin(ctx context.Context, postID int64, typ string) error {
	p, err := f.ownPost(ctx, postID)
	if err != nil {
		return err
	}
	if typ == "Add" && !isListed(p.Visibility) {
		return fmt.Errorf("%w: only public and unlisted posts can be pinned", ErrForbidden)
	}
	return f.transact(ctx, func(tx *store.Tx) error {
		var err error
		if typ == "Add" {
			err = tx.PutPin(ctx, f.db.OwnerID(), p.URI)
		} else {
			err = tx.DeletePin(ctx, f.db.OwnerID(), p.URI)
		}
		if err != nil {
			return err
		}
		inboxes, err := tx.FollowerInboxes(ctx, f.db.OwnerID())
		if err != nil {
			return err
		}
		return f.publish(ctx, tx, ap.OutActivity{ID: f.newActivityID(), Type: typ, Actor: f.urls.Actor(), To: []string{ap.Public},
			CC: []string{f.urls.Followers()}, Object: p.URI, Target: f.urls.Featured()}, false, inboxes)
	})
}

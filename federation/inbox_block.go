package federation

import (
	"cmp"
	"context"

	"kith/federation/ap"
	"kith/store"
)

// onBlock records that an actor blocks the owner, and ends follows both
// ways as Mastodon does.
func (f *Federation) onBlock(ctx context.Context, actor store.Actor, act *ap.Activity) error {
	if act.Object.ID != f.urls.Actor() {
		return nil
	}
	return f.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.PutBlock(ctx, actor.ID, f.db.OwnerID(), cmp.Or(act.ID, actor.URI+"#blocks")); err != nil {
			return err
		}
		return tx.SeverFollows(ctx, actor.ID, f.db.OwnerID())
	})
}

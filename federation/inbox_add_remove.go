package federation

import (
	"context"

	"kith/federation/ap"
	"kith/store"
)

// onFeatured follows a remote actor's pinned posts (Add/Remove to its
// featured collection).
func (f *Federation) onFeatured(ctx context.Context, actor store.Actor, act *ap.Activity) error {
	if actor.Featured == "" || act.Target.ID != actor.Featured || act.Object.ID == "" {
		return nil
	}
	return f.db.InTx(ctx, func(tx *store.Tx) error {
		if act.Type == "Add" {
			return tx.PutPin(ctx, actor.ID, act.Object.ID)
		}
		return tx.DeletePin(ctx, actor.ID, act.Object.ID)
	})
}

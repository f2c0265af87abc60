package federation

import (
	"context"
	"errors"
	"fmt"

	"kith/federation/ap"
	"kith/store"
)

// onDelete removes a post of the actor, or the actor itself.
func (f *Federation) onDelete(ctx context.Context, actor store.Actor, act *ap.Activity) error {
	id := act.Object.ID
	if id == actor.URI {
		if err := f.db.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteActor(ctx, actor.URI) }); err != nil {
			return err
		}
		f.known.remove(actor.URI)
		return nil
	}
	if handled, err := f.onStampDeleted(ctx, actor, id); handled {
		return err
	}
	var deleted int64
	err := f.db.InTx(ctx, func(tx *store.Tx) error {
		p, err := tx.PostByURI(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if p.AuthorID != actor.ID {
			return fmt.Errorf("%w: %s deleted a post it does not own", ErrForbidden, actor.URI)
		}
		deleted = p.ID
		return tx.DeletePost(ctx, p.ID)
	})
	if err == nil {
		f.streamDelete(ctx, deleted)
	}
	return err
}

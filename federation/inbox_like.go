package federation

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"kith/federation/ap"
	"kith/store"
)

// onLike records a favourite or emoji reaction of a stored post.
func (f *Federation) onLike(ctx context.Context, actor store.Actor, act *ap.Activity) error {
	p, err := f.db.PostByURI(ctx, act.Object.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	emoji := act.Reaction()
	if act.Type == "EmojiReact" && !validReaction(emoji) {
		return fmt.Errorf("%w: %q is not one emoji", ErrBadRequest, emoji)
	}
	var notice int64
	err = f.db.InTx(ctx, func(tx *store.Tx) error {
		fresh, err := tx.PutReaction(ctx, actor.ID, p.ID, emoji, reactionEmojiURL(act, emoji), cmp.Or(act.ID, actor.URI+"#likes/"+p.URI))
		if err != nil || !fresh || !p.Local {
			return err
		}
		notice, err = f.notify(ctx, tx, "favourite", actor.ID, p.ID)
		return err
	})
	if err == nil {
		f.streamNotification(ctx, notice)
	}
	return err
}

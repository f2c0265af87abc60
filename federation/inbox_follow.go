package federation

import (
	"context"
	"errors"
	"fmt"

	"kith/federation/ap"
	"kith/store"
)

// onFollow records a follow of the owner: accepted at once, or pending
// when the account is locked.
func (f *Federation) onFollow(ctx context.Context, actor store.Actor, act *ap.Activity) error {
	if act.Object.ID != f.urls.Actor() {
		return fmt.Errorf("%w: Follow of %s, not of the owner", ErrBadRequest, act.Object.ID)
	}
	if act.ID == "" {
		return fmt.Errorf("%w: Follow without an id", ErrBadRequest)
	}
	local, err := f.db.LocalActor(ctx)
	if err != nil {
		return err
	}
	var notice int64
	err = f.db.InTx(ctx, func(tx *store.Tx) error {
		existing, err := tx.FollowBetween(ctx, actor.ID, f.db.OwnerID())
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		alreadyAccepted := err == nil && existing.State == store.FollowAccepted
		state := store.FollowAccepted
		if local.Locked && !alreadyAccepted {
			state = store.FollowPending
		}
		if err := tx.PutFollow(ctx, store.Follow{FollowerID: actor.ID, FolloweeID: f.db.OwnerID(), State: state, ActivityURI: act.ID}); err != nil {
			return err
		}
		if state == store.FollowPending {
			notice, err = f.notify(ctx, tx, "follow_request", actor.ID, 0)
			return err
		}
		// Note: Mastodon re-sends a Follow it thinks was lost; answer each
		// with an Accept.
		if err := f.sendFollowAnswer(ctx, tx, "Accept", actor, act.ID); err != nil {
			return err
		}
		if alreadyAccepted {
			return nil
		}
		notice, err = f.notify(ctx, tx, "follow", actor.ID, 0)
		return err
	})
	if err == nil {
		f.afterCommit()
	}
	if err == nil {
		f.streamNotification(ctx, notice)
	}
	return err
}

// sendFollowAnswer publishes Accept or Reject of a follower's Follow.
func (f *Federation) sendFollowAnswer(ctx context.Context, tx *store.Tx, typ string, follower store.Actor, followID string) error {
	return f.publish(ctx, tx, ap.OutActivity{
		ID:    f.newActivityID(),
		Type:  typ,
		Actor: f.urls.Actor(),
		To:    []string{follower.URI},
		// Note: Mastodon embeds the Follow it answers; GoToSocial and
		// others match on its id.
		Object: ap.OutActivity{ID: followID, Type: "Follow", Actor: follower.URI, Object: f.urls.Actor()},
	}, false, []string{follower.Inbox})
}

// onAcceptReject settles a follow the owner sent. A Reject of an accepted
// follow means the other side removed the owner as a follower.
func (f *Federation) onAcceptReject(ctx context.Context, actor store.Actor, act *ap.Activity) error {
	if handled, err := f.onQuoteAnswer(ctx, actor, act); handled {
		return err
	}
	followID := act.Object.ID
	if inner, err := act.Object.Activity(); err == nil && inner.Type != "Follow" {
		return fmt.Errorf("%w: %s of a %s", ErrBadRequest, act.Type, inner.Type)
	}
	return f.db.InTx(ctx, func(tx *store.Tx) error {
		follow, err := tx.FollowBetween(ctx, f.db.OwnerID(), actor.ID)
		if errors.Is(err, store.ErrNotFound) {
			return nil // nothing to settle
		}
		if err != nil {
			return err
		}
		// Note: some servers answer with a bare id, or an id of their own;
		// the follow is matched by the pair of actors, and the id only
		// checked when it names one of ours.
		if followID != "" && f.urls.IsLocal(followID) && followID != follow.ActivityURI {
			return fmt.Errorf("%w: %s of unknown follow %s", ErrBadRequest, act.Type, followID)
		}
		if act.Type == "Accept" {
			return tx.SetFollowState(ctx, f.db.OwnerID(), actor.ID, store.FollowAccepted)
		}
		_, err = tx.DeleteFollow(ctx, f.db.OwnerID(), actor.ID)
		return err
	})
}

// onUndo reverts an earlier activity of the same actor: Follow, Like,
// Announce or Block.
func (f *Federation) onUndo(ctx context.Context, actor store.Actor, act *ap.Activity) error {
	innerID := act.Object.ID
	innerType := string(act.Object.Type)
	if inner, err := act.Object.Activity(); err == nil {
		if inner.Actor.ID != "" && inner.Actor.ID != actor.URI {
			return fmt.Errorf("%w: Undo of another actor's activity", ErrForbidden)
		}
		innerType = string(inner.Type)
		if innerType == "Like" || innerType == "EmojiReact" {
			return f.undoLike(ctx, actor, innerID, inner.Object.ID)
		}
	}
	switch innerType {
	case "Follow":
		return f.db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.DeleteFollow(ctx, actor.ID, f.db.OwnerID())
			return err
		})
	case "Like", "EmojiReact":
		return f.undoLike(ctx, actor, innerID, "")
	case "Announce":
		return f.undoAnnounce(ctx, actor, innerID)
	case "Block":
		return f.db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.DeleteBlock(ctx, actor.ID, f.db.OwnerID())
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			return err
		})
	}
	// A bare id: try what it could have been.
	return f.db.InTx(ctx, func(tx *store.Tx) error {
		if follow, err := tx.FollowByActivity(ctx, innerID); err == nil && follow.FollowerID == actor.ID {
			_, err := tx.DeleteFollow(ctx, actor.ID, follow.FolloweeID)
			return err
		}
		if ok, err := tx.DeleteLikeByActivity(ctx, actor.ID, innerID); ok || err != nil {
			return err
		}
		if p, err := tx.PostByURI(ctx, innerID); err == nil && p.AuthorID == actor.ID && p.ReblogOfID != 0 {
			return tx.DeletePost(ctx, p.ID)
		}
		return nil
	})
}

func (f *Federation) undoLike(ctx context.Context, actor store.Actor, likeID, objectID string) error {
	return f.db.InTx(ctx, func(tx *store.Tx) error {
		ok, err := tx.DeleteLikeByActivity(ctx, actor.ID, likeID)
		if ok || err != nil || objectID == "" {
			return err
		}
		p, err := tx.PostByURI(ctx, objectID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return tx.DeleteLike(ctx, actor.ID, p.ID)
	})
}

func (f *Federation) undoAnnounce(ctx context.Context, actor store.Actor, announceID string) error {
	var deleted int64
	err := f.db.InTx(ctx, func(tx *store.Tx) error {
		p, err := tx.PostByURI(ctx, announceID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if p.AuthorID != actor.ID || p.ReblogOfID == 0 {
			return fmt.Errorf("%w: Undo of an Announce that is not the actor's", ErrForbidden)
		}
		deleted = p.ID
		return tx.DeletePost(ctx, p.ID)
	})
	if err == nil {
		f.streamDelete(ctx, deleted)
	}
	return err
}

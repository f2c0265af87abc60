package federation

import (
	"context"
	"errors"
	"fmt"

	"kith/events"
	"kith/federation/ap"
	"kith/store"
)

// actorTypes are the object types of an Update that edits a profile.
var actorTypes = map[ap.Type]bool{"Person": true, "Service": true, "Application": true, "Group": true, "Organization": true}

// onUpdate applies a profile update or an edit of a stored post (new text
// kept with its history, poll counts refreshed). The owner hears of edits
// to posts they boosted.
func (f *Federation) onUpdate(ctx context.Context, actor store.Actor, act *ap.Activity) error {
	if act.Object.ID == actor.URI || actorTypes[act.Object.Type] {
		if act.Object.ID != actor.URI {
			return fmt.Errorf("%w: %s updated another actor", ErrForbidden, actor.URI)
		}
		// The update may carry a new key; fetch the profile fresh rather
		// than trust the embedded copy's key.
		_, err := f.fetchActor(ctx, actor.URI, true)
		return err
	}
	obj, err := f.trustedObject(ctx, actor, act.Object)
	if err != nil {
		return err
	}
	existing, err := f.db.PostByURI(ctx, obj.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // not something we keep
	}
	if err != nil {
		return err
	}
	if existing.AuthorID != actor.ID || obj.Author() != actor.URI {
		return fmt.Errorf("%w: %s edited a post it does not own", ErrForbidden, actor.URI)
	}
	updated := f.postFromObject(actor, obj)
	updated.ID = existing.ID
	textChanged := updated.Content != existing.Content || updated.Summary != existing.Summary
	switch {
	case !textChanged:
		// Note: Mastodon sends an Update of a Question when only its vote
		// counts changed; that is not an edit.
		updated.EditedAt = existing.EditedAt
	case updated.EditedAt.IsZero():
		updated.EditedAt = f.now()
	}
	var notified bool
	err = f.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.UpdatePost(ctx, updated); err != nil {
			return err
		}
		if _, err := tx.BoostOf(ctx, f.localID, existing.ID); err == nil && textChanged {
			notified = true
			return tx.Notify(ctx, "update", actor.ID, existing.ID)
		}
		return nil
	})
	if err == nil && textChanged {
		f.streamPost(ctx, existing.ID, events.StatusUpdate)
	}
	if err == nil && notified {
		f.streamNotification(ctx, "update", actor.ID, existing.ID)
	}
	return err
}

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
		f.streamDelete(deleted)
	}
	return err
}

// onAnnounce stores a boost of a local post (and tells the owner), or of a
// remote post when the owner follows the booster.
func (f *Federation) onAnnounce(ctx context.Context, actor store.Actor, act *ap.Activity) error {
	if act.ID == "" {
		return fmt.Errorf("%w: Announce without an id", ErrBadRequest)
	}
	target, err := f.db.PostByURI(ctx, act.Object.ID)
	if errors.Is(err, store.ErrNotFound) && !f.urls.IsLocal(act.Object.ID) {
		if follows, _ := f.ownerFollows(ctx, actor.ID); !follows {
			return nil
		}
		target, err = f.fetchAndStorePost(ctx, act.Object.ID, 0)
	}
	if err != nil {
		return err
	}
	if target.Visibility != store.Public && target.Visibility != store.Unlisted {
		return fmt.Errorf("%w: boost of a non-public post", ErrForbidden)
	}
	boost := store.Post{URI: act.ID, URL: act.ID, AuthorID: actor.ID, Type: "Announce", ReblogOfID: target.ID,
		Visibility: visibilityOfActivity(act, actor), PublishedAt: act.Published.Time}
	if boost.PublishedAt.IsZero() {
		boost.PublishedAt = f.now()
	}
	var boostID int64
	err = f.db.InTx(ctx, func(tx *store.Tx) error {
		id, err := tx.InsertPost(ctx, boost)
		if errors.Is(err, store.ErrExists) {
			return nil
		}
		if err != nil {
			return err
		}
		boostID = id
		if !target.Local {
			return nil
		}
		return tx.Notify(ctx, "reblog", actor.ID, target.ID)
	})
	if err == nil && boostID != 0 {
		f.streamPost(ctx, boostID, events.Update)
	}
	if err == nil && boostID != 0 && target.Local {
		f.streamNotification(ctx, "reblog", actor.ID, target.ID)
	}
	return err
}

func visibilityOfActivity(act *ap.Activity, actor store.Actor) string {
	return visibilityOf(&ap.Object{To: act.To, CC: act.CC}, actor)
}

func (f *Federation) ownerFollows(ctx context.Context, actorID int64) (bool, error) {
	follow, err := f.db.FollowBetween(ctx, f.localID, actorID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil && follow.State == store.FollowAccepted, err
}

// fetchAndStorePost fetches a remote post (and its author) and stores it;
// depth is its distance up a thread being fetched.
func (f *Federation) fetchAndStorePost(ctx context.Context, uri string, depth int) (store.Post, error) {
	obj, err := f.fetchObject(ctx, uri)
	if err != nil {
		return store.Post{}, err
	}
	if !postTypes[obj.Type] {
		return store.Post{}, fmt.Errorf("%w: %s is a %s, not a post", ErrBadRequest, uri, obj.Type)
	}
	author, err := f.FetchActor(ctx, obj.Author())
	if err != nil {
		return store.Post{}, err
	}
	if _, err := f.storeRemotePost(ctx, author, obj, depth); err != nil {
		return store.Post{}, err
	}
	return f.db.PostByURI(ctx, obj.ID)
}

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
	var notified bool
	err = f.db.InTx(ctx, func(tx *store.Tx) error {
		fresh, err := tx.PutLike(ctx, actor.ID, p.ID, emoji, firstNonEmpty(act.ID, actor.URI+"#likes/"+p.URI))
		if err != nil || !fresh || !p.Local {
			return err
		}
		notified = true
		return tx.Notify(ctx, "favourite", actor.ID, p.ID)
	})
	if err == nil && notified {
		f.streamNotification(ctx, "favourite", actor.ID, p.ID)
	}
	return err
}

// onBlock records that an actor blocks the owner, and ends follows both
// ways as Mastodon does.
func (f *Federation) onBlock(ctx context.Context, actor store.Actor, act *ap.Activity) error {
	if act.Object.ID != f.urls.Actor() {
		return nil
	}
	return f.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.PutBlock(ctx, actor.ID, f.localID, firstNonEmpty(act.ID, actor.URI+"#blocks")); err != nil {
			return err
		}
		return tx.SeverFollows(ctx, actor.ID, f.localID)
	})
}

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

// onFlag stores a report sent by another server's moderators.
func (f *Federation) onFlag(ctx context.Context, actor store.Actor, act *ap.Activity) error {
	id := firstNonEmpty(act.ID, fmt.Sprintf("%s#flag-%d", actor.URI, f.now().UnixNano()))
	objects := []string{act.Object.ID}
	return f.db.InTx(ctx, func(tx *store.Tx) error {
		return tx.InsertReport(ctx, actor.ID, id, ap.PlainText(string(act.Content)), objects)
	})
}

package federation

import (
	"context"
	"errors"
	"fmt"

	"kith/events"
	"kith/federation/ap"
	"kith/store"
)

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
	var boostID, notice int64
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
		notice, err = f.notify(ctx, tx, "reblog", actor.ID, target.ID)
		return err
	})
	if err == nil && boostID != 0 {
		f.streamPost(ctx, boostID, events.Update)
	}
	if err == nil {
		f.streamNotification(ctx, notice)
	}
	return err
}

func visibilityOfActivity(act *ap.Activity, actor store.Actor) string {
	return visibilityOf(&ap.Object{To: act.To, CC: act.CC}, actor)
}

func (f *Federation) ownerFollows(ctx context.Context, actorID int64) (bool, error) {
	follow, err := f.db.FollowBetween(ctx, f.db.OwnerID(), actorID)
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
	f.crawlIfRepliesInline(ctx, obj)
	return f.db.PostByURI(ctx, obj.ID)
}

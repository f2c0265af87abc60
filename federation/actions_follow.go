package federation

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"kith/federation/ap"
	"kith/store"
)

// Resolve finds an actor by handle (@user@host) or by actor or profile URL.
func (f *Federation) Resolve(ctx context.Context, handleOrURL string) (store.Actor, error) {
	s := strings.TrimSpace(handleOrURL)
	if strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") {
		if f.urls.IsLocal(s) {
			return f.db.LocalActor(ctx)
		}
		a, err := f.FetchActor(ctx, s)
		if err != nil {
			return store.Actor{}, lookupFailed(hostOf(s), err)
		}
		return a, nil
	}
	return f.ResolveHandle(ctx, s)
}

// Follow makes the owner follow an actor, given by handle or URL. The
// follow stays pending until the other side accepts.
func (f *Federation) Follow(ctx context.Context, handleOrURL string) (store.Actor, error) {
	target, err := f.Resolve(ctx, handleOrURL)
	if err != nil {
		return store.Actor{}, err
	}
	return target, f.followActor(ctx, target)
}

func (f *Federation) followActor(ctx context.Context, target store.Actor) error {
	if target.Local {
		return fmt.Errorf("%w: you cannot follow yourself", ErrInvalid)
	}
	if f.blockedDomain(ctx, target.Domain) {
		return fmt.Errorf("%w: %s is on a blocked domain", ErrForbidden, target.Handle())
	}
	err := f.db.InTx(ctx, func(tx *store.Tx) error {
		if existing, err := tx.FollowBetween(ctx, f.db.OwnerID(), target.ID); err == nil && existing.State == store.FollowAccepted {
			return nil
		}
		id := f.newActivityID()
		if err := tx.PutFollow(ctx, store.Follow{FollowerID: f.db.OwnerID(), FolloweeID: target.ID, State: store.FollowPending, ActivityURI: id}); err != nil {
			return err
		}
		return f.publish(ctx, tx, ap.OutActivity{ID: id, Type: "Follow", Actor: f.urls.Actor(), To: []string{target.URI}, Object: target.URI},
			false, []string{target.Inbox})
	})
	if err == nil {
		f.afterCommit()
	}
	return err
}

// Unfollow stops following an actor (or withdraws a pending request).
func (f *Federation) Unfollow(ctx context.Context, actorID int64) error {
	target, err := f.db.ActorByID(ctx, actorID)
	if err != nil {
		return err
	}
	err = f.db.InTx(ctx, func(tx *store.Tx) error {
		follow, err := tx.FollowBetween(ctx, f.db.OwnerID(), target.ID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.DeleteFollow(ctx, f.db.OwnerID(), target.ID); err != nil {
			return err
		}
		return f.publishUndo(ctx, tx, ap.OutActivity{ID: follow.ActivityURI, Type: "Follow", Actor: f.urls.Actor(), Object: target.URI},
			[]string{target.URI}, false, []string{target.Inbox})
	})
	if err == nil {
		f.afterCommit()
	}
	return err
}

// publishUndo sends Undo of an earlier activity, embedding it.
func (f *Federation) publishUndo(ctx context.Context, tx *store.Tx, inner ap.OutActivity, to []string, public bool, inboxes []string) error {
	return f.publish(ctx, tx, ap.OutActivity{ID: f.newActivityID(), Type: "Undo", Actor: f.urls.Actor(), To: to, Object: inner}, public, inboxes)
}

// AcceptFollower approves a pending follow request.
func (f *Federation) AcceptFollower(ctx context.Context, actorID int64) error {
	return f.answerFollower(ctx, actorID, "Accept")
}

// RejectFollower refuses a pending follow request, or removes a follower.
func (f *Federation) RejectFollower(ctx context.Context, actorID int64) error {
	return f.answerFollower(ctx, actorID, "Reject")
}

func (f *Federation) answerFollower(ctx context.Context, actorID int64, typ string) error {
	follower, err := f.db.ActorByID(ctx, actorID)
	if err != nil {
		return err
	}
	var notice int64
	err = f.db.InTx(ctx, func(tx *store.Tx) error {
		follow, err := tx.FollowBetween(ctx, follower.ID, f.db.OwnerID())
		if err != nil {
			return err
		}
		if typ == "Accept" {
			if err := tx.SetFollowState(ctx, follower.ID, f.db.OwnerID(), store.FollowAccepted); err != nil {
				return err
			}
			if notice, err = f.notify(ctx, tx, "follow", follower.ID, 0); err != nil {
				return err
			}
		} else if _, err := tx.DeleteFollow(ctx, follower.ID, f.db.OwnerID()); err != nil {
			return err
		}
		return f.sendFollowAnswer(ctx, tx, typ, follower, follow.ActivityURI)
	})
	if err == nil {
		f.afterCommit()
	}
	if err == nil {
		f.streamNotification(ctx, notice)
	}
	return err
}

// ResolveURL looks up what a URL names, for search: an account or a post
// (fetched and stored when kith does not have it yet). Exactly one of the
// results is set when err is nil.
func (f *Federation) ResolveURL(ctx context.Context, rawURL string) (*store.Actor, *store.Post, error) {
	if p, err := f.db.PostByURI(ctx, rawURL); err == nil {
		return nil, &p, nil
	}
	if a, err := f.db.ActorByURI(ctx, rawURL); err == nil && (a.Local || f.now().Sub(a.FetchedAt) < actorMaxAge) {
		return &a, nil, nil
	}
	if f.urls.IsLocal(rawURL) {
		return nil, nil, fmt.Errorf("%s: %w", rawURL, ErrNotFound)
	}
	body, err := f.fetchAP(ctx, rawURL)
	if err != nil {
		return nil, nil, err
	}
	if _, err := ap.ParseActor(body); err == nil {
		a, err := f.storeActorDocument(ctx, rawURL, body)
		if err != nil {
			return nil, nil, err
		}
		return &a, nil, nil
	}
	obj, err := ap.ParseObject(body)
	if err != nil || !postTypes[obj.Type] {
		return nil, nil, fmt.Errorf("%s is neither an account nor a post: %w", rawURL, ErrNotFound)
	}
	p, err := f.fetchAndStorePost(ctx, obj.ID, 0)
	if err != nil {
		return nil, nil, err
	}
	return nil, &p, nil
}

package federation

import (
	"context"
	"errors"
	"fmt"

	"kith/events"
	"kith/federation/ap"
	"kith/store"
)

// Boost announces a public or unlisted post to the owner's followers.
func (f *Federation) Boost(ctx context.Context, postID int64) error {
	p, author, err := f.postAndAuthor(ctx, postID)
	if err != nil {
		return err
	}
	if p.ReblogOfID != 0 || (p.Visibility != store.Public && p.Visibility != store.Unlisted) {
		return fmt.Errorf("%w: only public and unlisted posts can be boosted", ErrForbidden)
	}
	var boostID int64
	err = f.transact(ctx, func(tx *store.Tx) error {
		if _, err := tx.BoostOf(ctx, f.db.OwnerID(), p.ID); err == nil {
			return nil // already boosted
		}
		id := f.newActivityID()
		var err error
		if boostID, err = tx.InsertPost(ctx, store.Post{URI: id, URL: id, AuthorID: f.db.OwnerID(), Local: true, Type: "Announce",
			ReblogOfID: p.ID, Visibility: store.Public, PublishedAt: tx.Now()}); err != nil {
			return err
		}
		inboxes, err := tx.FollowerInboxes(ctx, f.db.OwnerID())
		if err != nil {
			return err
		}
		if !author.Local {
			inboxes = append(inboxes, author.DeliveryInbox())
		}
		return f.publish(ctx, tx, ap.OutActivity{ID: id, Type: "Announce", Actor: f.urls.Actor(),
			To: []string{ap.Public}, CC: []string{author.URI, f.urls.Followers()}, Object: p.URI}, true, inboxes)
	})
	if err == nil {
		f.streamPost(ctx, boostID, events.Update)
	}
	return err
}

// Unboost withdraws the owner's boost of a post.
func (f *Federation) Unboost(ctx context.Context, postID int64) error {
	p, author, err := f.postAndAuthor(ctx, postID)
	if err != nil {
		return err
	}
	var boostID int64
	err = f.transact(ctx, func(tx *store.Tx) error {
		boost, err := tx.BoostOf(ctx, f.db.OwnerID(), p.ID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		boostID = boost.ID
		if err != nil {
			return err
		}
		if err := tx.DeletePost(ctx, boost.ID); err != nil {
			return err
		}
		if err := tx.HidePublicActivities(ctx, p.URI); err != nil {
			return err
		}
		inboxes, err := tx.FollowerInboxes(ctx, f.db.OwnerID())
		if err != nil {
			return err
		}
		if !author.Local {
			inboxes = append(inboxes, author.DeliveryInbox())
		}
		inner := ap.OutActivity{ID: boost.URI, Type: "Announce", Actor: f.urls.Actor(), Object: p.URI}
		return f.publishUndo(ctx, tx, inner, []string{ap.Public}, false, inboxes)
	})
	if err == nil {
		f.streamDelete(ctx, boostID)
	}
	return err
}

// Like favourites a post.
func (f *Federation) Like(ctx context.Context, postID int64) error {
	p, author, err := f.postAndAuthor(ctx, postID)
	if err != nil {
		return err
	}
	return f.transact(ctx, func(tx *store.Tx) error {
		id := f.newActivityID()
		fresh, err := tx.PutLike(ctx, f.db.OwnerID(), p.ID, "", id)
		if err != nil || !fresh || author.Local {
			return err
		}
		return f.publish(ctx, tx, ap.OutActivity{ID: id, Type: "Like", Actor: f.urls.Actor(), To: []string{author.URI}, Object: p.URI},
			false, []string{author.DeliveryInbox()})
	})
}

// Unlike withdraws a favourite.
func (f *Federation) Unlike(ctx context.Context, postID int64) error {
	p, author, err := f.postAndAuthor(ctx, postID)
	if err != nil {
		return err
	}
	return f.transact(ctx, func(tx *store.Tx) error {
		likeID, err := tx.LikeActivity(ctx, f.db.OwnerID(), p.ID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := tx.DeleteLike(ctx, f.db.OwnerID(), p.ID); err != nil || author.Local {
			return err
		}
		inner := ap.OutActivity{ID: likeID, Type: "Like", Actor: f.urls.Actor(), Object: p.URI}
		return f.publishUndo(ctx, tx, inner, []string{author.URI}, false, []string{author.DeliveryInbox()})
	})
}

// Vote answers a remote poll: one Note per chosen option, addressed to
// the poll's author only.
func (f *Federation) Vote(ctx context.Context, postID int64, choices []int) error {
	p, author, err := f.postAndAuthor(ctx, postID)
	if err != nil {
		return err
	}
	if p.Poll == nil {
		return fmt.Errorf("%w: post %d has no poll", ErrInvalid, postID)
	}
	if len(choices) == 0 || (!p.Poll.Multiple && len(choices) > 1) {
		return fmt.Errorf("%w: choose one option (or several in a multiple-choice poll)", ErrInvalid)
	}
	if !p.Poll.ExpiresAt.IsZero() && f.now().After(p.Poll.ExpiresAt) {
		return fmt.Errorf("%w: the poll has ended", ErrForbidden)
	}
	return f.transact(ctx, func(tx *store.Tx) error {
		for _, c := range choices {
			if c < 0 || c >= len(p.Poll.Options) {
				return fmt.Errorf("%w: no option %d", ErrInvalid, c)
			}
			id := f.newActivityID()
			fresh, err := tx.RecordVote(ctx, p.ID, f.db.OwnerID(), c, id)
			if err != nil || !fresh || author.Local {
				if err != nil {
					return err
				}
				continue
			}
			vote := map[string]any{"id": id + "#vote", "type": "Note", "name": p.Poll.Options[c].Title,
				"attributedTo": f.urls.Actor(), "to": []string{author.URI}, "inReplyTo": p.URI}
			if err := f.publish(ctx, tx, ap.OutActivity{ID: id, Type: "Create", Actor: f.urls.Actor(), To: []string{author.URI}, Object: vote},
				false, []string{author.Inbox}); err != nil {
				return err
			}
		}
		return nil
	})
}

// transact runs fn in a transaction and wakes the workers after commit.
func (f *Federation) transact(ctx context.Context, fn func(tx *store.Tx) error) error {
	if err := f.db.InTx(ctx, fn); err != nil {
		return err
	}
	f.afterCommit()
	return nil
}

package federation

import (
	"context"
	"errors"
	"fmt"

	"kith/events"
	"kith/federation/ap"
	"kith/store"
)

// onQuoteRequest answers a remote actor's request to quote one of the
// owner's posts (FEP-044f), by the post's quote policy: an Accept whose
// result is a stamp kith serves, or a Reject.
//
// Note: Mastodon 4.5 sends QuoteRequest{object: the quoted post,
// instrument: the quoting post, often embedded} to the quoted post's
// author, alongside the Create of the quoting post.
func (f *Federation) onQuoteRequest(ctx context.Context, actor store.Actor, act *ap.Activity) error {
	if !ap.SameOrigin(act.ID, actor.URI) {
		return fmt.Errorf("%w: QuoteRequest %s is not from its actor's server", ErrForbidden, act.ID)
	}
	quoting := act.Instrument.ID
	if ap.HTTPURL(quoting) != quoting || !ap.SameOrigin(quoting, actor.URI) {
		return fmt.Errorf("%w: QuoteRequest for a post %q not on its actor's server", ErrBadRequest, quoting)
	}
	id, ok := f.urls.LocalPostID(act.Object.ID)
	if !ok {
		return fmt.Errorf("%w: QuoteRequest of %s, not an owner's post", ErrBadRequest, act.Object.ID)
	}
	quoted, err := f.db.PostByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if quoted.AuthorID != f.db.OwnerID() || quoted.ReblogOfID != 0 {
		return fmt.Errorf("%w: QuoteRequest of a post that is not the owner's", ErrBadRequest)
	}
	allowed := f.quoteAllowed(ctx, quoted, actor)
	request := ap.OutActivity{ID: act.ID, Type: "QuoteRequest", Actor: actor.URI, Object: quoted.URI, Instrument: quoting}
	err = f.db.InTx(ctx, func(tx *store.Tx) error {
		if !allowed {
			return f.publish(ctx, tx, ap.OutActivity{ID: f.newActivityID(), Type: "Reject", Actor: f.urls.Actor(),
				To: []string{actor.URI}, Object: request}, false, []string{actor.Inbox})
		}
		stamp, err := tx.PutQuoteAuthorization(ctx, store.QuoteAuthorization{QuotedID: quoted.ID, QuotingURI: quoting,
			ActorID: actor.ID, RequestURI: act.ID})
		if err != nil {
			return err
		}
		if !stamp.RevokedAt.IsZero() {
			allowed = false // a withdrawn permission is not given again
			return f.publish(ctx, tx, ap.OutActivity{ID: f.newActivityID(), Type: "Reject", Actor: f.urls.Actor(),
				To: []string{actor.URI}, Object: request}, false, []string{actor.Inbox})
		}
		return f.publish(ctx, tx, ap.OutActivity{ID: f.newActivityID(), Type: "Accept", Actor: f.urls.Actor(),
			To: []string{actor.URI}, Object: request, Result: f.urls.QuoteAuthorization(stamp.ID)}, false, []string{actor.Inbox})
	})
	if err != nil {
		return err
	}
	f.afterCommit()
	if allowed {
		return f.settleQuoting(ctx, actor, act, quoting)
	}
	return nil
}

// settleQuoting brings a quoting post up to date after kith allowed its
// quote: a stored copy is marked accepted, one not yet stored is taken
// from the request (when its actor's server embedded it) or fetched.
func (f *Federation) settleQuoting(ctx context.Context, actor store.Actor, act *ap.Activity, quoting string) error {
	existing, err := f.db.PostByURI(ctx, quoting)
	if err == nil {
		obj := &ap.Object{ID: existing.URI}
		if existing.Quote == nil {
			return nil
		}
		q := f.resolveOwnerQuote(ctx, actor, obj, &store.Quote{QuotedURI: existing.Quote.QuotedURI})
		if q == nil || q.State != store.QuoteAccepted {
			return nil
		}
		var notice int64
		err := f.db.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.PutQuote(ctx, existing.ID, *q); err != nil {
				return err
			}
			notice, err = f.notify(ctx, tx, "quote", actor.ID, existing.ID)
			return err
		})
		if err == nil {
			f.streamPost(ctx, existing.ID, events.StatusUpdate)
			f.streamNotification(ctx, notice)
		}
		return err
	}
	if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	var obj *ap.Object
	if act.Instrument.IsEmbedded() {
		obj, err = act.Instrument.Object()
		if err != nil {
			return fmt.Errorf("%w: %v", ErrBadRequest, err)
		}
	} else if obj, err = f.fetchObject(ctx, quoting); err != nil {
		return err
	}
	if obj.ID != quoting || obj.Author() != actor.URI || !postTypes[obj.Type] {
		return fmt.Errorf("%w: the quoting post is not the requester's", ErrForbidden)
	}
	_, err = f.storeRemotePost(ctx, actor, obj, 0)
	return err
}

// onQuoteAnswer settles the owner's quote whose QuoteRequest an Accept or
// Reject answers. It reports false when the activity answers something
// else (a Follow).
func (f *Federation) onQuoteAnswer(ctx context.Context, actor store.Actor, act *ap.Activity) (bool, error) {
	requestID := act.Object.ID
	if !f.urls.IsLocal(requestID) {
		return false, nil
	}
	postID, q, err := f.db.QuoteByRequest(ctx, requestID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	quoted, err := f.db.PostByURI(ctx, q.QuotedURI)
	if err != nil || quoted.AuthorID != actor.ID {
		return true, fmt.Errorf("%w: %s answered a quote request sent to another", ErrForbidden, actor.URI)
	}
	p, err := f.db.PostByID(ctx, postID)
	if err != nil {
		return true, err
	}
	state, stamp := store.QuoteRejected, ""
	if act.Type == "Accept" {
		stamp = ap.HTTPURL(string(act.Result))
		if !f.stampValid(ctx, stamp, p.URI, quoted.URI, actor.URI) {
			return true, fmt.Errorf("%w: Accept of a quote request without a valid authorization", ErrForbidden)
		}
		state = store.QuoteAccepted
	}
	if q.State == state && q.AuthorizationURI == stamp {
		return true, nil
	}
	err = f.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetQuoteState(ctx, postID, state, stamp); err != nil {
			return err
		}
		if state != store.QuoteAccepted {
			return nil
		}
		// Tell everyone who has the post that its quote is allowed now.
		return f.publishQuoteUpdate(ctx, tx, postID)
	})
	if err == nil {
		f.afterCommit()
		f.streamPost(ctx, postID, events.StatusUpdate)
	}
	return true, err
}

// publishQuoteUpdate sends an Update of an owner's post whose quote
// changed, to its usual audience and the quoted post's author.
func (f *Federation) publishQuoteUpdate(ctx context.Context, tx *store.Tx, postID int64) error {
	p, err := tx.PostByID(ctx, postID)
	if err != nil {
		return err
	}
	var mentioned []store.Actor
	for _, m := range p.Mentions {
		if a, err := f.db.ActorByURI(ctx, m.ActorURI); err == nil {
			mentioned = append(mentioned, a)
		}
	}
	inboxes, err := f.quoteRecipients(ctx, tx, p, mentioned)
	if err != nil {
		return err
	}
	note := f.noteOf(ctx, p)
	return f.publish(ctx, tx, ap.OutActivity{ID: f.newActivityID(), Type: "Update",
		Actor: f.urls.Actor(), To: note.To, CC: note.CC, Object: note}, false, inboxes)
}

// quoteRecipients is the audience of an owner's post, plus the author of
// the post it quotes.
func (f *Federation) quoteRecipients(ctx context.Context, tx *store.Tx, p store.Post, mentioned []store.Actor) ([]string, error) {
	if p.Quote != nil && p.Quote.QuotedID != 0 {
		if quoted, err := tx.PostByID(ctx, p.Quote.QuotedID); err == nil {
			if a, err := f.db.ActorByID(ctx, quoted.AuthorID); err == nil && !a.Local {
				mentioned = append(mentioned, a)
			}
		}
	}
	return f.recipients(ctx, tx, p.Visibility, mentioned)
}

// onStampDeleted marks quotes revoked whose stamp the quoted post's
// author deleted. It reports false when id names no stamp.
//
// Note: Mastodon revokes a quote by sending Delete of its
// QuoteAuthorization to the quoting post's author and followers.
func (f *Federation) onStampDeleted(ctx context.Context, actor store.Actor, id string) (bool, error) {
	postID, q, err := f.db.QuoteByAuthorization(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	if !ap.SameOrigin(id, actor.URI) {
		return true, fmt.Errorf("%w: %s deleted a stamp of another server", ErrForbidden, actor.URI)
	}
	if q.State == store.QuoteRevoked {
		return true, nil
	}
	err = f.db.InTx(ctx, func(tx *store.Tx) error {
		return tx.SetQuoteState(ctx, postID, store.QuoteRevoked, q.AuthorizationURI)
	})
	if err == nil {
		f.streamPost(ctx, postID, events.StatusUpdate)
	}
	return true, err
}

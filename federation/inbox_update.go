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
	// Note: Mastodon sends an Update carrying quoteAuthorization once the
	// quoted post's author has allowed the quote.
	quote := f.updatedQuote(ctx, actor, obj, existing, updated.Quote)
	var notice, quoteNotice int64
	err = f.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.UpdatePost(ctx, updated); err != nil {
			return err
		}
		if updated.QuotePolicy != existing.QuotePolicy {
			if err := tx.SetQuotePolicy(ctx, existing.ID, updated.QuotePolicy); err != nil {
				return err
			}
		}
		if quote != nil {
			if err := tx.PutQuote(ctx, existing.ID, *quote); err != nil {
				return err
			}
			wasShown := existing.Quote != nil && existing.Quote.State == store.QuoteAccepted
			if !wasShown && f.quotesOwner(store.Post{Quote: quote}) {
				if quoteNotice, err = f.notify(ctx, tx, "quote", actor.ID, existing.ID); err != nil {
					return err
				}
			}
		}
		if textChanged {
			if err := f.enqueueCard(ctx, tx, updated, true); err != nil {
				return err
			}
			// The owner hears when a post they quoted changes.
			quoting, err := tx.OwnerQuotesOf(ctx, existing.ID)
			if err != nil {
				return err
			}
			if len(quoting) > 0 {
				if quoteNotice, err = f.notify(ctx, tx, "quoted_update", actor.ID, existing.ID); err != nil {
					return err
				}
			}
		}
		if _, err := tx.BoostOf(ctx, f.db.OwnerID(), existing.ID); err == nil && textChanged {
			notice, err = f.notify(ctx, tx, "update", actor.ID, existing.ID)
			return err
		}
		return nil
	})
	if err == nil && textChanged {
		f.jobs.Poke() // its new card, if it links a page
		f.streamPost(ctx, existing.ID, events.StatusUpdate)
	}
	if err == nil {
		f.streamNotification(ctx, notice)
		f.streamNotification(ctx, quoteNotice)
	}
	return err
}

// updatedQuote settles the quote of an edited post when it names another
// post or stamp than the stored one, or was not yet allowed; nil leaves the
// stored quote as it is.
func (f *Federation) updatedQuote(ctx context.Context, actor store.Actor, obj *ap.Object, existing store.Post, q *store.Quote) *store.Quote {
	if q == nil {
		return nil
	}
	old := existing.Quote
	if old != nil && old.QuotedURI == q.QuotedURI && (old.AuthorizationURI == q.AuthorizationURI || old.State == store.QuoteAccepted) {
		return nil
	}
	if old != nil && old.State == store.QuoteRevoked && old.QuotedURI == q.QuotedURI {
		return nil // a revoked quote stays revoked
	}
	return f.resolveQuote(ctx, actor, obj, q, 0)
}

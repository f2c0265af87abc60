package federation

import (
	"context"
	"errors"
	"fmt"

	"kith/events"
	"kith/federation/ap"
	"kith/store"
)

// SettingDefaultQuotePolicy is the setting that holds who may quote the
// owner's new posts when a post does not say.
const SettingDefaultQuotePolicy = "posting.default_quote_policy"

// ValidQuotePolicy reports whether v names a quote policy.
func ValidQuotePolicy(v string) bool {
	return v == store.QuotePublic || v == store.QuoteFollowers || v == store.QuoteNobody
}

// DefaultQuotePolicy returns the owner's default quote policy: public
// unless set.
func (f *Federation) DefaultQuotePolicy(ctx context.Context) (string, error) {
	v, err := f.db.Setting(ctx, SettingDefaultQuotePolicy)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !ValidQuotePolicy(v)) {
		return store.QuotePublic, nil
	}
	return v, err
}

// ErrQuoteNotAllowed: the post asked to be quoted cannot be, by its
// visibility or its author's policy.
var ErrQuoteNotAllowed = fmt.Errorf("%w: this post cannot be quoted", ErrInvalid)

// prepareQuote checks that the owner may quote the post at uri and
// returns the quote a new post carries: accepted at once for the owner's
// own posts, pending (until the quoted author's server answers the
// QuoteRequest) for others'.
func (f *Federation) prepareQuote(ctx context.Context, uri string) (*store.Quote, error) {
	quoted, err := f.db.PostByURI(ctx, uri)
	if err != nil {
		return nil, err
	}
	if quoted.ReblogOfID != 0 {
		return nil, ErrQuoteNotAllowed
	}
	if quoted.AuthorID == f.db.OwnerID() {
		if quoted.Visibility == store.Direct {
			return nil, ErrQuoteNotAllowed
		}
		return &store.Quote{QuotedURI: quoted.URI, QuotedID: quoted.ID, State: store.QuoteAccepted}, nil
	}
	if quoted.Visibility == store.Private || quoted.Visibility == store.Direct || quoted.QuotePolicy == store.QuoteNobody {
		return nil, ErrQuoteNotAllowed
	}
	if quoted.QuotePolicy == store.QuoteFollowers {
		follow, err := f.db.FollowBetween(ctx, f.db.OwnerID(), quoted.AuthorID)
		if err != nil || follow.State != store.FollowAccepted {
			return nil, ErrQuoteNotAllowed
		}
	}
	return &store.Quote{QuotedURI: quoted.URI, QuotedID: quoted.ID, State: store.QuotePending, RequestURI: f.newActivityID()}, nil
}

// sendQuoteRequest asks the author of the post an owner's new post quotes
// for leave to quote it, carrying the post itself.
func (f *Federation) sendQuoteRequest(ctx context.Context, tx *store.Tx, p store.Post, note ap.OutNote) error {
	if p.Quote == nil || p.Quote.RequestURI == "" || p.Quote.QuotedID == 0 {
		return nil
	}
	quoted, err := tx.PostByID(ctx, p.Quote.QuotedID)
	if err != nil {
		return err
	}
	author, err := f.db.ActorByID(ctx, quoted.AuthorID)
	if err != nil || author.Local {
		return err
	}
	return f.publish(ctx, tx, ap.OutActivity{ID: p.Quote.RequestURI, Type: "QuoteRequest", Actor: f.urls.Actor(),
		To: []string{author.URI}, Object: quoted.URI, Instrument: note}, false, []string{author.Inbox})
}

// addQuote puts a local post's quote and quote policy on its Note.
func (f *Federation) addQuote(n *ap.OutNote, p store.Post) {
	auto := []string{}
	switch effectiveQuotePolicy(p.QuotePolicy, p.Visibility) {
	case store.QuotePublic:
		auto = append(auto, ap.Public)
	case store.QuoteFollowers:
		auto = append(auto, f.urls.Followers())
	}
	if len(auto) == 0 {
		auto = append(auto, f.urls.Actor()) // Note: Mastodon names the author when nobody else may
	}
	n.InteractionPolicy = &ap.OutInteractionPolicy{CanQuote: ap.OutApproval{AutomaticApproval: auto}}
	q := p.Quote
	if q == nil || q.State == store.QuoteRejected || q.State == store.QuoteRevoked {
		return
	}
	n.Quote, n.QuoteURL, n.MisskeyQuote = q.QuotedURI, q.QuotedURI, q.QuotedURI
	if q.State == store.QuoteAccepted {
		n.QuoteAuthorization = q.AuthorizationURI
	}
}

// QuoteAuthorizationDocument is a stamp kith gave, as served at its id;
// a revoked one is not found.
func (f *Federation) QuoteAuthorizationDocument(ctx context.Context, id int64) (ap.OutQuoteAuthorization, error) {
	a, err := f.db.QuoteAuthorizationByID(ctx, id)
	if err != nil || !a.RevokedAt.IsZero() {
		return ap.OutQuoteAuthorization{}, fmt.Errorf("quote authorization %d: %w", id, ErrNotFound)
	}
	doc := f.stampOf(a)
	doc.Context = ap.Context()
	return doc, nil
}

func (f *Federation) stampOf(a store.QuoteAuthorization) ap.OutQuoteAuthorization {
	return ap.OutQuoteAuthorization{ID: f.urls.QuoteAuthorization(a.ID), Type: "QuoteAuthorization", AttributedTo: f.urls.Actor(),
		InteractingObject: a.QuotingURI, InteractionTarget: f.urls.Post(a.QuotedID)}
}

// RevokeQuote withdraws the permission the owner gave quotingID to quote
// their post quotedID: the stamp is deleted, and the Delete goes to the
// quoting post's author and the owner's followers. It returns the quoting
// post.
func (f *Federation) RevokeQuote(ctx context.Context, quotedID, quotingID int64) (store.Post, error) {
	quoted, err := f.ownPost(ctx, quotedID)
	if err != nil {
		return store.Post{}, err
	}
	quoting, err := f.db.PostByID(ctx, quotingID)
	if err != nil {
		return store.Post{}, err
	}
	if quoting.Quote == nil || quoting.Quote.QuotedID != quoted.ID {
		return store.Post{}, fmt.Errorf("post %d does not quote post %d: %w", quotingID, quotedID, store.ErrNotFound)
	}
	if quoting.Local {
		return store.Post{}, fmt.Errorf("%w: the owner's own quote cannot be revoked", ErrInvalid)
	}
	stamp, stampErr := f.db.QuoteAuthorizationFor(ctx, quoted.ID, quoting.URI)
	author, aerr := f.db.ActorByID(ctx, quoting.AuthorID)
	if aerr != nil {
		return store.Post{}, aerr
	}
	err = f.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetQuoteState(ctx, quoting.ID, store.QuoteRevoked, quoting.Quote.AuthorizationURI); err != nil {
			return err
		}
		if errors.Is(stampErr, store.ErrNotFound) {
			// Allowed by policy alone (an older form): nothing to delete.
			return nil
		}
		if stampErr != nil {
			return stampErr
		}
		if ok, err := tx.RevokeQuoteAuthorization(ctx, stamp.ID); err != nil || !ok {
			return err
		}
		inboxes, err := tx.FollowerInboxes(ctx, f.db.OwnerID())
		if err != nil {
			return err
		}
		return f.publish(ctx, tx, ap.OutActivity{ID: f.urls.QuoteAuthorization(stamp.ID) + "#delete", Type: "Delete",
			Actor: f.urls.Actor(), To: []string{author.URI}, CC: []string{f.urls.Followers()}, Object: f.stampOf(stamp)},
			false, append(inboxes, author.Inbox))
	})
	if err != nil {
		return store.Post{}, err
	}
	f.afterCommit()
	f.streamPost(ctx, quoting.ID, events.StatusUpdate)
	return f.db.PostByID(ctx, quoting.ID)
}

// SetQuotePolicy changes who may quote an owner's post and federates the
// post's new interactionPolicy as an Update. Stamps already given stay
// valid until revoked, as in Mastodon.
func (f *Federation) SetQuotePolicy(ctx context.Context, postID int64, policy string) (store.Post, error) {
	if !ValidQuotePolicy(policy) {
		return store.Post{}, fmt.Errorf("%w: unknown quote policy %q", ErrInvalid, policy)
	}
	p, err := f.ownPost(ctx, postID)
	if err != nil {
		return store.Post{}, err
	}
	if p.QuotePolicy == policy {
		return p, nil
	}
	err = f.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetQuotePolicy(ctx, p.ID, policy); err != nil {
			return err
		}
		return f.publishQuoteUpdate(ctx, tx, p.ID)
	})
	if err != nil {
		return store.Post{}, err
	}
	f.afterCommit()
	f.streamPost(ctx, p.ID, events.StatusUpdate)
	return f.db.PostByID(ctx, p.ID)
}

// QuotePolicyOf is who may quote a post: for the owner's posts their
// policy as its visibility narrows it, for others' what their server
// said ("" when it said nothing).
func QuotePolicyOf(p store.Post) string {
	if p.Local {
		return effectiveQuotePolicy(p.QuotePolicy, p.Visibility)
	}
	return p.QuotePolicy
}

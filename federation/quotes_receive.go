package federation

import (
	"context"
	"errors"

	"kith/federation/ap"
	"kith/store"
)

// Receiving quote posts. A remote post names the post it quotes in one of
// several keys (ap.Object.Quote); whether the quote is shown depends on
// the quoted post's author having allowed it:
//
//   - the owner's post: allowed when kith gave the quoting post a stamp
//     (answering its QuoteRequest), or, for the older forms, which cannot
//     ask, when the post's quote policy lets its author quote;
//   - a remote post: allowed by a QuoteAuthorization stamp that its
//     author's server serves and that names both posts, or when the
//     author quotes themselves. The older forms are shown as sent: their
//     servers have no way to ask.
//
// The quoted post is fetched through the usual fetch path, one level
// deep: its own quote is recorded but not followed.

// quoteOf reads the quote an object claims, normalised: both URLs are
// absolute http(s) or the quote is dropped.
func quoteOf(obj *ap.Object) *store.Quote {
	uri := ap.HTTPURL(obj.Quote())
	if uri == "" || uri == obj.ID {
		return nil
	}
	return &store.Quote{QuotedURI: uri, AuthorizationURI: ap.HTTPURL(string(obj.QuoteAuthorization))}
}

// quotePolicyOf reads who may quote a remote post from its
// interactionPolicy, or "" when it says nothing kith understands.
func quotePolicyOf(obj *ap.Object, author store.Actor) string {
	auto := obj.InteractionPolicy.CanQuote.AutomaticApproval
	switch {
	case len(auto) == 0 && len(obj.InteractionPolicy.CanQuote.ManualApproval) == 0:
		return ""
	case auto.Contains(ap.Public) || auto.Contains("as:Public") || auto.Contains("Public"):
		return store.QuotePublic
	case author.Followers != "" && auto.Contains(author.Followers):
		return store.QuoteFollowers
	}
	return store.QuoteNobody
}

// resolveQuote decides the state of a remote post's quote, fetching the
// quoted post when it is not stored (unless the post is itself context,
// depth > 0). It returns nil when the quote is refused outright: a quote
// loop.
func (f *Federation) resolveQuote(ctx context.Context, author store.Actor, obj *ap.Object, q *store.Quote, depth int) *store.Quote {
	if q == nil {
		return nil
	}
	if f.urls.IsLocal(q.QuotedURI) {
		return f.resolveOwnerQuote(ctx, author, obj, q)
	}
	quoted, err := f.db.PostByURI(ctx, q.QuotedURI)
	switch {
	case err == nil:
		if quoted.Quote != nil && quoted.Quote.QuotedURI == obj.ID {
			return nil // A quotes B quotes A
		}
	case !errors.Is(err, store.ErrNotFound):
		q.State = store.QuotePending
		return q
	case depth > 0:
		// Context fetched for another post: its quote is kept as a link.
		q.State = store.QuotePending
		return q
	default:
		if quoted, err = f.fetchQuoted(ctx, obj, q.QuotedURI, depth); err != nil {
			f.logger.Debug("quoted post not fetched", "uri", q.QuotedURI, "err", err)
			if errors.Is(err, errQuoteLoop) {
				return nil
			}
			q.State = store.QuoteDeleted
			return q
		}
	}
	q.QuotedID = quoted.ID
	quotedAuthor, err := f.db.ActorByID(ctx, quoted.AuthorID)
	if err != nil {
		q.State = store.QuotePending
		return q
	}
	switch {
	case quotedAuthor.ID == author.ID:
		q.State = store.QuoteAccepted // quoting oneself needs nobody's leave
	case q.AuthorizationURI != "":
		q.State = store.QuoteUnauthorized
		if f.stampValid(ctx, q.AuthorizationURI, obj.ID, quoted.URI, quotedAuthor.URI) {
			q.State = store.QuoteAccepted
		}
	case obj.IsLegacyQuote():
		// Note: Misskey, Akkoma and Hollo send quoteUrl, _misskey_quote or
		// quoteUri and never ask; Mastodon 4.5 shows those quotes too.
		q.State = store.QuoteAccepted
	default:
		q.State = store.QuotePending // its author's server has not answered yet
	}
	return q
}

var errQuoteLoop = errors.New("quote loop")

// fetchQuoted fetches and stores the post obj quotes.
func (f *Federation) fetchQuoted(ctx context.Context, obj *ap.Object, uri string, depth int) (store.Post, error) {
	qobj, err := f.fetchObject(ctx, uri)
	if err != nil {
		return store.Post{}, err
	}
	if !postTypes[qobj.Type] {
		return store.Post{}, ErrNotFound
	}
	if qobj.Quote() == obj.ID {
		return store.Post{}, errQuoteLoop
	}
	qauthor, err := f.FetchActor(ctx, qobj.Author())
	if err != nil {
		return store.Post{}, err
	}
	if blocked, err := f.db.Blocked(ctx, f.db.OwnerID(), qauthor.ID); err != nil || blocked {
		return store.Post{}, ErrNotFound
	}
	id, err := f.storeRemotePost(ctx, qauthor, qobj, depth+1)
	if err != nil {
		return store.Post{}, err
	}
	return f.db.PostByID(ctx, id)
}

// stampValid fetches a QuoteAuthorization and checks that the quoted
// post's author's server serves it and that it allows exactly this quote.
func (f *Federation) stampValid(ctx context.Context, stamp, quoting, quoted, quotedAuthor string) bool {
	if !ap.SameOrigin(stamp, quotedAuthor) {
		return false // a stamp from another host
	}
	body, err := f.fetchAP(ctx, stamp)
	if err != nil {
		f.logger.Debug("quote authorization not fetched", "uri", stamp, "err", err)
		return false
	}
	doc, err := ap.ParseObject(body)
	if err != nil || doc.Type != "QuoteAuthorization" || doc.ID != stamp {
		return false
	}
	return doc.Author() == quotedAuthor && string(doc.InteractingObject) == quoting && string(doc.InteractionTarget) == quoted
}

// resolveOwnerQuote decides the state of a remote post's quote of one of
// the owner's posts.
func (f *Federation) resolveOwnerQuote(ctx context.Context, author store.Actor, obj *ap.Object, q *store.Quote) *store.Quote {
	id, ok := f.urls.LocalPostID(q.QuotedURI)
	quoted, err := f.db.PostByID(ctx, id)
	if !ok || err != nil || quoted.AuthorID != f.db.OwnerID() || quoted.ReblogOfID != 0 {
		q.State = store.QuoteDeleted
		return q
	}
	if quoted.Quote != nil && quoted.Quote.QuotedURI == obj.ID {
		return nil
	}
	q.QuotedID = quoted.ID
	stamp, err := f.db.QuoteAuthorizationFor(ctx, quoted.ID, obj.ID)
	switch {
	case err == nil && !stamp.RevokedAt.IsZero():
		q.State = store.QuoteRevoked
	case err == nil && (q.AuthorizationURI == "" || q.AuthorizationURI == f.urls.QuoteAuthorization(stamp.ID)):
		q.State, q.AuthorizationURI = store.QuoteAccepted, f.urls.QuoteAuthorization(stamp.ID)
	case q.AuthorizationURI != "":
		// A stamp kith never gave for this pair: for another post, from
		// another host, or made up.
		q.State = store.QuoteUnauthorized
	case obj.IsLegacyQuote() && f.quoteAllowed(ctx, quoted, author):
		q.State = store.QuoteAccepted
	case obj.IsLegacyQuote():
		q.State = store.QuoteUnauthorized
	default:
		q.State = store.QuotePending // its QuoteRequest will settle it
	}
	return q
}

// quoteAllowed reports whether the owner's post's quote policy lets actor
// quote it.
func (f *Federation) quoteAllowed(ctx context.Context, p store.Post, actor store.Actor) bool {
	if p.Visibility == store.Direct {
		return false
	}
	policy := effectiveQuotePolicy(p.QuotePolicy, p.Visibility)
	switch policy {
	case store.QuotePublic:
		return true
	case store.QuoteFollowers:
		follow, err := f.db.FollowBetween(ctx, actor.ID, f.db.OwnerID())
		return err == nil && follow.State == store.FollowAccepted
	}
	return false
}

// effectiveQuotePolicy narrows a policy to what a post's visibility
// allows: followers-only and direct posts are quoted by nobody but their
// author.
//
// Note: Mastodon 4.5 sets the policy of private and direct posts to
// nobody, whatever was asked.
func effectiveQuotePolicy(policy, visibility string) string {
	switch {
	case visibility == store.Direct || visibility == store.Private:
		return store.QuoteNobody
	case policy == "":
		return store.QuotePublic
	}
	return policy
}

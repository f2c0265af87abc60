package federation

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"kith/events"
	"kith/federation/ap"
	"kith/store"
)

// postTypes are the object types kith stores as posts.
var postTypes = map[ap.Type]bool{"Note": true, "Article": true, "Page": true, "Question": true,
	"Image": true, "Video": true, "Audio": true, "Event": true}

// onCreate stores a post that concerns the owner: from someone the owner
// follows, mentioning or addressing the owner, or replying to a stored
// post. Anything else is dropped, as Mastodon does.
func (f *Federation) onCreate(ctx context.Context, actor store.Actor, act *ap.Activity) error {
	obj, err := f.trustedObject(ctx, actor, act.Object)
	if err != nil {
		return err
	}
	if !postTypes[obj.Type] {
		return nil
	}
	if obj.Author() != actor.URI {
		return fmt.Errorf("%w: %s created an object attributed to %s", ErrForbidden, actor.URI, obj.Author())
	}
	if local, ok := f.isPollVote(obj); ok {
		return f.recordVote(ctx, actor, obj, local)
	}
	relevant, err := f.concernsOwner(ctx, actor, obj)
	if err != nil || !relevant {
		return err
	}
	_, err = f.storeRemotePost(ctx, actor, obj, 0)
	return err
}

// trustedObject returns the object of an activity: the embedded copy when
// it comes from the actor's own server, else a fresh fetch from its id.
//
// Note: an Announce may embed a Note claiming to be from another server;
// such a copy is never trusted.
func (f *Federation) trustedObject(ctx context.Context, actor store.Actor, ref ap.Ref) (*ap.Object, error) {
	if ref.ID == "" {
		return nil, fmt.Errorf("%w: activity without an object", ErrBadRequest)
	}
	if ref.IsEmbedded() && ap.SameOrigin(ref.ID, actor.URI) {
		obj, err := ref.Object()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadRequest, err)
		}
		return obj, nil
	}
	return f.fetchObject(ctx, ref.ID)
}

// fetchObject fetches an object and checks it is served by its own host.
func (f *Federation) fetchObject(ctx context.Context, uri string) (*ap.Object, error) {
	body, err := f.fetchAP(ctx, uri)
	if err != nil {
		return nil, err
	}
	obj, err := ap.ParseObject(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	if !ap.SameOrigin(obj.ID, uri) || !obj.AuthorHostMatches() {
		return nil, fmt.Errorf("%w: object %s is not served by its own host", ErrForbidden, uri)
	}
	return obj, nil
}

func (f *Federation) concernsOwner(ctx context.Context, actor store.Actor, obj *ap.Object) (bool, error) {
	owner := f.urls.Actor()
	if obj.To.Contains(owner) || obj.CC.Contains(owner) {
		return true, nil
	}
	for _, t := range obj.Tag {
		if t.Type == "Mention" && string(t.Href) == owner {
			return true, nil
		}
	}
	if quoted := obj.Quote(); quoted != "" && f.urls.IsLocal(quoted) {
		return true, nil
	}
	if reply := string(obj.InReplyTo); reply != "" {
		if f.urls.IsLocal(reply) {
			return true, nil
		}
		if _, err := f.db.PostByURI(ctx, reply); err == nil {
			return true, nil
		}
	}
	follow, err := f.db.FollowBetween(ctx, f.db.OwnerID(), actor.ID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil && follow.State == store.FollowAccepted, err
}

// storeRemotePost writes a remote post and notifies the owner of a
// mention. A post already stored is left alone. A missing parent is
// fetched in the background; depth counts how far up the thread this post
// already is.
func (f *Federation) storeRemotePost(ctx context.Context, author store.Actor, obj *ap.Object, depth int) (int64, error) {
	p := f.postFromObject(author, obj)
	if p.Quote != nil {
		if existing, err := f.db.PostByURI(ctx, p.URI); err == nil {
			return existing.ID, nil // stored already: no need to fetch what it quotes
		}
		p.Quote = f.resolveQuote(ctx, author, obj, p.Quote, depth)
	}
	var id int64
	var fresh bool
	var notice, quoteNotice int64
	err := f.db.InTx(ctx, func(tx *store.Tx) error {
		if p.InReplyToURI != "" {
			if parent, err := tx.PostByURI(ctx, p.InReplyToURI); err == nil {
				p.InReplyToID = parent.ID
			}
		}
		var err error
		id, err = tx.InsertPost(ctx, p)
		if errors.Is(err, store.ErrExists) {
			existing, err := tx.PostByURI(ctx, p.URI)
			id = existing.ID
			return err
		}
		if err != nil {
			return err
		}
		fresh = true
		p.ID = id
		if err := f.enqueueCard(ctx, tx, p, false); err != nil {
			return err
		}
		if f.quotesOwner(p) {
			if quoteNotice, err = f.notify(ctx, tx, "quote", author.ID, id); err != nil {
				return err
			}
		}
		if f.mentionsOwner(p) {
			notice, err = f.notify(ctx, tx, "mention", author.ID, id)
			return err
		}
		return nil
	})
	if err == nil && fresh {
		f.jobs.Poke() // its card, if it links a page
	}
	if err == nil && fresh && depth == 0 { // posts fetched for a thread are context, not news
		f.streamPost(ctx, id, events.Update)
	}
	if err == nil {
		f.streamNotification(ctx, notice)
		f.streamNotification(ctx, quoteNotice)
	}
	if err == nil && p.InReplyToURI != "" && p.InReplyToID == 0 {
		f.enqueueThreadFetch(ctx, p.InReplyToURI, depth+1)
	}
	return id, err
}

// quotesOwner reports a remote post whose quote of an owner's post is
// allowed.
func (f *Federation) quotesOwner(p store.Post) bool {
	return p.Quote != nil && p.Quote.State == store.QuoteAccepted && f.urls.IsLocal(p.Quote.QuotedURI)
}

func (f *Federation) mentionsOwner(p store.Post) bool {
	for _, m := range p.Mentions {
		if m.ActorURI == f.urls.Actor() {
			return true
		}
	}
	return false
}

// visibilityOf reads a post's visibility from its addressing.
func visibilityOf(obj *ap.Object, author store.Actor) string {
	isPublic := func(l ap.IRIs) bool {
		return l.Contains(ap.Public) || l.Contains("as:Public") || l.Contains("Public")
	}
	switch {
	case isPublic(obj.To):
		return store.Public
	case isPublic(obj.CC):
		return store.Unlisted
	case author.Followers != "" && (obj.To.Contains(author.Followers) || obj.CC.Contains(author.Followers)):
		return store.Private
	}
	return store.Direct
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

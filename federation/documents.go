package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"

	"kith/federation/ap"
	"kith/store"
)

// pageSize is the number of items per collection page.
const pageSize = 20

// ActorDocument is the owner's actor as served to peers.
func (f *Federation) ActorDocument(ctx context.Context) (ap.OutActor, error) {
	a, err := f.db.LocalActor(ctx)
	if err != nil {
		return ap.OutActor{}, err
	}
	doc := f.actorDocumentOf(ctx, a)
	// Note: Fedify finds the key of an integrity proof in the actor's
	// assertionMethod, as a Multikey.
	doc.Context = ap.WithContexts(ap.Context(), ap.DataIntegrityContext, ap.DIDContext, ap.MultikeyContext)
	doc.AssertionMethod = []ap.OutMultikey{f.ownerMultikey()}
	return doc, nil
}

func (f *Federation) actorDocumentOf(ctx context.Context, a store.Actor) ap.OutActor {
	doc := ap.OutActor{
		ID: a.URI, Type: "Person", Following: a.Following, Followers: a.Followers, Inbox: a.Inbox, Outbox: a.Outbox,
		Featured: a.Featured, FeaturedTags: f.urls.FeaturedTags(), PreferredUsername: a.Username, Name: a.DisplayName, Summary: a.Summary, URL: a.URL,
		ManuallyApprovesFollowers: a.Locked, Discoverable: a.Discoverable, Indexable: a.Discoverable,
		Published: formatTime(a.PublishedAt), AlsoKnownAs: a.AlsoKnownAs, MovedTo: a.MovedTo,
		PublicKey: ap.OutPublicKey{ID: a.KeyID, Owner: a.URI, PublicKeyPem: a.PublicKeyPEM},
		Tag:       []ap.OutTag{}, Attachment: []ap.OutField{}, Endpoints: ap.OutEndpoints{SharedInbox: a.SharedInbox},
	}
	if a.Bot {
		doc.Type = "Service"
	}
	if a.AvatarURL != "" {
		doc.Icon = &ap.OutImage{Type: "Image", URL: f.publicMedia(a.AvatarURL)}
	}
	if a.HeaderURL != "" {
		doc.Image = &ap.OutImage{Type: "Image", URL: f.publicMedia(a.HeaderURL)}
	}
	texts := []string{a.DisplayName, a.Summary}
	for _, fl := range a.Fields {
		doc.Attachment = append(doc.Attachment, ap.OutField{Type: "PropertyValue", Name: fl.Name, Value: fl.Value})
		texts = append(texts, fl.Name, fl.Value)
	}
	emojis, err := f.OwnEmojisIn(ctx, texts...)
	if err != nil {
		f.logger.Warn("custom emoji unreadable", "err", err)
	}
	doc.Tag = append(doc.Tag, f.ownEmojiTags(ctx, emojis)...)
	return doc
}

// InstanceActorDocument is the instance actor, which signs fetches.
func (f *Federation) InstanceActorDocument() ap.OutActor {
	u := f.urls
	return ap.OutActor{
		Context: ap.Context(), ID: u.InstanceActor(), Type: "Application", Inbox: u.InstanceInbox(),
		Outbox: u.InstanceCollection("outbox"), Following: u.InstanceCollection("following"),
		Followers: u.InstanceCollection("followers"), Featured: u.InstanceCollection("featured"),
		PreferredUsername: hostOnly(u.Host()), URL: u.Base() + "/about",
		// Note: Mastodon marks its instance actor locked so nobody
		// follows it.
		ManuallyApprovesFollowers: true,
		PublicKey:                 ap.OutPublicKey{ID: u.InstanceKey(), Owner: u.InstanceActor(), PublicKeyPem: publicKeyPEM(f.instanceKey)},
		Tag:                       []ap.OutTag{}, Attachment: []ap.OutField{}, Endpoints: ap.OutEndpoints{SharedInbox: u.SharedInbox()},
	}
}

// InstanceCollection serves one of the instance actor's collections: it
// follows nobody, nobody follows it, it posts and pins nothing.
//
// Note: peers (Mastodon among them) fetch every collection an actor names
// and log an error for each that does not answer.
func (f *Federation) InstanceCollection(which string) (ap.OutCollection, error) {
	switch which {
	case "outbox", "followers", "following", "featured":
	default:
		return ap.OutCollection{}, fmt.Errorf("instance collection %q: %w", which, ErrNotFound)
	}
	zero := 0
	return ap.OutCollection{Context: ap.Context(), ID: f.urls.InstanceCollection(which), Type: "OrderedCollection",
		TotalItems: &zero}, nil
}

// PostDocument is a local post as a Note, for public and unlisted posts
// only; followers-only and direct posts are not served to anonymous
// fetches.
func (f *Federation) PostDocument(ctx context.Context, postID int64) (ap.OutNote, error) {
	p, err := f.db.PostByID(ctx, postID)
	if err != nil {
		return ap.OutNote{}, fmt.Errorf("post %d: %w", postID, ErrNotFound)
	}
	if !p.Local || p.ReblogOfID != 0 || !isListed(p.Visibility) {
		return ap.OutNote{}, fmt.Errorf("post %d: %w", postID, ErrNotFound)
	}
	n := f.noteOf(ctx, p)
	n.Context = ap.Context()
	self, err := f.db.ListedReplies(ctx, p.URI, true, 0, noteSelfReplies)
	if err != nil {
		return ap.OutNote{}, err
	}
	n.Replies = f.repliesOf(p, self, true)
	return n, nil
}

// Outbox serves the outbox collection, or one page of it when page is
// true; maxID pages back from an activity row id.
func (f *Federation) Outbox(ctx context.Context, page bool, maxID int64) (ap.OutCollection, error) {
	base := f.urls.Outbox()
	total, err := f.db.CountOutbox(ctx)
	if err != nil {
		return ap.OutCollection{}, err
	}
	if !page {
		// No last page: pages are cut by max_id only, so a min_id link
		// would serve the newest page again.
		return ap.OutCollection{Context: ap.Context(), ID: base, Type: "OrderedCollection", TotalItems: &total,
			First: base + "?page=true"}, nil
	}
	acts, err := f.db.OutboxActivities(ctx, maxID, pageSize)
	if err != nil {
		return ap.OutCollection{}, err
	}
	items := make([]any, 0, len(acts))
	for _, a := range acts {
		items = append(items, stripContext(a.Body))
	}
	id := base + "?page=true"
	if maxID != 0 {
		id = base + "?" + url.Values{"max_id": {strconv.FormatInt(maxID, 10)}, "page": {"true"}}.Encode()
	}
	doc := ap.OutCollection{Context: ap.Context(), ID: id, Type: "OrderedCollectionPage", PartOf: base, OrderedItems: items}
	if len(acts) == pageSize {
		doc.Next = base + "?" + url.Values{"max_id": {strconv.FormatInt(acts[len(acts)-1].ID, 10)}, "page": {"true"}}.Encode()
	}
	return doc, nil
}

// stripContext drops @context from an embedded activity: the page has one.
func stripContext(body []byte) json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return body
	}
	delete(m, "@context")
	out, _ := json.Marshal(m)
	return out
}

// FollowCollection serves followers or following (which = "followers" or
// "following"). With hidden set, only the count is shown.
func (f *Federation) FollowCollection(ctx context.Context, which string, page int, hidden bool) (ap.OutCollection, error) {
	base := f.urls.Followers()
	if which == "following" {
		base = f.urls.Following()
	}
	followers, following, err := f.db.CountFollows(ctx, f.db.OwnerID())
	if err != nil {
		return ap.OutCollection{}, err
	}
	total := followers
	if which == "following" {
		total = following
	}
	if page < 1 || hidden {
		doc := ap.OutCollection{Context: ap.Context(), ID: base, Type: "OrderedCollection", TotalItems: &total}
		if !hidden {
			doc.First = base + "?page=1"
		}
		return doc, nil
	}
	var actors []store.Actor
	if which == "following" {
		actors, err = f.db.Following(ctx, f.db.OwnerID(), store.FollowAccepted, (page-1)*pageSize, pageSize)
	} else {
		actors, err = f.db.Followers(ctx, f.db.OwnerID(), store.FollowAccepted, (page-1)*pageSize, pageSize)
	}
	if err != nil {
		return ap.OutCollection{}, err
	}
	items := []any{}
	for _, a := range actors {
		items = append(items, a.URI)
	}
	doc := ap.OutCollection{Context: ap.Context(), ID: base + "?page=" + strconv.Itoa(page), Type: "OrderedCollectionPage",
		TotalItems: &total, PartOf: base, OrderedItems: items}
	if page*pageSize < total {
		doc.Next = base + "?page=" + strconv.Itoa(page+1)
	}
	return doc, nil
}

// Featured serves the owner's pinned posts.
func (f *Federation) Featured(ctx context.Context) (ap.OutCollection, error) {
	uris, err := f.db.Pins(ctx, f.db.OwnerID())
	if err != nil {
		return ap.OutCollection{}, err
	}
	items := []any{}
	for _, uri := range uris {
		if id, ok := f.urls.LocalPostID(uri); ok {
			if p, err := f.db.PostByID(ctx, id); err == nil && isListed(p.Visibility) {
				items = append(items, f.noteOf(ctx, p))
			}
		}
	}
	total := len(items)
	return ap.OutCollection{Context: ap.Context(), ID: f.urls.Featured(), Type: "OrderedCollection",
		TotalItems: &total, OrderedItems: items}, nil
}

package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"

	"kith/store"
)

// pageSize is the number of items per collection page.
const pageSize = 20

// ActorDocument is the owner's actor as served to peers.
func (f *Federation) ActorDocument(ctx context.Context) (map[string]any, error) {
	a, err := f.db.LocalActor(ctx)
	if err != nil {
		return nil, err
	}
	return f.actorDocumentOf(a), nil
}

func (f *Federation) actorDocumentOf(a store.Actor) map[string]any {
	doc := map[string]any{
		"@context":                  contextTerms,
		"id":                        a.URI,
		"type":                      "Person",
		"preferredUsername":         a.Username,
		"name":                      a.DisplayName,
		"summary":                   a.Summary,
		"url":                       a.URL,
		"inbox":                     a.Inbox,
		"outbox":                    a.Outbox,
		"followers":                 a.Followers,
		"following":                 a.Following,
		"featured":                  a.Featured,
		"manuallyApprovesFollowers": a.Locked,
		"discoverable":              a.Discoverable,
		"indexable":                 a.Discoverable,
		"published":                 formatTime(a.PublishedAt),
		"endpoints":                 map[string]string{"sharedInbox": a.SharedInbox},
		"publicKey":                 map[string]string{"id": a.KeyID, "owner": a.URI, "publicKeyPem": a.PublicKeyPEM},
		"tag":                       []any{},
		"attachment":                fieldsOf(a.Fields),
	}
	if a.Bot {
		doc["type"] = "Service"
	}
	if a.AvatarURL != "" {
		doc["icon"] = map[string]string{"type": "Image", "url": a.AvatarURL}
	}
	if a.HeaderURL != "" {
		doc["image"] = map[string]string{"type": "Image", "url": a.HeaderURL}
	}
	if len(a.AlsoKnownAs) > 0 {
		doc["alsoKnownAs"] = a.AlsoKnownAs
	}
	if a.MovedTo != "" {
		doc["movedTo"] = a.MovedTo
	}
	return doc
}

func fieldsOf(fields []store.Field) []map[string]string {
	out := []map[string]string{}
	for _, fl := range fields {
		out = append(out, map[string]string{"type": "PropertyValue", "name": fl.Name, "value": fl.Value})
	}
	return out
}

// InstanceActorDocument is the instance actor, which signs fetches.
func (f *Federation) InstanceActorDocument() map[string]any {
	u := f.urls
	return map[string]any{
		"@context":          contextTerms,
		"id":                u.InstanceActor(),
		"type":              "Application",
		"preferredUsername": hostOnly(u.Host()),
		"url":               u.Base() + "/about",
		"inbox":             u.InstanceInbox(),
		"outbox":            u.InstanceActor() + "/outbox",
		"endpoints":         map[string]string{"sharedInbox": u.SharedInbox()},
		// Note: Mastodon marks its instance actor locked so nobody
		// follows it.
		"manuallyApprovesFollowers": true,
		"publicKey": map[string]string{"id": u.InstanceKey(), "owner": u.InstanceActor(),
			"publicKeyPem": publicKeyPEM(f.instanceKey)},
	}
}

// PostDocument is a local post as a Note, for public and unlisted posts
// only; followers-only and direct posts are not served to anonymous
// fetches.
func (f *Federation) PostDocument(ctx context.Context, postID int64) (map[string]any, error) {
	p, err := f.db.PostByID(ctx, postID)
	if err != nil {
		return nil, fmt.Errorf("post %d: %w", postID, ErrNotFound)
	}
	if !p.Local || p.ReblogOfID != 0 || !isListed(p.Visibility) {
		return nil, fmt.Errorf("post %d: %w", postID, ErrNotFound)
	}
	return withContext(f.noteOf(p)), nil
}

// withContext turns a value into a JSON object with @context first among
// its keys' meaning (key order does not matter to JSON readers).
func withContext(v any) map[string]any {
	b, _ := json.Marshal(v)
	var m map[string]any
	json.Unmarshal(b, &m)
	m["@context"] = contextTerms
	return m
}

// Outbox serves the outbox collection, or one page of it when page is
// true; maxID pages back from an activity row id.
func (f *Federation) Outbox(ctx context.Context, page bool, maxID int64) (map[string]any, error) {
	base := f.urls.Outbox()
	total, err := f.db.CountOutbox(ctx)
	if err != nil {
		return nil, err
	}
	if !page {
		return map[string]any{"@context": contextTerms, "id": base, "type": "OrderedCollection", "totalItems": total,
			"first": base + "?page=true", "last": base + "?min_id=0&page=true"}, nil
	}
	acts, err := f.db.OutboxActivities(ctx, maxID, pageSize)
	if err != nil {
		return nil, err
	}
	items := make([]json.RawMessage, 0, len(acts))
	for _, a := range acts {
		items = append(items, stripContext(a.Body))
	}
	id := base + "?page=true"
	if maxID != 0 {
		id = base + "?" + url.Values{"max_id": {strconv.FormatInt(maxID, 10)}, "page": {"true"}}.Encode()
	}
	doc := map[string]any{"@context": contextTerms, "id": id, "type": "OrderedCollectionPage", "partOf": base, "orderedItems": items}
	if len(acts) == pageSize {
		doc["next"] = base + "?" + url.Values{"max_id": {strconv.FormatInt(acts[len(acts)-1].ID, 10)}, "page": {"true"}}.Encode()
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
func (f *Federation) FollowCollection(ctx context.Context, which string, page int, hidden bool) (map[string]any, error) {
	base := f.urls.Followers()
	if which == "following" {
		base = f.urls.Following()
	}
	followers, following, err := f.db.CountFollows(ctx, f.localID)
	if err != nil {
		return nil, err
	}
	total := followers
	if which == "following" {
		total = following
	}
	if page < 1 || hidden {
		doc := map[string]any{"@context": contextTerms, "id": base, "type": "OrderedCollection", "totalItems": total}
		if !hidden {
			doc["first"] = base + "?page=1"
		}
		return doc, nil
	}
	var actors []store.Actor
	if which == "following" {
		actors, err = f.db.Following(ctx, f.localID, store.FollowAccepted, (page-1)*pageSize, pageSize)
	} else {
		actors, err = f.db.Followers(ctx, f.localID, store.FollowAccepted, (page-1)*pageSize, pageSize)
	}
	if err != nil {
		return nil, err
	}
	items := []string{}
	for _, a := range actors {
		items = append(items, a.URI)
	}
	doc := map[string]any{"@context": contextTerms, "id": base + "?page=" + strconv.Itoa(page), "type": "OrderedCollectionPage",
		"totalItems": total, "partOf": base, "orderedItems": items}
	if page*pageSize < total {
		doc["next"] = base + "?page=" + strconv.Itoa(page+1)
	}
	return doc, nil
}

// Featured serves the owner's pinned posts.
func (f *Federation) Featured(ctx context.Context) (map[string]any, error) {
	uris, err := f.db.Pins(ctx, f.localID)
	if err != nil {
		return nil, err
	}
	items := []any{}
	for _, uri := range uris {
		if id, ok := f.urls.LocalPostID(uri); ok {
			if p, err := f.db.PostByID(ctx, id); err == nil && isListed(p.Visibility) {
				items = append(items, f.noteOf(p))
			}
		}
	}
	return map[string]any{"@context": contextTerms, "id": f.urls.Featured(), "type": "OrderedCollection",
		"totalItems": len(items), "orderedItems": items}, nil
}

package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"kith/federation/ap"
	"kith/federation/httpsig"
	"kith/federation/transport"
	"kith/store"
)

// actorMaxAge is how long a stored remote actor is used before it is
// fetched again.
const actorMaxAge = 24 * time.Hour

// fetchGroup lets one fetch of a URL run at a time: callers asking for the
// same URL meanwhile wait for its result instead of fetching again.
type fetchGroup struct {
	mu sync.Mutex
	m  map[string]*fetchCall
}

type fetchCall struct {
	done chan struct{}
	body []byte
	err  error
}

func (g *fetchGroup) do(key string, fn func() ([]byte, error)) ([]byte, error) {
	g.mu.Lock()
	if c, ok := g.m[key]; ok {
		g.mu.Unlock()
		<-c.done
		return c.body, c.err
	}
	c := &fetchCall{done: make(chan struct{})}
	g.m[key] = c
	g.mu.Unlock()
	c.body, c.err = fn()
	close(c.done)
	g.mu.Lock()
	delete(g.m, key)
	g.mu.Unlock()
	return c.body, c.err
}

// fetchAP GETs an ActivityPub document, signed by the instance actor.
//
// Note: GoToSocial and Mastodon in secure mode refuse unsigned GETs; some
// servers verify the signature against the path without its query, so a
// refused GET with a query is retried without it.
func (f *Federation) fetchAP(ctx context.Context, rawURL string) ([]byte, error) {
	if f.blockedDomain(ctx, hostOf(rawURL)) {
		return nil, fmt.Errorf("fetch %s: %w: domain blocked", rawURL, ErrForbidden)
	}
	if err := transport.CheckNetwork(ctx); err != nil {
		return nil, fmt.Errorf("fetch %s: %w", rawURL, err) // not even to wait for another's fetch
	}
	return f.fetches.do(rawURL, func() ([]byte, error) {
		h := http.Header{"Accept": {ActivityJSON + ", " + LDJSON}}
		var body []byte
		var resp *http.Response
		get := func(u string) error {
			return f.knock(u, func(scheme httpsig.Scheme) (err error) {
				body, resp, err = f.client.GetBody(ctx, u, h, f.signAsInstance(scheme))
				return err
			})
		}
		err := get(rawURL)
		var se *transport.StatusError
		if errors.As(err, &se) && (se.Code == 401 || se.Code == 403) && strings.Contains(rawURL, "?") {
			err = get(strings.SplitN(rawURL, "?", 2)[0])
		}
		if err != nil {
			return nil, fmt.Errorf("fetch %s: %w", rawURL, err)
		}
		if !isAPContentType(resp.Header.Get("Content-Type")) {
			return nil, fmt.Errorf("fetch %s: %w: %w: content type %q", rawURL, ErrNotFound, errNotActivityPub, resp.Header.Get("Content-Type"))
		}
		return body, nil
	})
}

func isAPContentType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	// Note: a few servers (and Mastodon's own older actors) answer with
	// plain application/json.
	return err == nil && (mt == "application/activity+json" || mt == "application/ld+json" || mt == "application/json")
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}

// FetchActor returns a remote actor, from the store when fresh enough,
// otherwise fetched and stored.
func (f *Federation) FetchActor(ctx context.Context, uri string) (store.Actor, error) {
	return f.fetchActor(ctx, uri, false)
}

func (f *Federation) fetchActor(ctx context.Context, uri string, refresh bool) (store.Actor, error) {
	uri = strings.SplitN(uri, "#", 2)[0]
	if !refresh {
		a, err := f.db.ActorByURI(ctx, uri)
		if err == nil && (a.Local || f.now().Sub(a.FetchedAt) < actorMaxAge) {
			return a, nil
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.Actor{}, err
		}
	}
	if f.urls.IsLocal(uri) {
		return f.db.ActorByURI(ctx, uri)
	}
	body, err := f.fetchAP(ctx, uri)
	if err != nil {
		return store.Actor{}, err
	}
	return f.storeActorDocument(ctx, uri, body)
}

// storeActorDocument parses and stores a fetched actor. The document must
// come from the host of its own id: a server cannot vouch for another's
// accounts.
func (f *Federation) storeActorDocument(ctx context.Context, fetchedFrom string, body []byte) (store.Actor, error) {
	doc, err := ap.ParseActor(body)
	if err != nil {
		return store.Actor{}, fmt.Errorf("actor %s: %w: %v", fetchedFrom, ErrBadRequest, err)
	}
	if !ap.SameOrigin(doc.ID, fetchedFrom) {
		return store.Actor{}, fmt.Errorf("actor %s: %w: document id %s is on another host", fetchedFrom, ErrForbidden, doc.ID)
	}
	a := actorFromDocument(doc, f.now())
	if key := doc.Key(); key != nil && !ap.SameOrigin(string(key.ID), doc.ID) {
		// Note: a forged actor may name another server's key; keep the
		// actor but not a key we cannot tie to it.
		a.KeyID, a.PublicKeyPEM = "", ""
	}
	err = f.db.InTx(ctx, func(tx *store.Tx) error {
		a.ID, err = tx.UpsertActor(ctx, a)
		return err
	})
	if err == nil {
		f.known.add(a.URI)
		// A rotated key must stop verifying at once, not when the cache
		// entry ages out: the next signature looks the key up afresh.
		f.keys.drop(a.KeyID)
		f.proofKeys.putActor(doc, f.now())
	}
	return a, err
}

// lookupKey resolves a signature's keyId for httpsig.Verify: from the
// store when known, otherwise by fetching the key's document.
func (f *Federation) lookupKey(ctx context.Context, keyID string, refresh bool) (httpsig.Key, error) {
	if !refresh {
		if k, ok := f.keys.get(keyID, f.now()); ok {
			return k, nil
		}
	} else {
		f.keys.drop(keyID)
	}
	k, err := f.resolveKey(ctx, keyID, refresh)
	if err == nil {
		f.keys.put(keyID, k, f.now())
	}
	return k, err
}

// resolveKey finds a key from the store or by fetching its document.
func (f *Federation) resolveKey(ctx context.Context, keyID string, refresh bool) (httpsig.Key, error) {
	if user, host, ok := ParseAcct(keyID); ok && strings.HasPrefix(keyID, "acct:") {
		// Note: some old servers sign with an acct: keyId.
		a, err := f.ResolveHandle(ctx, user+"@"+host)
		if err != nil {
			return httpsig.Key{}, err
		}
		return keyOf(a)
	}
	if !refresh {
		if a, err := f.db.ActorByKeyID(ctx, keyID); err == nil && a.PublicKeyPEM != "" {
			return keyOf(a)
		}
	}
	docURL := strings.SplitN(keyID, "#", 2)[0]
	body, err := f.fetchAP(ctx, docURL)
	if err != nil {
		return httpsig.Key{}, err
	}
	// The key document is either the actor (with publicKey) or a stub key
	// document whose owner is the actor.
	// Note: GoToSocial answers https://host/users/a/main-key with a stub.
	var stub struct {
		Owner string `json:"owner"`
		PEM   string `json:"publicKeyPem"`
	}
	json.Unmarshal(body, &stub)
	if stub.Owner != "" && stub.PEM != "" {
		if !ap.SameOrigin(stub.Owner, keyID) {
			return httpsig.Key{}, fmt.Errorf("key %s is owned by %s on another host", keyID, stub.Owner)
		}
		a, err := f.fetchActor(ctx, stub.Owner, refresh)
		if err != nil {
			return httpsig.Key{}, err
		}
		return keyOf(a)
	}
	a, err := f.storeActorDocument(ctx, docURL, body)
	if err != nil {
		return httpsig.Key{}, err
	}
	if a.KeyID != keyID && strings.SplitN(a.KeyID, "#", 2)[0] != docURL {
		return httpsig.Key{}, fmt.Errorf("actor %s does not publish key %s", a.URI, keyID)
	}
	return keyOf(a)
}

func keyOf(a store.Actor) (httpsig.Key, error) {
	pub, err := parsePublicKey(a.PublicKeyPEM)
	if err != nil {
		return httpsig.Key{}, fmt.Errorf("key of %s: %w", a.URI, err)
	}
	return httpsig.Key{PublicKey: pub, Owner: a.URI}, nil
}

// ResolveHandle finds an actor by user@host through WebFinger.
func (f *Federation) ResolveHandle(ctx context.Context, handle string) (store.Actor, error) {
	user, host, ok := ParseAcct(handle)
	if !ok {
		return store.Actor{}, fmt.Errorf("%q is not a handle like @user@example.org: %w", handle, ErrNotFound)
	}
	if strings.EqualFold(host, f.urls.Host()) && strings.EqualFold(user, f.urls.Username()) {
		return f.db.LocalActor(ctx)
	}
	if a, err := f.db.ActorByHandle(ctx, user, host); err == nil && f.now().Sub(a.FetchedAt) < actorMaxAge {
		return a, nil
	}
	actorURL, err := f.webfinger(ctx, user, host)
	if err != nil {
		return store.Actor{}, err
	}
	a, err := f.fetchActor(ctx, actorURL, true)
	if err != nil {
		return store.Actor{}, lookupFailed(hostOf(actorURL), err)
	}
	return a, nil
}

// webfinger asks host for the actor URL of user@host.
func (f *Federation) webfinger(ctx context.Context, user, host string) (string, error) {
	jrd, err := f.fetchJRD(ctx, user, host)
	if err != nil {
		return "", err
	}
	for _, l := range jrd.Links {
		if l.Rel == "self" && (strings.HasPrefix(l.Type, "application/activity+json") || strings.HasPrefix(l.Type, "application/ld+json")) && l.Href != "" {
			return l.Href, nil
		}
	}
	return "", lookupFailed(host, fmt.Errorf("webfinger %s@%s: %w: no actor link", user, host, errNotActivityPub))
}

// fetchJRD asks host's WebFinger about user@host.
//
// Note: Mastodon and GoToSocial WebFinger over https only; plain http is
// tried only for hosts in the lab host map.
func (f *Federation) fetchJRD(ctx context.Context, user, host string) (JRD, error) {
	schemes := []string{"https"}
	if _, lab := f.opts.Hosts[strings.ToLower(hostOnly(host))]; lab {
		schemes = append(schemes, "http")
	}
	query := "/.well-known/webfinger?" + url.Values{"resource": {"acct:" + user + "@" + host}}.Encode()
	accept := http.Header{"Accept": {"application/jrd+json, application/json"}}
	var lastErr error
	for _, scheme := range schemes {
		body, _, err := f.client.GetBody(ctx, scheme+"://"+host+query, accept, nil)
		if err != nil {
			lastErr = err
			continue
		}
		var jrd JRD
		if err := json.Unmarshal(body, &jrd); err != nil {
			return JRD{}, lookupFailed(host, fmt.Errorf("webfinger %s@%s: %w", user, host, &jsonSyntaxError{err}))
		}
		return jrd, nil
	}
	err := lookupFailed(host, fmt.Errorf("webfinger %s@%s: %w", user, host, lastErr))
	var le *LookupError
	if len(schemes) == 1 && mayBeHTTPOnly(lastErr) && errors.As(err, &le) {
		// Only on failure, one request to tell the owner why: the usual
		// cause is a server set up without TLS.
		if _, _, err := f.client.GetBody(ctx, "http://"+host+query, accept, nil); err == nil || errors.As(err, new(*transport.StatusError)) {
			le.Reason = LookupHTTPOnly
		}
	}
	return JRD{}, err
}

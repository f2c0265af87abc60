package federation_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"kith/federation"
	"kith/federation/httpsig"
)

// fakePeer is a remote ActivityPub server in the test process. It answers
// for several host names (tests map each to its address), serves what a
// test puts there, and records every request kith makes to it.
type fakePeer struct {
	srv  *httptest.Server
	mu   sync.Mutex
	docs map[string]fakeDoc // "host/path" → document
	hits []string           // "METHOD host/path" of every request
}

type fakeDoc struct {
	contentType string
	body        []byte
}

func newFakePeer(t testing.TB) *fakePeer {
	t.Helper()
	p := &fakePeer{docs: map[string]fakeDoc{}}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serveHTTP))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *fakePeer) serveHTTP(w http.ResponseWriter, r *http.Request) {
	key := strings.ToLower(strings.Split(r.Host, ":")[0]) + r.URL.Path
	p.mu.Lock()
	p.hits = append(p.hits, r.Method+" "+key)
	doc, ok := p.docs[key]
	p.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", doc.contentType)
	w.Write(doc.body)
}

// addr is where the peer listens, for the hosts map.
func (p *fakePeer) addr() string { return p.srv.Listener.Addr().String() }

// put serves v (JSON, or raw bytes) at rawURL with a content type.
func (p *fakePeer) put(t testing.TB, rawURL, contentType string, v any) {
	t.Helper()
	body, ok := v.([]byte)
	if !ok {
		var err error
		if body, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	rest, ok := strings.CutPrefix(rawURL, "http://")
	if !ok {
		t.Fatalf("fake peer URL %q is not http://", rawURL)
	}
	p.mu.Lock()
	p.docs[rest] = fakeDoc{contentType: contentType, body: body}
	p.mu.Unlock()
}

// requests returns how many requests the peer has answered so far.
func (p *fakePeer) requests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.hits)
}

// requestLog lists the requests since the first n, for failure messages.
func (p *fakePeer) requestLog(n int) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.hits[n:]...)
}

// fakeKeys are RSA keys for fake actors, made once per test binary.
var fakeKeys = sync.OnceValue(func() []*rsa.PrivateKey {
	keys := make([]*rsa.PrivateKey, 3)
	for i := range keys {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		keys[i] = k
	}
	return keys
})

// fakeActor is an account on a fake peer, with the key it signs with.
type fakeActor struct {
	id    string
	keyID string
	key   *rsa.PrivateKey
}

// addActor serves an actor document at id whose key is key.
func (p *fakePeer) addActor(t testing.TB, id string, key *rsa.PrivateKey) fakeActor {
	t.Helper()
	a := fakeActor{id: id, keyID: id + "#main-key", key: key}
	p.put(t, id, federation.ActivityJSON, actorDoc(id, a.keyID, &key.PublicKey))
	return a
}

func actorDoc(id, keyID string, pub *rsa.PublicKey) map[string]any {
	return map[string]any{
		"@context":          []string{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
		"id":                id,
		"type":              "Person",
		"preferredUsername": id[strings.LastIndexByte(id, '/')+1:],
		"inbox":             id + "/inbox",
		"outbox":            id + "/outbox",
		"followers":         id + "/followers",
		"publicKey":         map[string]string{"id": keyID, "owner": id, "publicKeyPem": pemOf(pub)},
	}
}

func pemOf(pub *rsa.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// client is an HTTP client that reaches every host of the network on
// loopback and does not follow redirects.
func (n *network) client() *http.Client {
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		if host, _, err := net.SplitHostPort(addr); err == nil {
			if to, ok := n.hosts[strings.ToLower(host)]; ok {
				addr = to
			}
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	return &http.Client{
		Transport:     &http.Transport{DialContext: dial},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
}

// signedPost is one POST to an inbox, signed by keyID with key at when;
// edit, when set, changes the request after signing.
type signedPost struct {
	url   string
	body  []byte
	keyID string
	key   *rsa.PrivateKey
	when  time.Time
	edit  func(*http.Request)
}

// send delivers the POST and returns the status code.
func (sp signedPost) send(t testing.TB, n *network) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, sp.url, bytes.NewReader(sp.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", federation.ActivityJSON)
	when := sp.when
	if when.IsZero() {
		when = time.Now()
	}
	if err := httpsig.SignRequest(req, sp.body, sp.keyID, sp.key, when); err != nil {
		t.Fatal(err)
	}
	if sp.edit != nil {
		sp.edit(req)
	}
	resp, err := n.client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// deliver POSTs an activity from a to url, signed properly, and returns
// the status code.
func (a fakeActor) deliver(t *testing.T, n *network, url string, activity any) int {
	t.Helper()
	return signedPost{url: url, body: mustJSON(t, activity), keyID: a.keyID, key: a.key}.send(t, n)
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mentionOf is a Create of a public Note by actor that mentions k's owner.
func mentionOf(actor string, k *kith, id, text string) map[string]any {
	owner := k.fed.URLs().Actor()
	return map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       id + "/activity",
		"type":     "Create",
		"actor":    actor,
		"to":       []string{"https://www.w3.org/ns/activitystreams#Public"},
		"cc":       []string{owner},
		"object": map[string]any{
			"id":           id,
			"type":         "Note",
			"attributedTo": actor,
			"content":      "<p>" + text + "</p>",
			"to":           []string{"https://www.w3.org/ns/activitystreams#Public"},
			"cc":           []string{owner},
			"published":    "2026-01-02T03:04:05Z",
			"tag":          []map[string]string{{"type": "Mention", "href": owner, "name": "@" + k.name}},
		},
	}
}

// inboxJobs counts the received activities waiting in k's queue.
func inboxJobs(t *testing.T, k *kith) int {
	t.Helper()
	counts, err := k.db.JobCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, n := range counts["inbox"] {
		total += n
	}
	return total
}

// newPeerNetwork starts a fake peer answering for remote.test and
// other.test and one kith instance, alice, that maps both names to it.
// edit, when set, changes alice's federation options.
func newPeerNetwork(t testing.TB, edit func(*federation.Options)) (*network, *kith, *fakePeer) {
	t.Helper()
	peer := newFakePeer(t)
	hosts := map[string]string{"remote.test": peer.addr(), "other.test": peer.addr(), "sub.remote.test": peer.addr()}
	if edit == nil {
		n := newNetworkWithHosts(t, hosts, "alice")
		return n, n.nodes[0], peer
	}
	n := &network{t: t, hosts: hosts}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n.hosts["alice.test"] = ln.Addr().String()
	n.nodes = append(n.nodes, n.start("alice", ln, edit))
	return n, n.nodes[0], peer
}

// inboxURLs are the two inboxes peers deliver to.
func inboxURLs(k *kith) []string {
	return []string{k.fed.URLs().SharedInbox(), k.fed.URLs().Inbox()}
}

// TestInboxRefusesUnverifiableSignatures: every request kith cannot tie to
// the activity's actor gets 401 (so peers that double-knock fall back),
// and nothing reaches the queue.
func TestInboxRefusesUnverifiableSignatures(t *testing.T) {
	n, alice, peer := newPeerNetwork(t, nil)
	keys := fakeKeys()
	mallory := peer.addActor(t, "http://remote.test/users/mallory", keys[0])
	eve := peer.addActor(t, "http://remote.test/users/eve", keys[1])
	trudy := peer.addActor(t, "http://other.test/users/trudy", keys[2])

	// forger's document names a key id on another host.
	forger := fakeActor{id: "http://remote.test/users/forger", keyID: "http://remote.test/users/forger#main-key", key: keys[0]}
	peer.put(t, forger.id, federation.ActivityJSON, actorDoc(forger.id, "http://other.test/users/trudy#main-key", &keys[0].PublicKey))
	// A stub key document on remote.test claiming an owner on other.test.
	peer.put(t, "http://remote.test/keys/stub", federation.ActivityJSON, map[string]string{
		"id": "http://remote.test/keys/stub", "owner": trudy.id, "publicKeyPem": pemOf(&keys[2].PublicKey)})
	// liar's document claims to be trudy.
	peer.put(t, "http://remote.test/users/liar", federation.ActivityJSON, actorDoc(trudy.id, trudy.keyID, &keys[0].PublicKey))

	create := func(actor string) []byte {
		return mustJSON(t, mentionOf(actor, alice, actor+"/notes/1", "hello"))
	}
	rfc9421 := func(r *http.Request) {
		r.Header.Set("Signature-Input", `sig1=("@method" "@target-uri" "content-digest");created=`+fmt.Sprint(time.Now().Unix())+`;keyid="`+mallory.keyID+`"`)
		r.Header.Set("Signature", "sig1=:AAAA:")
	}
	tests := []struct {
		name  string
		post  signedPost
		extra func(*http.Request)
	}{
		{"unsigned", signedPost{body: create(mallory.id), keyID: mallory.keyID, key: mallory.key,
			edit: func(r *http.Request) { r.Header.Del("Signature") }}, nil},
		{"RFC 9421 signature that does not verify", signedPost{body: create(mallory.id), keyID: mallory.keyID, key: mallory.key,
			edit: func(r *http.Request) { r.Header.Del("Signature"); r.Header.Del("Digest"); rfc9421(r) }}, nil},
		{"body changed after signing", signedPost{body: create(mallory.id), keyID: mallory.keyID, key: mallory.key,
			edit: func(r *http.Request) {
				b := create(eve.id)
				r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
			}}, nil},
		{"date two hours old", signedPost{body: create(mallory.id), keyID: mallory.keyID, key: mallory.key,
			when: time.Now().Add(-2 * time.Hour)}, nil},
		{"date two hours ahead", signedPost{body: create(mallory.id), keyID: mallory.keyID, key: mallory.key,
			when: time.Now().Add(2 * time.Hour)}, nil},
		{"signed with another actor's key", signedPost{body: create(mallory.id), keyID: mallory.keyID, key: eve.key}, nil},
		{"signed by an actor of another host", signedPost{body: create(mallory.id), keyID: trudy.keyID, key: trudy.key}, nil},
		{"actor names a key on another host", signedPost{body: create(forger.id), keyID: forger.keyID, key: forger.key}, nil},
		{"stub key owned by another host", signedPost{body: create(trudy.id), keyID: "http://remote.test/keys/stub", key: trudy.key}, nil},
		{"key document claims another host's actor", signedPost{body: create(trudy.id), keyID: "http://remote.test/users/liar#main-key", key: keys[0]}, nil},
		{"activity claims the local owner", signedPost{body: create(alice.fed.URLs().Actor()), keyID: mallory.keyID, key: mallory.key}, nil},
	}
	for _, tt := range tests {
		for _, inbox := range inboxURLs(alice) {
			t.Run(tt.name+" at "+strings.TrimPrefix(inbox, alice.fed.URLs().Base()), func(t *testing.T) {
				tt.post.url = inbox
				if got, want := tt.post.send(t, n), http.StatusUnauthorized; got != want {
					t.Errorf("status %d, want %d", got, want)
				}
			})
		}
	}
	if got := inboxJobs(t, alice); got != 0 {
		t.Errorf("%d activities queued, want none", got)
	}
	n.settle()
	for _, id := range []string{mallory.id, eve.id, trudy.id, forger.id, alice.fed.URLs().Actor()} {
		if _, ok := postOn(alice, id+"/notes/1"); ok {
			t.Errorf("post %s/notes/1 stored", id)
		}
	}
	// The forged documents left no key that could verify anyone.
	for _, keyID := range []string{"http://other.test/users/trudy#main-key", "http://remote.test/users/liar#main-key"} {
		a, err := alice.db.ActorByKeyID(context.Background(), keyID)
		if err == nil && a.URI != trudy.id {
			t.Errorf("key %s stored for %s", keyID, a.URI)
		}
	}
}

// TestInboxAcceptsSignedCreate: a signed Create mentioning the owner is
// accepted at either inbox and stored by the time the 202 is sent (its
// author is known once the signature is checked, so it needs no queue);
// first contact with a new actor costs at most two GETs to its server.
func TestInboxAcceptsSignedCreate(t *testing.T) {
	n, alice, peer := newPeerNetwork(t, nil)
	keys := fakeKeys()
	mallory := peer.addActor(t, "http://remote.test/users/mallory", keys[0])

	// Note: GoToSocial's keyId is a stub document at .../main-key whose
	// owner is the actor; that costs one GET more.
	gts := fakeActor{id: "http://remote.test/users/gts", keyID: "http://remote.test/users/gts/main-key", key: keys[1]}
	peer.put(t, gts.id, federation.ActivityJSON, actorDoc(gts.id, gts.keyID, &keys[1].PublicKey))
	peer.put(t, gts.keyID, federation.ActivityJSON, map[string]string{"id": gts.keyID, "owner": gts.id, "publicKeyPem": pemOf(&keys[1].PublicKey)})

	tests := []struct {
		name  string
		actor fakeActor
		inbox string
	}{
		{"key in the actor, shared inbox", mallory, alice.fed.URLs().SharedInbox()},
		{"stub key document, owner's inbox", gts, alice.fed.URLs().Inbox()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := peer.requests()
			note := tt.actor.id + "/notes/hello"
			if got, want := tt.actor.deliver(t, n, tt.inbox, mentionOf(tt.actor.id, alice, note, "hello alice")), http.StatusAccepted; got != want {
				t.Fatalf("status %d, want %d", got, want)
			}
			if got := inboxJobs(t, alice); got != 0 {
				t.Errorf("%d activities queued, want none: the Create needs nothing but the database", got)
			}
			p, ok := postOn(alice, note)
			if !ok {
				t.Fatalf("post not stored when the request was answered")
			}
			if !strings.Contains(p.Content, "hello alice") {
				t.Errorf("content %q, want it to contain %q", p.Content, "hello alice")
			}
			if got := peer.requests() - before; got > 2 {
				t.Errorf("first contact cost %d requests, want at most 2: %v", got, peer.requestLog(before))
			}
		})
	}
}

// TestInboxDeleteFromStranger: Mastodon sends a Delete for every removed
// account to every server it knows. For an actor kith never stored that
// is 202 and forgotten, before any fetch.
func TestInboxDeleteFromStranger(t *testing.T) {
	n, alice, peer := newPeerNetwork(t, nil)
	gone := "http://remote.test/users/gone"
	del := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": gone + "#delete", "type": "Delete",
		"actor": gone, "object": gone, "to": []string{"https://www.w3.org/ns/activitystreams#Public"}}
	for _, inbox := range inboxURLs(alice) {
		got := signedPost{url: inbox, body: mustJSON(t, del), keyID: gone + "#main-key", key: fakeKeys()[0]}.send(t, n)
		if got != http.StatusAccepted {
			t.Errorf("%s: status %d, want 202", inbox, got)
		}
	}
	if got := peer.requests(); got != 0 {
		t.Errorf("%d requests to the actor's server, want none: %v", got, peer.requestLog(0))
	}
	if got := inboxJobs(t, alice); got != 0 {
		t.Errorf("%d activities queued, want none", got)
	}
	if _, err := alice.db.ActorByURI(context.Background(), gone); err == nil {
		t.Errorf("the deleted stranger was stored")
	}

	// The shortcut is for strangers only: a Delete from a known actor is
	// verified like anything else.
	keys := fakeKeys()
	mallory := peer.addActor(t, "http://remote.test/users/mallory", keys[0])
	note := mallory.id + "/notes/1"
	if got := mallory.deliver(t, n, alice.fed.URLs().SharedInbox(), mentionOf(mallory.id, alice, note, "keep me")); got != http.StatusAccepted {
		t.Fatalf("create: status %d, want 202", got)
	}
	n.settle()
	forged := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": mallory.id + "#delete-1", "type": "Delete",
		"actor": mallory.id, "object": note}
	got := signedPost{url: alice.fed.URLs().SharedInbox(), body: mustJSON(t, forged), keyID: mallory.keyID, key: keys[1]}.send(t, n)
	if got != http.StatusUnauthorized {
		t.Errorf("forged Delete from a known actor: status %d, want 401", got)
	}
	n.settle()
	if _, ok := postOn(alice, note); !ok {
		t.Errorf("a forged Delete removed the post")
	}
}

// TestInboxBlockedDomains: activities from a blocked domain (by the config
// or by the owner, subdomains included) get 202 and are forgotten: no
// fetch, nothing queued, nothing stored.
func TestInboxBlockedDomains(t *testing.T) {
	n, alice, peer := newPeerNetwork(t, func(o *federation.Options) { o.BlockedDomains = []string{"remote.test"} })
	if err := alice.fed.BlockDomain(context.Background(), "other.test"); err != nil {
		t.Fatal(err)
	}
	keys := fakeKeys()
	tests := []struct {
		name  string
		actor fakeActor
	}{
		{"blocked in the config", peer.addActor(t, "http://remote.test/users/mallory", keys[0])},
		{"subdomain of a blocked domain", peer.addActor(t, "http://sub.remote.test/users/mallory", keys[1])},
		{"blocked by the owner", peer.addActor(t, "http://other.test/users/trudy", keys[2])},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := peer.requests()
			note := tt.actor.id + "/notes/1"
			if got := tt.actor.deliver(t, n, alice.fed.URLs().SharedInbox(), mentionOf(tt.actor.id, alice, note, "hi")); got != http.StatusAccepted {
				t.Errorf("status %d, want 202", got)
			}
			if got := inboxJobs(t, alice); got != 0 {
				t.Errorf("%d activities queued, want none", got)
			}
			n.settle()
			if _, ok := postOn(alice, note); ok {
				t.Errorf("post from a blocked domain stored")
			}
			if got := peer.requests() - before; got != 0 {
				t.Errorf("%d requests to a blocked domain, want none: %v", got, peer.requestLog(before))
			}
		})
	}
}

// TestInboxDuplicateDelivery: the same activity delivered several times (a
// peer's retry, or to both inboxes) is applied once. Each delivery is
// signed afresh, with its own Date, as real peers sign every attempt; the
// same signature twice is a replay (TestInboxReplay).
func TestInboxDuplicateDelivery(t *testing.T) {
	n, alice, peer := newPeerNetwork(t, nil)
	mallory := peer.addActor(t, "http://remote.test/users/mallory", fakeKeys()[0])
	note := mallory.id + "/notes/dup"
	act := mentionOf(mallory.id, alice, note, "once")
	start := time.Now()
	for i, inbox := range append(inboxURLs(alice), alice.fed.URLs().SharedInbox()) {
		sp := signedPost{url: inbox, body: mustJSON(t, act), keyID: mallory.keyID, key: mallory.key, when: start.Add(time.Duration(i) * time.Second)}
		if got := sp.send(t, n); got != http.StatusAccepted {
			t.Fatalf("delivery %d: status %d, want 202", i+1, got)
		}
	}
	if got := inboxJobs(t, alice); got != 0 {
		t.Errorf("%d activities queued, want none (applied as received)", got)
	}
	n.settle()
	// Delivered again after it was applied: still one post, one mention.
	late := signedPost{url: alice.fed.URLs().Inbox(), body: mustJSON(t, act), keyID: mallory.keyID, key: mallory.key, when: start.Add(5 * time.Second)}
	if got := late.send(t, n); got != http.StatusAccepted {
		t.Fatalf("late redelivery: status %d, want 202", got)
	}
	n.settle()
	if _, ok := postOn(alice, note); !ok {
		t.Fatalf("post not stored")
	}
	notes, err := alice.db.Notifications(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(notes), 1; got != want {
		t.Errorf("%d notifications, want %d: %+v", got, want, notes)
	}
}

// TestInboxMalformed: requests refused before any signature work, with
// the status that says why.
func TestInboxMalformed(t *testing.T) {
	n, alice, peer := newPeerNetwork(t, nil)
	mallory := "http://remote.test/users/mallory"
	big := append([]byte(`{"type":"Create","actor":"`+mallory+`","content":"`), bytes.Repeat([]byte("a"), 1<<20)...)
	big = append(big, `"}`...)
	tests := []struct {
		name        string
		contentType string
		body        []byte
		chunked     bool
		want        int
	}{
		{"body over 1 MiB", federation.ActivityJSON, big, false, http.StatusRequestEntityTooLarge},
		{"body over 1 MiB, chunked", federation.ActivityJSON, big, true, http.StatusRequestEntityTooLarge},
		{"text/plain", "text/plain", []byte(`{"type":"Follow","actor":"` + mallory + `"}`), false, http.StatusUnsupportedMediaType},
		{"no content type", "", []byte(`{"type":"Follow","actor":"` + mallory + `"}`), false, http.StatusUnsupportedMediaType},
		{"garbage", federation.ActivityJSON, []byte(`{"type": "Create", "actor": `), false, http.StatusBadRequest},
		{"not an object", federation.LDJSON, []byte(`["Create"]`), false, http.StatusBadRequest},
		{"no actor", federation.ActivityJSON, []byte(`{"id":"http://remote.test/1","type":"Follow","object":"x"}`), false, http.StatusBadRequest},
		{"unsigned, otherwise fine", "application/json", []byte(`{"id":"http://remote.test/1","type":"Follow","actor":"` + mallory + `","object":"x"}`), false, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		for _, inbox := range inboxURLs(alice) {
			t.Run(tt.name+" at "+strings.TrimPrefix(inbox, alice.fed.URLs().Base()), func(t *testing.T) {
				var body io.Reader = bytes.NewReader(tt.body)
				if tt.chunked {
					body = io.MultiReader(body) // hides the length: sent chunked
				}
				req, err := http.NewRequest(http.MethodPost, inbox, body)
				if err != nil {
					t.Fatal(err)
				}
				if tt.contentType != "" {
					req.Header.Set("Content-Type", tt.contentType)
				}
				resp, err := n.client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if got := resp.StatusCode; got != tt.want {
					t.Errorf("status %d, want %d", got, tt.want)
				}
			})
		}
	}
	if got := peer.requests(); got != 0 {
		t.Errorf("%d requests to the peer, want none: %v", got, peer.requestLog(0))
	}
}

// TestInboxKeyRotation: after an actor changes its key, the first request
// signed with the new key makes kith refetch the actor once and accept;
// the old key then no longer verifies.
func TestInboxKeyRotation(t *testing.T) {
	n, alice, peer := newPeerNetwork(t, nil)
	keys := fakeKeys()
	mallory := peer.addActor(t, "http://remote.test/users/mallory", keys[0])
	inbox := alice.fed.URLs().SharedInbox()
	if got := mallory.deliver(t, n, inbox, mentionOf(mallory.id, alice, mallory.id+"/notes/1", "old key")); got != http.StatusAccepted {
		t.Fatalf("before rotation: status %d, want 202", got)
	}

	rotated := peer.addActor(t, mallory.id, keys[1])
	before := peer.requests()
	if got := rotated.deliver(t, n, inbox, mentionOf(mallory.id, alice, mallory.id+"/notes/2", "new key")); got != http.StatusAccepted {
		t.Fatalf("with the new key: status %d, want 202", got)
	}
	if got, want := peer.requests()-before, 1; got != want {
		t.Errorf("rotation cost %d requests, want %d: %v", got, want, peer.requestLog(before))
	}
	before = peer.requests()
	if got := rotated.deliver(t, n, inbox, mentionOf(mallory.id, alice, mallory.id+"/notes/3", "new key again")); got != http.StatusAccepted {
		t.Fatalf("with the new key again: status %d, want 202", got)
	}
	if got := peer.requests() - before; got != 0 {
		t.Errorf("the new key was not cached: %d more requests: %v", got, peer.requestLog(before))
	}
	if got := mallory.deliver(t, n, inbox, mentionOf(mallory.id, alice, mallory.id+"/notes/4", "old key")); got != http.StatusUnauthorized {
		t.Errorf("with the old key after rotation: status %d, want 401", got)
	}
	n.settle()
	for i, want := range []bool{true, true, true, false} {
		uri := fmt.Sprintf("%s/notes/%d", mallory.id, i+1)
		if _, got := postOn(alice, uri); got != want {
			t.Errorf("%s stored = %v, want %v", uri, got, want)
		}
	}
}

// TestInboxObjectFetchChecksContentType: a Create that only names its
// object makes kith fetch it; an answer that is not ActivityPub JSON is
// refused, however much it looks like a Note.
func TestInboxObjectFetchChecksContentType(t *testing.T) {
	n, alice, peer := newPeerNetwork(t, nil)
	mallory := peer.addActor(t, "http://remote.test/users/mallory", fakeKeys()[0])
	tests := []struct {
		contentType string
		stored      bool
	}{
		{"text/html; charset=utf-8", false},
		{"text/plain", false},
		{federation.ActivityJSON, true},
		{federation.LDJSON, true},
	}
	for i, tt := range tests {
		t.Run(tt.contentType, func(t *testing.T) {
			act := mentionOf(mallory.id, alice, fmt.Sprintf("%s/notes/%d", mallory.id, i), "by reference")
			note := act["object"].(map[string]any)
			peer.put(t, note["id"].(string), tt.contentType, note)
			act["object"] = note["id"]
			before := peer.requests()
			if got := mallory.deliver(t, n, alice.fed.URLs().SharedInbox(), act); got != http.StatusAccepted {
				t.Fatalf("status %d, want 202", got)
			}
			n.settle()
			if _, got := postOn(alice, note["id"].(string)); got != tt.stored {
				t.Errorf("stored = %v, want %v (requests %v)", got, tt.stored, peer.requestLog(before))
			}
		})
	}
}

// The inbox measures this server's clock against the Date of signed
// deliveries, for kith doctor: a sender three minutes behind reads as
// this clock three minutes ahead.
func TestInboxRecordsClockSkew(t *testing.T) {
	n, alice, peer := newPeerNetwork(t, nil)
	m := peer.addActor(t, "http://remote.test/users/mallory", fakeKeys()[0])
	note := m.id + "/notes/skew"
	sp := signedPost{url: alice.fed.URLs().SharedInbox(), body: mustJSON(t, mentionOf(m.id, alice, note, "hi")),
		keyID: m.keyID, key: m.key, when: time.Now().Add(-3 * time.Minute)}
	if got := sp.send(t, n); got != http.StatusAccepted {
		t.Fatalf("delivery: status %d, want 202", got)
	}
	v, err := alice.db.Setting(context.Background(), federation.SettingClockSkew)
	if err != nil {
		t.Fatalf("no clock measurement stored: %v", err)
	}
	got, err := federation.ParseClockSkew(v)
	if err != nil {
		t.Fatal(err)
	}
	if got.Hosts != 1 || got.Skew < 2*time.Minute || got.Skew > 4*time.Minute {
		t.Errorf("measured %+v, want one host about 3m ahead", got)
	}
}

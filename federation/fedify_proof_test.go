package federation_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"kith/federation"
	"kith/tests/fedify"
)

// countingProxy stands between kith and a peer and records the path of
// every request kith sends it.
type countingProxy struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen []string
}

func newCountingProxy(t *testing.T, addr string) *countingProxy {
	t.Helper()
	c := &countingProxy{}
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: addr})
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.seen = append(c.seen, r.Method+" "+r.URL.Path)
		c.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *countingProxy) addr() string { return c.srv.Listener.Addr().String() }

func (c *countingProxy) requests() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.seen...)
}

// TestFedifyForwardedProof: a Create that Fedify signed with its
// integrity proof (eddsa-jcs-2022), a reply to alice forwarded to her by
// another server,
// is accepted as Fedify's actor's without alice fetching the note; the
// same Create with its content changed is refused.
func TestFedifyForwardedProof(t *testing.T) {
	peer := fedify.Start(t, fedify.Options{})
	proxy := newCountingProxy(t, peer.Addr())
	relayPeer := newFakePeer(t)
	n := newNetworkWithHosts(t, map[string]string{"peer.test": proxy.addr(), "relay.test": relayPeer.addr()}, "alice", "bob")
	alice, bob := n.nodes[0], n.nodes[1]

	// The peer replies to alice's post but writes only to bob; its
	// delivery, as sent, is what a server that forwards replies passes on.
	post, err := alice.fed.Post(context.Background(), federation.NewPost{Text: "a post to reply to"})
	if err != nil {
		t.Fatal(err)
	}
	noteID := peer.Note(t, fedify.Note{Content: "<p>hello bob, pass it on</p>", To: []string{bob.fed.URLs().Actor()}, InReplyTo: post.URI})
	var body string
	for _, r := range peer.Requests(t) {
		if r.Method == http.MethodPost && strings.Contains(r.URL, bob.fed.URLs().Host()) && strings.Contains(r.Body, noteID) {
			body = r.Body
		}
	}
	if !strings.Contains(body, `"proof"`) || !strings.Contains(body, "eddsa-jcs-2022") {
		t.Fatalf("the peer's delivery carries no eddsa-jcs-2022 proof: %s", body)
	}
	relay := relayPeer.addActor(t, "http://relay.test/users/relay", fakeKeys()[2])
	forward := func(b string) int {
		return signedPost{url: alice.fed.URLs().SharedInbox(), body: []byte(b), keyID: relay.keyID, key: relay.key}.send(t, n)
	}

	tampered := strings.Replace(body, "pass it on", "forged words", 1)
	if tampered == body {
		t.Fatal("nothing to tamper with")
	}
	if got, want := forward(tampered), http.StatusUnauthorized; got != want {
		t.Errorf("tampered copy: status %d, want %d", got, want)
	}
	if got, want := forward(body), http.StatusAccepted; got != want {
		t.Fatalf("forwarded copy: status %d, want %d", got, want)
	}
	n.settleUntil("the forwarded note", func() bool { _, ok := postOn(alice, noteID); return ok })
	p, _ := postOn(alice, noteID)
	if !strings.Contains(p.Content, "pass it on") {
		t.Errorf("stored content %q", p.Content)
	}
	notePath := strings.TrimPrefix(noteID, peer.URL())
	for _, r := range proxy.requests() {
		if strings.HasSuffix(r, notePath) {
			t.Errorf("alice fetched the proofed note again: %v", proxy.requests())
		}
	}
	if len(proxy.requests()) == 0 {
		t.Error("alice never fetched the peer's actor for its key: is the proxy in the path?")
	}
}

// TestFedifyVerifiesKithProofs: Fedify's own verifier accepts the
// integrity proof on the owner's public Create, fetching kith's actor for
// its Multikey, and refuses the same Create with its content changed.
func TestFedifyVerifiesKithProofs(t *testing.T) {
	peer := fedify.Start(t, fedify.Options{})
	n := newNetworkWithHosts(t, map[string]string{"peer.test": peer.Addr()}, "alice")
	alice := n.nodes[0]
	ctx := context.Background()
	post, err := alice.fed.Post(ctx, federation.NewPost{Text: "proved by kith"})
	if err != nil {
		t.Fatal(err)
	}
	act, err := alice.db.ActivityByURI(ctx, alice.fed.URLs().CreateActivity(post.ID))
	if err != nil {
		t.Fatal(err)
	}
	if !peer.VerifyProof(t, act.Body) {
		t.Fatalf("Fedify does not verify kith's proof on %s", act.Body)
	}
	tampered := strings.Replace(string(act.Body), "proved by kith", "forged words", 1)
	if tampered == string(act.Body) {
		t.Fatal("nothing to tamper with")
	}
	if peer.VerifyProof(t, []byte(tampered)) {
		t.Error("Fedify verifies a tampered copy")
	}
}

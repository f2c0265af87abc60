package federation_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"kith/federation"
)

// knockLog records what a peer that accepts only RFC 9421 signatures saw.
type knockLog struct {
	mu      sync.Mutex
	refused int // draft-cavage requests answered 401
	rfc9421 int // RFC 9421 requests passed on
}

// onlyRFC9421 answers 401 to every request signed with draft-cavage, as a
// server that has moved on to RFC 9421 does, and passes the rest on to the
// instance, which verifies them.
func (l *knockLog) onlyRFC9421(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Header.Get("Signature-Input") != "":
			l.mu.Lock()
			l.rfc9421++
			l.mu.Unlock()
		case r.Header.Get("Signature") != "":
			l.mu.Lock()
			l.refused++
			l.mu.Unlock()
			http.Error(w, "draft-cavage signatures are not accepted", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (l *knockLog) counts() (refused, rfc9421 int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.refused, l.rfc9421
}

// TestSignatureSchemeKnock: a server that refuses draft-cavage gets the
// request again signed with RFC 9421, once: kith remembers the scheme for
// the host, and every later fetch and delivery goes out in RFC 9421 and
// verifies there.
func TestSignatureSchemeKnock(t *testing.T) {
	var log knockLog
	n := &network{t: t, hosts: map[string]string{}, wrap: func(name string, h http.Handler) http.Handler {
		if name == "bob" {
			return log.onlyRFC9421(h)
		}
		return h
	}}
	n.startAll("alice", "bob")
	alice, bob := n.nodes[0], n.nodes[1]
	ctx := context.Background()

	// bob follows alice: alice fetches bob's actor and delivers the
	// Accept, both to bob's server.
	n.follow(bob, alice)
	if got := followState(t, bob, bob, alice); got != "accepted" {
		t.Fatalf("bob → alice is %q on bob", got)
	}
	for _, text := range []string{"first", "second", "third"} {
		post, err := alice.fed.Post(ctx, federation.NewPost{Text: text})
		if err != nil {
			t.Fatal(err)
		}
		n.settleUntil("bob to get "+text, func() bool { _, ok := postOn(bob, post.URI); return ok })
	}
	refused, signed := log.counts()
	t.Logf("bob refused %d draft-cavage requests and passed %d RFC 9421 ones", refused, signed)
	if refused != 1 {
		t.Errorf("bob refused %d draft-cavage requests, want exactly the first", refused)
	}
	if signed < 5 {
		t.Errorf("bob got %d RFC 9421 requests, want the actor fetch, the Accept and three posts at least", signed)
	}
}

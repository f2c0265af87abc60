// Package bench drives kith under load for cmd/kith-bench and the crash
// test: fake remote actors served on loopback, activities signed ahead of
// a timed run, a client that fires them over a bounded number of
// keep-alive connections, inbox sinks that count what kith delivers, and a
// kith child process whose memory, CPU and database can be read.
//
// Everything listens on and connects to 127.0.0.1 only.
package bench

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"kith/federation/httpsig"
)

// PeerOptions configure a Peer.
type PeerOptions struct {
	// Keys is how many RSA-2048 keys to make; actors share them round
	// robin (each actor still has its own key id). Default 4.
	Keys int
	// VerifyEvery verifies the signature of every Nth POST with Lookup
	// (0: none). Verification proves deliveries are really signed without
	// spending the sink's CPU on all of them.
	VerifyEvery int
	// Lookup resolves the keyId of a POST for verification.
	Lookup httpsig.KeyLookup
}

// Peer is a loopback HTTP server that plays any number of remote servers
// (told apart by the Host header): it serves actor documents at
// /users/uN and counts every POST to /inbox or /users/uN/inbox.
type Peer struct {
	Addr string // 127.0.0.1:port, for [federation.hosts]

	opts PeerOptions
	keys []*rsa.PrivateKey
	pems []string
	srv  *http.Server

	gets     atomic.Int64
	posts    atomic.Int64
	verified atomic.Int64
	badSigs  atomic.Int64

	mu       sync.Mutex
	getsBy   map[string]int // actor path → GETs
	postsBy  map[string]int // Host → POSTs
	received map[string]int // activity id → POSTs carrying it
	accepted int64          // POSTs answered 202
	waiters  []waiter
}

type waiter struct {
	n    int64
	done chan struct{}
}

// NewPeer makes the keys and starts serving on a free loopback port.
func NewPeer(opts PeerOptions) (*Peer, error) {
	if opts.Keys <= 0 {
		opts.Keys = 4
	}
	p := &Peer{opts: opts, getsBy: map[string]int{}, postsBy: map[string]int{}, received: map[string]int{}}
	for range opts.Keys {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
		if err != nil {
			return nil, err
		}
		p.keys = append(p.keys, key)
		p.pems = append(p.pems, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p.Addr = ln.Addr().String()
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go p.srv.Serve(ln)
	return p, nil
}

// Close stops the server.
func (p *Peer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return p.srv.Shutdown(ctx)
}

// ActorURI is the id of actor i on host.
func ActorURI(host string, i int) string { return fmt.Sprintf("http://%s/users/u%d", host, i) }

// KeyID is the key id of actor i on host.
func KeyID(host string, i int) string { return ActorURI(host, i) + "#main-key" }

func (p *Peer) key(i int) *rsa.PrivateKey { return p.keys[i%len(p.keys)] }

// ServeHTTP answers actor GETs and inbox POSTs.
func (p *Peer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/users/"):
		p.serveActor(w, r)
	case r.Method == http.MethodPost && (r.URL.Path == "/inbox" || strings.HasSuffix(r.URL.Path, "/inbox")):
		p.serveInbox(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (p *Peer) serveActor(w http.ResponseWriter, r *http.Request) {
	p.gets.Add(1)
	name := strings.TrimPrefix(r.URL.Path, "/users/")
	p.mu.Lock()
	p.getsBy[r.Host+r.URL.Path]++
	p.mu.Unlock()
	i, err := strconv.Atoi(strings.TrimPrefix(name, "u"))
	if err != nil || !strings.HasPrefix(name, "u") || i < 0 {
		http.NotFound(w, r)
		return
	}
	id := ActorURI(r.Host, i)
	doc := map[string]any{
		"@context":          []string{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
		"id":                id,
		"type":              "Person",
		"preferredUsername": name,
		"name":              "Bench " + name,
		"inbox":             id + "/inbox",
		"outbox":            id + "/outbox",
		"followers":         id + "/followers",
		"following":         id + "/following",
		"endpoints":         map[string]string{"sharedInbox": "http://" + r.Host + "/inbox"},
		"publicKey":         map[string]string{"id": id + "#main-key", "owner": id, "publicKeyPem": p.pems[i%len(p.pems)]},
	}
	w.Header().Set("Content-Type", "application/activity+json")
	json.NewEncoder(w).Encode(doc)
}

func (p *Peer) serveInbox(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	n := p.posts.Add(1)
	if p.opts.VerifyEvery > 0 && p.opts.Lookup != nil && n%int64(p.opts.VerifyEvery) == 1%int64(p.opts.VerifyEvery) {
		if _, err := httpsig.Verify(r, body, p.opts.Lookup, time.Now()); err != nil {
			p.badSigs.Add(1)
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		p.verified.Add(1)
	}
	var act struct {
		ID string `json:"id"`
	}
	json.Unmarshal(body, &act)
	p.mu.Lock()
	p.postsBy[r.Host]++
	if act.ID != "" {
		p.received[act.ID]++
	}
	p.accepted++
	kept := p.waiters[:0]
	for _, wt := range p.waiters {
		if p.accepted >= wt.n {
			close(wt.done)
		} else {
			kept = append(kept, wt)
		}
	}
	p.waiters = kept
	p.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

// WaitPosts waits until n POSTs have been accepted since the last Reset,
// or ctx ends.
func (p *Peer) WaitPosts(ctx context.Context, n int64) error {
	p.mu.Lock()
	if p.accepted >= n {
		p.mu.Unlock()
		return nil
	}
	done := make(chan struct{})
	p.waiters = append(p.waiters, waiter{n, done})
	p.mu.Unlock()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%d of %d POSTs: %w", p.Stats().Accepted, n, ctx.Err())
	}
}

// PeerStats is what a Peer has seen so far.
type PeerStats struct {
	Gets, Posts       int64
	Accepted          int64 // POSTs answered 202 (signature fine)
	MaxGetsPerActor   int   // the most GETs any one actor document got
	Hosts             int   // distinct Host headers that POSTed
	Verified, BadSigs int64
}

// Stats returns the counters.
func (p *Peer) Stats() PeerStats {
	s := PeerStats{Gets: p.gets.Load(), Posts: p.posts.Load(), Verified: p.verified.Load(), BadSigs: p.badSigs.Load()}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, n := range p.getsBy {
		s.MaxGetsPerActor = max(s.MaxGetsPerActor, n)
	}
	s.Hosts = len(p.postsBy)
	s.Accepted = p.accepted
	return s
}

// Received returns how many POSTs carried each activity id.
func (p *Peer) Received() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := make(map[string]int, len(p.received))
	for k, v := range p.received {
		m[k] = v
	}
	return m
}

// Reset zeroes the counters between runs.
func (p *Peer) Reset() {
	p.gets.Store(0)
	p.posts.Store(0)
	p.verified.Store(0)
	p.badSigs.Store(0)
	p.mu.Lock()
	p.getsBy, p.postsBy, p.received = map[string]int{}, map[string]int{}, map[string]int{}
	p.accepted, p.waiters = 0, nil
	p.mu.Unlock()
}

// StaticKey is a KeyLookup that knows one key, for sinks that verify
// what a single sender signs.
func StaticKey(keyID, owner, publicKeyPEM string) (httpsig.KeyLookup, error) {
	block, _ := pem.Decode([]byte(publicKeyPEM))
	if block == nil {
		return nil, errors.New("bench: no PEM block in public key")
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	return func(_ context.Context, id string, _ bool) (httpsig.Key, error) {
		if id != keyID {
			return httpsig.Key{}, fmt.Errorf("unknown key %s", id)
		}
		return httpsig.Key{PublicKey: pub, Owner: owner}, nil
	}, nil
}

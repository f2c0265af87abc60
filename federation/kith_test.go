package federation_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"kith/account"
	"kith/config"
	"kith/federation"
	"kith/jobs"
	"kith/server"
	"kith/store"
)

// kith is one complete kith instance in the test process: its own SQLite
// file, job runner, federation and HTTP server on a loopback port, known
// to the others as http://NAME.test:PORT.
type kith struct {
	name   string
	cfg    config.Config
	db     *store.DB
	runner *jobs.Runner
	fed    *federation.Federation
	srv    *http.Server
	ln     net.Listener
}

// network is a set of kith instances that can reach each other.
type network struct {
	t     testing.TB
	hosts map[string]string
	nodes []*kith
	debug io.Writer // when not nil, receives every instance's debug log
	// wrap, when not nil, wraps each instance's HTTP handler (a peer
	// with stricter rules than kith's, say).
	wrap func(name string, h http.Handler) http.Handler
}

// newNetwork starts one kith per name; every instance maps every other
// name.test to its loopback port.
func newNetwork(t *testing.T, names ...string) *network {
	t.Helper()
	return newNetworkWithHosts(t, nil, names...)
}

// newNetworkWithHosts also maps extra host names (other peers) to their
// loopback addresses.
func newNetworkWithHosts(t testing.TB, extra map[string]string, names ...string) *network {
	t.Helper()
	n := &network{t: t, hosts: map[string]string{}}
	for h, addr := range extra {
		n.hosts[h] = addr
	}
	n.startAll(names...)
	return n
}

// newNetworkWithDebugLog also writes every instance's debug log to w.
func newNetworkWithDebugLog(t *testing.T, w io.Writer, names ...string) *network {
	t.Helper()
	n := &network{t: t, hosts: map[string]string{}, debug: w}
	n.startAll(names...)
	return n
}

// startAll starts one instance per name, each mapped to its port.
func (n *network) startAll(names ...string) {
	t := n.t
	t.Helper()
	lns := map[string]net.Listener{}
	for _, name := range names {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns[name] = ln
		n.hosts[name+".test"] = ln.Addr().String()
	}
	for _, name := range names {
		n.nodes = append(n.nodes, n.start(name, lns[name], nil))
	}
}

var secrets = sync.OnceValues(func() (string, [][2]string) {
	hash, err := account.HashPassword("a test password")
	if err != nil {
		panic(err)
	}
	var keys [][2]string
	for range 8 {
		priv, pub, err := account.GenerateKeyPair()
		if err != nil {
			panic(err)
		}
		keys = append(keys, [2]string{priv, pub})
	}
	return hash, keys
})

var keyIndex struct {
	sync.Mutex
	next int
}

// testKeys hands out pre-made key pairs: generating RSA keys per instance
// would dominate the run.
func testKeys() (owner, instance [2]string) {
	_, keys := secrets()
	keyIndex.Lock()
	defer keyIndex.Unlock()
	i := keyIndex.next
	keyIndex.next = (i + 2) % len(keys)
	return keys[i], keys[i+1]
}

// start runs one instance on ln; edit, when not nil, adjusts its
// federation options (blocked domains, say) before it starts.
func (n *network) start(name string, ln net.Listener, edit func(*federation.Options)) *kith {
	t := n.t
	t.Helper()
	ctx := context.Background()
	port := ln.Addr().(*net.TCPAddr).Port
	cfg := config.Default()
	cfg.Server.URL = fmt.Sprintf("http://%s.test:%d", name, port)
	cfg.Server.DataDir = t.TempDir()
	cfg.Owner.Username = name
	cfg.Federation.AllowPrivateAddresses = true
	cfg.Federation.Hosts = n.hosts

	db := ownerDB(t, cfg.Server.DataDir, name)
	var handler slog.Handler = slog.NewTextHandler(testWriter{t, name}, &slog.HandlerOptions{Level: slog.LevelWarn})
	if n.debug != nil {
		handler = slog.NewMultiHandler(handler, slog.NewTextHandler(n.debug, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	logger := slog.New(handler)
	runner := jobs.New(db, logger, jobs.Options{Concurrency: 4})
	opts := federation.Options{BaseURL: cfg.Server.URL, Username: name, Version: "test", AllowPrivate: true, Hosts: n.hosts}
	if edit != nil {
		edit(&opts)
		cfg.Federation.BlockedDomains = opts.BlockedDomains
	}
	fed, err := federation.New(ctx, db, runner, logger, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(cfg, db, fed, logger, server.Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	if n.wrap != nil {
		h = n.wrap(name, h)
	}
	hs := &http.Server{Handler: h}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return &kith{name: name, cfg: cfg, db: db, runner: runner, fed: fed, srv: hs, ln: ln}
}

// ownerDB opens a new database in dir holding the owner account name and
// the instance key, as kith init leaves it.
func ownerDB(t testing.TB, dir, name string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "kith.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	hash, _ := secrets()
	ownerKey, instanceKey := testKeys()
	err = db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateOwner(ctx, store.Owner{Username: name, DisplayName: strings.ToUpper(name[:1]) + name[1:],
			PasswordHash: hash, PrivateKeyPEM: ownerKey[0], PublicKeyPEM: ownerKey[1]}); err != nil {
			return err
		}
		return tx.SetSetting(ctx, "instance_private_key", instanceKey[0])
	})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

type testWriter struct {
	t    testing.TB
	name string
}

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Logf("%s: %s", w.name, strings.TrimSpace(string(p)))
	return len(p), nil
}

// settle runs every instance's due jobs until none has anything left:
// deliveries, inbox processing, fetches. Background work in these tests
// is driven by this step, never by sleeping.
func (n *network) settle() {
	n.t.Helper()
	ctx := context.Background()
	for round := 0; round < 50; round++ {
		ran := 0
		for _, k := range n.nodes {
			c, err := k.runner.RunDue(ctx)
			if err != nil {
				n.t.Fatalf("%s: run jobs: %v", k.name, err)
			}
			ran += c
		}
		if ran == 0 {
			return
		}
	}
	n.t.Fatalf("jobs still running after 50 rounds")
}

// handle is @name@name.test:PORT.
func (k *kith) handle() string { return "@" + k.name + "@" + k.fed.URLs().Host() }

// actorOn returns the stored row on k for the owner of other.
func (k *kith) actorOn(t *testing.T, other *kith) store.Actor {
	t.Helper()
	a, err := k.db.ActorByURI(context.Background(), other.fed.URLs().Actor())
	if err != nil {
		t.Fatalf("%s does not know %s: %v", k.name, other.name, err)
	}
	return a
}

// follow makes k follow other and settles.
func (n *network) follow(k, other *kith) {
	n.t.Helper()
	if _, err := k.fed.Follow(context.Background(), other.handle()); err != nil {
		n.t.Fatalf("%s follows %s: %v", k.name, other.name, err)
	}
	n.settle()
}

// followState returns the state of follower → followee as followee's
// server records it, or "" when there is none.
func followState(t *testing.T, on *kith, follower, followee *kith) string {
	t.Helper()
	ctx := context.Background()
	fr, err := on.db.ActorByURI(ctx, follower.fed.URLs().Actor())
	if err != nil {
		return ""
	}
	fe, err := on.db.ActorByURI(ctx, followee.fed.URLs().Actor())
	if err != nil {
		return ""
	}
	f, err := on.db.FollowBetween(ctx, fr.ID, fe.ID)
	if err != nil {
		return ""
	}
	return f.State
}

// postOn returns k's copy of a post, or false.
func postOn(k *kith, uri string) (store.Post, bool) {
	p, err := k.db.PostByURI(context.Background(), uri)
	return p, err == nil
}

// settleUntil runs jobs until cond holds, for work that another process
// (a Fedify peer) triggers on its own schedule. It polls that process's
// effects with a bounded wait.
func (n *network) settleUntil(what string, cond func() bool) {
	n.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			n.t.Fatalf("timed out waiting for %s", what)
		}
		n.settle()
		time.Sleep(20 * time.Millisecond)
	}
}

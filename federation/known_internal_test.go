package federation

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"kith/store"
)

// storeActors opens a new database holding n remote actors, whose URIs
// actorURI gives.
func storeActors(t testing.TB, n int) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "kith.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	err = db.InTx(ctx, func(tx *store.Tx) error {
		for i := range n {
			a := store.Actor{URI: actorURI(i), Type: "Person", Username: fmt.Sprintf("user%d", i), Domain: fmt.Sprintf("host%d.example", i%300)}
			if _, err := tx.UpsertActor(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func actorURI(i int) string {
	return fmt.Sprintf("https://host%d.example/users/user%d", i%300, i)
}

// TestKnownActors: the set answers like the database before, during and
// after its load, keeps what is added or removed meanwhile, and once
// loaded needs the database no more.
func TestKnownActors(t *testing.T) {
	const stored = 3*knownLoadChunk + 7 // the last chunk is partial
	db := storeActors(t, stored)
	ctx := context.Background()
	k := newKnownActors(db, slog.New(slog.DiscardHandler))
	k.loadOnce.Do(func() {}) // the test loads the set itself
	stranger := "https://elsewhere.example/users/gone"

	// Before the load, the database answers.
	if !k.has(ctx, actorURI(5)) {
		t.Error("before the load: a stored actor is unknown")
	}
	if k.has(ctx, stranger) {
		t.Error("before the load: a stranger is known")
	}
	// Changes before and during the load are kept.
	fetched := "https://new.example/users/fetched"
	k.add(fetched)
	done := make(chan struct{})
	go func() { k.load(ctx); close(done) }()
	k.remove(actorURI(stored - 1)) // may run before its chunk is read: then it looks known again
	<-done
	k.remove(actorURI(0))

	// From now on the set answers alone: with the database closed, the
	// fallback would call everyone known.
	db.Close()
	for i := 1; i < stored-1; i++ {
		if !k.has(ctx, actorURI(i)) {
			t.Fatalf("after the load: stored actor %d is unknown", i)
		}
	}
	if !k.has(ctx, fetched) {
		t.Error("an actor added before the load was lost")
	}
	if k.has(ctx, stranger) {
		t.Error("after the load: a stranger is known")
	}
	if k.has(ctx, actorURI(0)) {
		t.Error("a removed actor is still known")
	}
}

// TestKnownActorsLoadAtFirstAsk: nothing is read until the set is first
// asked; then it loads in the background.
func TestKnownActorsLoadAtFirstAsk(t *testing.T) {
	db := storeActors(t, 10)
	k := newKnownActors(db, slog.New(slog.DiscardHandler))
	if n, _ := k.state(); n != 0 {
		t.Fatalf("%d hashes before the first ask, want 0", n)
	}
	if !k.has(context.Background(), actorURI(3)) {
		t.Fatal("a stored actor is unknown")
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		n, loaded := k.state()
		if loaded && n == 10 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s: %d of 10 hashes, loaded %v", n, loaded)
		}
	}
}

// state is how many hashes the set holds and whether its load ended.
func (k *knownActors) state() (int, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return len(k.hashes), k.loaded
}

// TestKnownActorsLoadFails: a set whose load failed keeps asking the
// database, and a database that cannot answer makes everyone known (the
// inbox then checks the Delete in full instead of dropping it).
func TestKnownActorsLoadFails(t *testing.T) {
	db := storeActors(t, 3)
	ctx := context.Background()
	k := newKnownActors(db, slog.New(slog.DiscardHandler))
	k.loadOnce.Do(func() {})
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	k.load(canceled)
	if !k.has(ctx, actorURI(1)) || k.has(ctx, "https://elsewhere.example/users/gone") {
		t.Error("after a failed load, the database's answers are not used")
	}
	db.Close()
	if !k.has(ctx, "https://elsewhere.example/users/gone") {
		t.Error("with the database closed, a stranger is taken as unknown")
	}
}

// BenchmarkKnownActorsLoad loads the set of 50,000 stored actors and
// reports the time and the heap it keeps, against the URIs themselves in
// a map of strings:
//
//	go test -run '^$' -bench KnownActorsLoad -benchtime 5x ./federation
func BenchmarkKnownActorsLoad(b *testing.B) {
	const n = 50000
	db := storeActors(b, n)
	ctx := context.Background()
	var k *knownActors
	var took []time.Duration
	before := liveHeap()
	for b.Loop() {
		k = nil
		start := time.Now()
		k = newKnownActors(db, slog.New(slog.DiscardHandler))
		k.load(ctx)
		took = append(took, time.Since(start))
	}
	b.ReportMetric(float64(liveHeap()-before)/n, "set-bytes/actor")
	runtime.KeepAlive(k)
	k = nil
	before = liveHeap()
	uris := make(map[string]struct{})
	for i := range n {
		uris[actorURI(i)] = struct{}{}
	}
	b.ReportMetric(float64(liveHeap()-before)/n, "uri-map-bytes/actor")
	runtime.KeepAlive(uris)
	b.ReportMetric(float64(medianDuration(took).Microseconds())/1000, "ms/load")
}

func liveHeap() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

func medianDuration(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

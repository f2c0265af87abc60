package federation

import (
	"context"
	"errors"
	"hash/maphash"
	"log/slog"
	"sync"

	"kith/store"
)

// knownActors answers, without a query, whether kith has stored an actor,
// so the inbox can drop a Delete from a stranger: Mastodon sends one for
// every account it removes to every server it ever talked to, and such
// floods are most of what a small server receives.
//
// It holds a 64-bit hash of each stored actor's URI, not the URI: about
// 24 bytes an actor instead of 83 for a map of the URIs themselves
// (BenchmarkKnownActorsLoad, 50,000 actors), and reading them back is a
// scan of the actors table's URI index that allocates nothing per row.
// The scan runs in the background when the set is first asked, not before
// kith serves (50,000 actors take some 30 ms); until it ends, a URI not in
// the set is looked up in the database.
//
// Note: two URIs with the same hash make a stranger look known, and its
// Delete then takes the full path (a signature check, which fails for a
// gone actor): more work, never a wrong answer. Removing one of two such
// actors would make the other look unknown and drop its Delete; with a
// random seed per process, the chance for 50,000 actors is about 1 in
// 10^10.
type knownActors struct {
	db       *store.DB
	logger   *slog.Logger
	seed     maphash.Seed
	loadOnce sync.Once // starts the load at the first has
	mu       sync.RWMutex
	hashes   map[uint64]struct{}
	loaded   bool // every stored actor's hash is in hashes
}

// knownLoadChunk is how many hashes the load adds to the set per lock.
const knownLoadChunk = 1024

func newKnownActors(db *store.DB, logger *slog.Logger) *knownActors {
	return &knownActors{db: db, logger: logger, seed: maphash.MakeSeed(), hashes: map[uint64]struct{}{}}
}

// load adds the hash of every stored actor's URI to the set, then answers
// from the set alone. Actors added or removed meanwhile are kept right:
// add and remove change the same set, and the scan reads a snapshot, so at
// worst an actor removed during the scan looks known (see the note on
// knownActors).
func (k *knownActors) load(ctx context.Context) {
	chunk := make([]uint64, 0, knownLoadChunk)
	flush := func() {
		k.mu.Lock()
		for _, h := range chunk {
			k.hashes[h] = struct{}{}
		}
		k.mu.Unlock()
		chunk = chunk[:0]
	}
	err := k.db.EachActorURI(ctx, func(uri []byte) {
		chunk = append(chunk, maphash.Bytes(k.seed, uri))
		if len(chunk) == cap(chunk) {
			flush()
		}
	})
	if err != nil {
		// The database answers for what the set cannot, as while loading.
		if !errors.Is(err, context.Canceled) {
			k.logger.Warn("known actors: could not read the stored actors; the inbox asks the database instead", "err", err)
		}
		return
	}
	flush()
	k.mu.Lock()
	k.loaded = true
	k.mu.Unlock()
}

// has reports whether an actor with this URI is stored. Until the set is
// loaded it asks the database about a URI the set lacks; if the database
// cannot say, it answers yes, and the inbox checks the activity in full.
func (k *knownActors) has(ctx context.Context, uri string) bool {
	k.loadOnce.Do(func() { go k.load(context.WithoutCancel(ctx)) })
	h := maphash.String(k.seed, uri)
	k.mu.RLock()
	_, ok := k.hashes[h]
	loaded := k.loaded
	k.mu.RUnlock()
	if ok || loaded {
		return ok
	}
	stored, err := k.db.ActorStored(ctx, uri)
	return stored || err != nil
}

func (k *knownActors) add(uri string) {
	h := maphash.String(k.seed, uri)
	k.mu.Lock()
	k.hashes[h] = struct{}{}
	k.mu.Unlock()
}

func (k *knownActors) remove(uri string) {
	h := maphash.String(k.seed, uri)
	k.mu.Lock()
	delete(k.hashes, h)
	k.mu.Unlock()
}

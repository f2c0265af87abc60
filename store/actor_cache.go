package store

import (
	"sync"
	"time"
)

// actorCache keeps actors read by URI in batch units. Every received
// activity looks its actor up before anything else, and a busy remote
// account sends many: the row, with its key and profile, is the same each
// time until the actor changes.
//
// It is kept correct by generation: a transaction that writes actors
// (Tx.actorsChanged) empties the cache and moves the generation on as it
// commits, and a read that started under an older generation does not
// store what it read, which may be from before that commit. A
// transaction that wrote actors itself reads around the cache until it
// commits. Other processes (the operator's commands) write the file
// too: a batch begins by asking SQLite whether another connection has
// committed since the last one began (PRAGMA data_version on the write
// connection, which only this process's transactions use), and empties
// the cache if so; while the batch holds the write lock, nobody else can
// commit. Reads outside batches do not use the cache.
type actorCache struct {
	mu  sync.Mutex
	gen uint64
	m   map[string]cachedActor
	// dataVersion is the write connection's PRAGMA data_version when a
	// batch last began.
	dataVersion int64
}

type cachedActor struct {
	a  Actor
	at time.Time
}

const (
	// maxCachedActors bounds the cache; past it the cache starts over.
	maxCachedActors = 2000
	// actorCacheTTL bounds how long an entry is trusted, whatever else
	// happens.
	actorCacheTTL = 30 * time.Second
)

// get returns the cached actor for uri and the generation a read of the
// database must be stored under.
func (c *actorCache) get(uri string, now time.Time) (Actor, bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[uri]
	if !ok || now.Sub(e.at) > actorCacheTTL || now.Before(e.at) {
		return Actor{}, false, c.gen
	}
	return e.a, true, c.gen
}

// put stores an actor read from the database under generation gen,
// unless actors changed since.
func (c *actorCache) put(a Actor, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.m == nil || len(c.m) >= maxCachedActors {
		c.m = map[string]cachedActor{}
	}
	c.m[a.URI] = cachedActor{a: a, at: now}
}

// invalidate empties the cache after actors changed.
func (c *actorCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.m)
}

// otherWriters empties the cache if another connection committed since
// the last batch began, given the write connection's data_version now.
func (c *actorCache) otherWriters(version int64) {
	c.mu.Lock()
	changed := version != c.dataVersion
	c.dataVersion = version
	c.mu.Unlock()
	if changed {
		c.invalidate()
	}
}

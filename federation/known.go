package federation

import (
	"context"
	"sync"
)

// knownActors is the set of actor URIs kith has stored, in memory, so the
// inbox can drop a Delete from a stranger without a query: Mastodon sends
// one for every account it removes to every server it ever talked to, and
// such floods are most of what a small server receives.
type knownActors struct {
	mu  sync.RWMutex
	set map[string]struct{}
}

func (k *knownActors) load(ctx context.Context, f *Federation) error {
	uris, err := f.db.ActorURIs(ctx)
	if err != nil {
		return err
	}
	set := make(map[string]struct{}, len(uris))
	for _, u := range uris {
		set[u] = struct{}{}
	}
	k.mu.Lock()
	k.set = set
	k.mu.Unlock()
	return nil
}

func (k *knownActors) has(uri string) bool {
	k.mu.RLock()
	defer k.mu.RUnlock()
	_, ok := k.set[uri]
	return ok
}

func (k *knownActors) add(uri string) {
	k.mu.Lock()
	k.set[uri] = struct{}{}
	k.mu.Unlock()
}

func (k *knownActors) remove(uri string) {
	k.mu.Lock()
	delete(k.set, uri)
	k.mu.Unlock()
}

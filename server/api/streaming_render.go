package api

import (
	"net/http"
	"sync"

	"kith/events"
	"kith/server/core"
)

// renderedKeep is how many recent events' renderings are kept: enough for
// every subscriber of a burst to find the one rendering it shares.
const renderedKeep = 512

// RenderedEvents shares the rendering of one event among the subscribers
// that receive it: a thousand open streams render a new post once, not a
// thousand times. What is rendered does not depend on the subscriber (kith
// has one user); scope checks stay per subscriber in renderEvent.
type RenderedEvents struct {
	mu     sync.Mutex
	byseq  map[uint64]*renderedEvent
	newest uint64
}

type renderedEvent struct {
	done    chan struct{}
	name    string
	payload *string
	ok      bool
	err     error
}

// get renders e with render once per event (by its Seq) and returns the
// shared result.
func (c *RenderedEvents) get(e events.Event, render func() (string, *string, bool, error)) (string, *string, bool, error) {
	if e.Seq == 0 {
		return render()
	}
	c.mu.Lock()
	if c.byseq == nil {
		c.byseq = map[uint64]*renderedEvent{}
	}
	r, ok := c.byseq[e.Seq]
	if !ok {
		r = &renderedEvent{done: make(chan struct{})}
		c.byseq[e.Seq] = r
		if e.Seq > c.newest {
			c.newest = e.Seq
		}
		for seq := range c.byseq {
			if seq+renderedKeep < c.newest {
				delete(c.byseq, seq)
			}
		}
	}
	c.mu.Unlock()
	if ok {
		<-r.done
		return r.name, r.payload, r.ok, r.err
	}
	r.name, r.payload, r.ok, r.err = render()
	close(r.done)
	return r.name, r.payload, r.ok, r.err
}

// AnnounceFiltersChanged tells the owner's open streams (filters_changed
// on the user stream) after a request that changed filters succeeded, so
// apps reload them.
func (s *API) AnnounceFiltersChanged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &core.StatusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.Status == 0 || sw.Status < 300 {
			s.Opts.Events.Publish(events.Event{Stream: events.User, Kind: events.FiltersChanged})
		}
	})
}

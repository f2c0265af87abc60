package bench

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"kith/federation/httpsig"
)

// Request is an inbox POST prepared before a timed run: signing costs
// about a millisecond, more than kith spends receiving it.
type Request struct {
	URL        string
	Header     http.Header
	Body       []byte
	ActivityID string // the activity's id
	ObjectID   string // its object's id (the Note of a Create)
	Kind       string // "Create", "Follow", "Delete"
}

// Create builds a Create{Note} from actor i on host to inbox, mentioning
// and addressed to owner; n makes its ids distinct.
func Create(host string, i int, n string, owner string) map[string]any {
	actor := ActorURI(host, i)
	note := actor + "/statuses/" + n
	return map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       note + "/activity",
		"type":     "Create",
		"actor":    actor,
		"to":       []string{owner},
		"cc":       []string{"https://www.w3.org/ns/activitystreams#Public"},
		"object": map[string]any{
			"id":           note,
			"type":         "Note",
			"attributedTo": actor,
			"to":           []string{owner},
			"cc":           []string{"https://www.w3.org/ns/activitystreams#Public"},
			"content":      `<p><span class="h-card"><a href="` + owner + `" class="u-url mention">@<span>owner</span></a></span> bench note ` + n + `</p>`,
			"published":    time.Now().UTC().Format(time.RFC3339),
			"tag":          []map[string]string{{"type": "Mention", "href": owner, "name": "@owner"}},
		},
	}
}

// Follow builds a Follow of owner by actor i on host.
func Follow(host string, i int, n string, owner string) map[string]any {
	actor := ActorURI(host, i)
	return map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       actor + "/follows/" + n,
		"type":     "Follow",
		"actor":    actor,
		"object":   owner,
	}
}

// Delete builds the Delete a server sends when it removes an account.
func Delete(host string, i int) map[string]any {
	actor := ActorURI(host, i)
	return map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       actor + "#delete",
		"type":     "Delete",
		"actor":    actor,
		"to":       []string{"https://www.w3.org/ns/activitystreams#Public"},
		"object":   actor,
	}
}

// Sign prepares act as a POST to inbox signed by actor i's key on host.
// An unsigned request is made when p is nil.
func (p *Peer) Sign(inbox, host string, i int, act map[string]any) (Request, error) {
	body, err := json.Marshal(act)
	if err != nil {
		return Request{}, err
	}
	r, err := http.NewRequest(http.MethodPost, inbox, bytes.NewReader(body))
	if err != nil {
		return Request{}, err
	}
	r.Header.Set("Content-Type", "application/activity+json")
	if p != nil {
		if err := httpsig.SignRequest(r, body, KeyID(host, i), p.key(i), time.Now()); err != nil {
			return Request{}, err
		}
	}
	req := Request{URL: inbox, Header: r.Header, Body: body, Kind: act["type"].(string)}
	req.ActivityID, _ = act["id"].(string)
	if obj, ok := act["object"].(map[string]any); ok {
		req.ObjectID, _ = obj["id"].(string)
	}
	return req, nil
}

// SignAll signs n requests in parallel on every core; build(i) makes the
// i-th.
func SignAll(n int, build func(i int) (Request, error)) ([]Request, error) {
	reqs := make([]Request, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				r, err := build(i)
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				reqs[i] = r
			}
		})
	}
	wg.Wait()
	return reqs, firstErr
}

// Outcome is what became of one fired request.
type Outcome struct {
	Status int // 0 when the request failed before a response
	Err    error
}

// FireResult sums up a Fire.
type FireResult struct {
	Accepted int // answered 202
	Statuses map[int]int
	Errors   int // no response at all
	Elapsed  time.Duration
	Outcomes []Outcome // by request index
}

// Fire sends reqs over at most conns keep-alive connections and waits for
// every answer, or until ctx ends (the rest then count as errors).
//
// It speaks HTTP/1.1 itself over plain TCP, like wrk, instead of using
// net/http's client: the generator shares the cores with kith, and the
// client's per-request work would otherwise be a good part of what is
// measured. Each connection sends one request and reads its answer before
// the next; nothing is pipelined.
func Fire(ctx context.Context, reqs []Request, conns int) FireResult {
	return FireTLS(ctx, reqs, conns, nil)
}

// FireTLS is Fire over TLS connections made with conf (plain TCP when conf
// is nil). Each connection shakes hands once and then carries its share of
// the requests, as a peer's delivery client keeps its connection to a
// server alive.
func FireTLS(ctx context.Context, reqs []Request, conns int, conf *tls.Config) FireResult {
	res := FireResult{Statuses: map[int]int{}, Outcomes: make([]Outcome, len(reqs))}
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Go(func() {
			c := &rawConn{ctx: ctx, tls: conf}
			defer c.close()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(reqs) {
					return
				}
				res.Outcomes[i] = c.send(reqs[i])
			}
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	for _, o := range res.Outcomes {
		switch {
		case o.Status == 0:
			res.Errors++
		case o.Status == http.StatusAccepted:
			res.Accepted++
		}
		if o.Status != 0 {
			res.Statuses[o.Status]++
		}
	}
	return res
}

// String is a one-line summary.
func (r FireResult) String() string {
	return fmt.Sprintf("%d accepted of %d in %v (%.0f/s), statuses %v, %d errors",
		r.Accepted, len(r.Outcomes), r.Elapsed.Round(time.Millisecond), float64(r.Accepted)/r.Elapsed.Seconds(), r.Statuses, r.Errors)
}

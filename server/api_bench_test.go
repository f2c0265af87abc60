package server

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"kith/config"
	"kith/events"
	"kith/federation"
	"kith/server/api"
	"kith/server/oauth"
	"kith/store"
)

// Sizes of the benchmarks; smaller values make a quick check that they
// work (go test -run '^$' -bench API ./server -home-posts=2000).
var (
	benchHomePosts   = flag.Int("home-posts", 100_000, "posts stored for BenchmarkAPIHomeTimeline")
	benchFanoutSubs  = flag.Int("fanout-subscribers", 1000, "streaming subscribers for BenchmarkStreamingFanout")
	benchFanoutWaits = 10 * time.Second
)

// newBenchInstance is a server and federation sharing one events hub, on
// a real SQLite file, like newStreamInstance but for a benchmark.
func newBenchInstance(b *testing.B) *streamInstance {
	b.Helper()
	return newStreamInstance(b, 0)
}

// fillHome stores n posts through the store: the owner and five
// followed accounts write most, five strangers the rest (not on the home
// timeline); one in ten is a boost, one in five a reply, some carry a
// tag, a mention of the owner, an attachment or a poll.
func fillHome(b *testing.B, in *streamInstance, n int) {
	b.Helper()
	ctx := context.Background()
	owner := in.db.OwnerID()
	ownerURI := config.Default().Server.URL + "/users/" + config.Default().Owner.Username
	authors := []int64{owner}
	start := time.Now()
	err := in.db.InTx(ctx, func(tx *store.Tx) error {
		for i := range 10 {
			domain := fmt.Sprintf("social%d.example", i%3)
			uri := fmt.Sprintf("https://%s/users/user%d", domain, i)
			id, err := tx.UpsertActor(ctx, store.Actor{URI: uri, Type: "Person", Username: fmt.Sprintf("user%d", i), Domain: domain,
				DisplayName: fmt.Sprintf("User %d", i), Summary: "<p>Posting about bread, trains and birds.</p>",
				URL: fmt.Sprintf("https://%s/@user%d", domain, i), Inbox: uri + "/inbox",
				PublishedAt: time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC), FetchedAt: time.Now()}) // the server runs on the real clock
			if err != nil {
				return err
			}
			if i < 5 {
				err := tx.PutFollow(ctx, store.Follow{FollowerID: owner, FolloweeID: id, State: store.FollowAccepted,
					ActivityURI: fmt.Sprintf("https://kith.example/follows/%d", i)})
				if err != nil {
					return err
				}
			}
			authors = append(authors, id)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	words := strings.Fields("the morning train was late again so I baked a loaf of sourdough and watched the sparrows on the fence while the kettle boiled")
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) // data: when the seeded posts were written
	const batch = 5000
	var ids []int64
	for lo := 0; lo < n; lo += batch {
		err := in.db.InTx(ctx, func(tx *store.Tx) error {
			for i := lo; i < min(lo+batch, n); i++ {
				author := authors[i%6]
				if i%5 == 4 {
					author = authors[6+i%5]
				}
				text := strings.Join(words[i%9:i%9+8+i%7], " ")
				p := store.Post{
					URI:         fmt.Sprintf("https://bench.example/p/%d", i),
					URL:         fmt.Sprintf("https://bench.example/@x/%d", i),
					AuthorID:    author,
					Local:       author == owner,
					Visibility:  []string{store.Public, store.Public, store.Public, store.Unlisted, store.Private}[i%5],
					Language:    "en",
					Content:     fmt.Sprintf(`<p>%s, day %d.</p>`, text, i),
					PublishedAt: base.Add(time.Duration(i) * time.Minute),
				}
				switch {
				case i%10 == 3 && len(ids) > 10:
					p.ReblogOfID, p.Visibility, p.Content = ids[len(ids)-7], store.Public, ""
				case i%5 == 1 && len(ids) > 10:
					p.InReplyToID = ids[len(ids)-9]
					p.InReplyToURI = fmt.Sprintf("https://bench.example/p/%d", i-9)
				}
				if i%7 == 0 {
					tag := fmt.Sprintf("topic%d", i%50)
					p.Tags = []string{tag}
					p.Content += fmt.Sprintf(`<p><a href="https://bench.example/tags/%s" class="hashtag">#%s</a></p>`, tag, tag)
				}
				if i%11 == 0 {
					p.Attachments = []store.Attachment{{URL: fmt.Sprintf("https://bench.example/m/%d.jpg", i), MediaType: "image/jpeg",
						Description: "a photo of the fence", Width: 1200, Height: 800, Blurhash: "LEHV6nWB2yk8pyo0adR*.7kCMdnj"}}
				}
				if i%13 == 0 {
					p.Mentions = []store.Mention{{ActorURI: ownerURI, Name: "@admin@localhost:8080"}}
				}
				if i%97 == 0 {
					p.Poll = &store.Poll{ExpiresAt: p.PublishedAt.Add(24 * time.Hour), VotersCount: 4,
						Options: []store.PollOption{{Title: "yes", Votes: 3}, {Title: "no", Votes: 1}}}
				}
				id, err := tx.InsertPost(ctx, p)
				if err != nil {
					return err
				}
				ids = append(ids, id)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("stored %d posts in %v", n, time.Since(start).Round(time.Millisecond))
}

// BenchmarkAPIHomeTimeline reads the first home page of 40 through the
// HTTP handler, with 100k posts stored; DESIGN's target for the store
// query is p50 ≤ 3 ms, for the whole request 5 ms.
func BenchmarkAPIHomeTimeline(b *testing.B) {
	in := newBenchInstance(b)
	fillHome(b, in, *benchHomePosts)
	_, token, err := oauth.CreateAppToken(context.Background(), in.db, "bench", "", "urn:ietf:wg:oauth:2.0:oob", "read")
	if err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	defer client.CloseIdleConnections()
	req, _ := http.NewRequest("GET", in.http.URL+"/api/v1/timelines/home?limit=40", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	get := func() []byte {
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("status %d, %v: %.200s", resp.StatusCode, err, body)
		}
		return body
	}
	var page []json.RawMessage
	if err := json.Unmarshal(get(), &page); err != nil || len(page) != 40 {
		b.Fatalf("first page: %d statuses, %v; want 40", len(page), err)
	}
	// The store's part, for comparison with store.BenchmarkHomeTimeline.
	var inStore []time.Duration
	for range 50 {
		t0 := time.Now()
		if _, err := in.db.HomeTimeline(context.Background(), store.Page{Limit: 40}); err != nil {
			b.Fatal(err)
		}
		inStore = append(inStore, time.Since(t0))
	}
	var durations []time.Duration
	for b.Loop() {
		t0 := time.Now()
		get()
		durations = append(durations, time.Since(t0))
	}
	reportPercentiles(b, durations, 50, 90, 99)
	slices.Sort(inStore) // reported after the loop, which resets metrics
	b.ReportMetric(float64(inStore[len(inStore)/2].Microseconds())/1000, "store-p50-ms")
}

// reportPercentiles reports the given percentiles of durations in ms.
func reportPercentiles(b *testing.B, durations []time.Duration, ps ...int) {
	if len(durations) == 0 {
		return
	}
	slices.Sort(durations)
	for _, p := range ps {
		i := min(len(durations)*p/100, len(durations)-1)
		b.ReportMetric(float64(durations[i].Microseconds())/1000, fmt.Sprintf("p%d-ms", p))
	}
}

// BenchmarkStreamingFanout opens -fanout-subscribers streaming
// subscribers (default 1,000) to the user stream, half server-sent events
// and half WebSocket, and measures, for each post the owner makes, how
// long each subscriber waits for its update from just before the post
// call.
func BenchmarkStreamingFanout(b *testing.B) {
	n := *benchFanoutSubs
	b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) { benchmarkFanout(b, n) })
}

func benchmarkFanout(b *testing.B, n int) {
	in := newBenchInstance(b)
	_, token, err := oauth.CreateAppToken(context.Background(), in.db, "bench", "", "urn:ietf:wg:oauth:2.0:oob", "read")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel) // runs before the server closes: streams end first
	arrivals := make(chan time.Time, n)
	refused := connectSubscribers(b, ctx, in, token, n, arrivals)
	if refused > 0 {
		b.Fatalf("the hub refused %d of %d subscribers (events.MaxSubscriptions is %d)", refused, n, events.MaxSubscriptions)
	}
	if got := in.hub.Stats().Subscriptions; got != n {
		b.Fatalf("hub has %d subscriptions, want %d", got, n)
	}
	var latencies, calls []time.Duration
	i := 0
	for b.Loop() {
		i++
		t0 := time.Now()
		if _, err := in.fed.Post(context.Background(), federation.NewPost{
			Text: fmt.Sprintf("Fan-out check %d: the kettle is on #bench", i), Visibility: store.Public}); err != nil {
			b.Fatal(err)
		}
		calls = append(calls, time.Since(t0))
		deadline := time.After(benchFanoutWaits)
		for got := 0; got < n; got++ {
			select {
			case at := <-arrivals:
				latencies = append(latencies, at.Sub(t0))
			case <-deadline:
				b.Fatalf("post %d: %d of %d subscribers got the update within %v (hub dropped %d)",
					i, got, n, benchFanoutWaits, in.hub.Stats().Dropped)
			}
		}
	}
	reportPercentiles(b, latencies, 50, 99)
	slices.Sort(calls)
	b.ReportMetric(float64(calls[len(calls)/2].Microseconds())/1000, "post-call-ms")
	b.ReportMetric(float64(in.hub.Stats().Dropped), "dropped")
}

// connectSubscribers opens n streams (even ones SSE, odd ones WebSocket)
// whose readers send the arrival time of each update on arrivals, and
// returns how many the server refused.
func connectSubscribers(b *testing.B, ctx context.Context, in *streamInstance, token string, n int, arrivals chan<- time.Time) int {
	b.Helper()
	transport := &http.Transport{MaxIdleConnsPerHost: -1}
	client := &http.Client{Transport: transport}
	b.Cleanup(transport.CloseIdleConnections)
	var (
		mu      sync.Mutex
		refused int
		errs    []error
		wg      sync.WaitGroup
		slots   = make(chan struct{}, 32) // connect a few at a time
	)
	for i := range n {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			var status int
			var err error
			if i%2 == 0 {
				status, err = openBenchSSE(ctx, client, in.http.URL, token, arrivals)
			} else {
				status, err = openBenchSocket(ctx, client, in.http.URL, token, arrivals)
			}
			mu.Lock()
			defer mu.Unlock()
			switch {
			case status == http.StatusServiceUnavailable:
				refused++
			case err != nil:
				errs = append(errs, err)
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		b.Fatalf("%d subscribers failed to connect; first: %v", len(errs), errs[0])
	}
	return refused
}

func openBenchSSE(ctx context.Context, client *http.Client, base, token string, arrivals chan<- time.Time) (int, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/streaming/user", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return resp.StatusCode, fmt.Errorf("SSE: status %d", resp.StatusCode)
	}
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if sc.Text() == "event: update" {
				arrivals <- time.Now()
			}
		}
	}()
	return http.StatusOK, nil
}

func openBenchSocket(ctx context.Context, client *http.Client, base, token string, arrivals chan<- time.Time) (int, error) {
	u := "ws" + strings.TrimPrefix(base, "http") + "/api/v1/streaming?stream=user"
	conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: client,
		HTTPHeader: http.Header{"Authorization": {"Bearer " + token}}})
	if err != nil {
		if resp != nil {
			return resp.StatusCode, err
		}
		return 0, err
	}
	conn.SetReadLimit(1 << 20)
	go func() {
		defer conn.CloseNow()
		for {
			_, data, err := conn.Read(ctx)
			at := time.Now()
			if err != nil {
				return
			}
			var f api.StreamFrame
			if json.Unmarshal(data, &f) == nil && f.Event == "update" {
				arrivals <- at
			}
		}
	}()
	return http.StatusSwitchingProtocols, nil
}

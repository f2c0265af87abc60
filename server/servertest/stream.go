package servertest

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"kith/config"
	"kith/events"
	"kith/federation"
	"kith/jobs"
	"kith/server"
	"kith/server/core"
	"kith/server/oauth"
	"kith/store"
)

// StreamWait is how long a test waits for a streamed event.
const StreamWait = 5 * time.Second

// StreamInstance is a server and federation sharing one events hub.
type StreamInstance struct {
	DB   *store.DB
	Fed  *federation.Federation
	Hub  *events.Hub
	HTTP *httptest.Server
	Srv  *server.Server
}

// NewStreamInstance builds a StreamInstance on the real clock; buffer is
// the events hub's buffer per subscriber (0: the default).
func NewStreamInstance(t testing.TB, buffer int) *StreamInstance {
	t.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.Server.DataDir = t.TempDir()
	db, err := store.Open(ctx, filepath.Join(cfg.Server.DataDir, "kith.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	CreateOwner(t, db, cfg.Owner.Username)
	hub := events.NewHub(buffer)
	logger := slog.New(slog.DiscardHandler)
	fed, err := federation.New(ctx, db, jobs.New(db, logger, jobs.Options{}), logger, federation.Options{
		BaseURL: cfg.Server.URL, Username: cfg.Owner.Username, Version: "test", Events: hub,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(cfg, db, fed, logger, core.Options{Version: "test", Events: hub})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &StreamInstance{DB: db, Fed: fed, Hub: hub, HTTP: hs, Srv: srv}
}

// Token makes an app and an access token with scopes in the store.
func (in *StreamInstance) Token(t *testing.T, scopes string) string {
	t.Helper()
	_, token, err := oauth.CreateAppToken(context.Background(), in.DB, "stream test", "", "urn:ietf:wg:oauth:2.0:oob", scopes)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// Post has the owner post text with a visibility.
func (in *StreamInstance) Post(t *testing.T, text, visibility string) store.Post {
	t.Helper()
	p, err := in.Fed.Post(context.Background(), federation.NewPost{Text: text, Visibility: visibility})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// SSEEvent is one server-sent event.
type SSEEvent struct{ Name, Data string }

// OpenSSE connects to a streaming URL and returns its events as they
// arrive; the connection closes when the test ends.
func OpenSSE(t *testing.T, in *StreamInstance, path, token string) <-chan SSEEvent {
	t.Helper()
	return OpenSSEWith(t, in.HTTP.URL+path, func(req *http.Request) { req.Header.Set("Authorization", "Bearer "+token) })
}

// OpenSSEWith is OpenSSE for any URL, with a request that authorize
// prepares.
func OpenSSEWith(t *testing.T, u string, authorize func(*http.Request)) <-chan SSEEvent {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	authorize(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Fatalf("GET %s: status %d, body %s", u, resp.StatusCode, b)
	}
	if got := resp.Header.Get("Content-Type"); got != "text/event-stream" {
		t.Errorf("Content-Type %q, want text/event-stream", got)
	}
	out := make(chan SSEEvent, 16)
	go ScanSSE(resp.Body, func(e SSEEvent) { out <- e })
	return out
}

// ScanSSE reads server-sent events from body until it ends, handing each
// named event to emit, and closes body.
func ScanSSE(body io.ReadCloser, emit func(SSEEvent)) {
	defer body.Close()
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 1<<20), 4<<20)
	var e SSEEvent
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			e.Name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			e.Data = strings.TrimPrefix(line, "data: ")
		case line == "" && e.Name != "":
			emit(e)
			e = SSEEvent{}
		}
	}
}

// NextSSE is the next event on ch; the test fails after StreamWait.
func NextSSE(t *testing.T, ch <-chan SSEEvent) SSEEvent {
	t.Helper()
	select {
	case e := <-ch:
		return e
	case <-time.After(StreamWait):
		t.Fatal("no event")
		return SSEEvent{}
	}
}

// HomePosts is how many posts FillHome stores for the home and profile
// benchmarks; a smaller value makes a quick check that they work
// (go test -run '^$' -bench API ./server/api -home-posts=2000).
var HomePosts = flag.Int("home-posts", 100_000, "posts stored for BenchmarkAPIHomeTimeline and the page benchmarks")

// NewBenchInstance is a server and federation sharing one events hub, on
// a real SQLite file, like NewStreamInstance but for a benchmark.
func NewBenchInstance(b *testing.B) *StreamInstance {
	b.Helper()
	return NewStreamInstance(b, 0)
}

// FillHome stores n posts through the store: the owner and five
// followed accounts write most, five strangers the rest (not on the home
// timeline); one in ten is a boost, one in five a reply, some carry a
// tag, a mention of the owner, an attachment or a poll.
func FillHome(b *testing.B, in *StreamInstance, n int) {
	b.Helper()
	ctx := context.Background()
	owner := in.DB.OwnerID()
	ownerURI := config.Default().Server.URL + "/users/" + config.Default().Owner.Username
	authors := []int64{owner}
	start := time.Now()
	err := in.DB.InTx(ctx, func(tx *store.Tx) error {
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
		err := in.DB.InTx(ctx, func(tx *store.Tx) error {
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

// ReportPercentiles reports the given percentiles of durations in ms.
func ReportPercentiles(b *testing.B, durations []time.Duration, ps ...int) {
	if len(durations) == 0 {
		return
	}
	slices.Sort(durations)
	for _, p := range ps {
		i := min(len(durations)*p/100, len(durations)-1)
		b.ReportMetric(float64(durations[i].Microseconds())/1000, fmt.Sprintf("p%d-ms", p))
	}
}

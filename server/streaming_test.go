package server

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"kith/config"
	"kith/events"
	"kith/federation"
	"kith/jobs"
	"kith/server/api"
	"kith/server/core"
	"kith/server/oauth"
	"kith/store"
)

const streamWait = 5 * time.Second

// streamInstance is a server and federation sharing one events hub.
type streamInstance struct {
	db   *store.DB
	fed  *federation.Federation
	hub  *events.Hub
	http *httptest.Server
}

func newStreamInstance(t testing.TB, buffer int) *streamInstance {
	t.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.Server.DataDir = t.TempDir()
	db, err := store.Open(ctx, filepath.Join(cfg.Server.DataDir, "kith.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	createTestOwner(t, db, cfg.Owner.Username)
	hub := events.NewHub(buffer)
	logger := slog.New(slog.DiscardHandler)
	fed, err := federation.New(ctx, db, jobs.New(db, logger, jobs.Options{}), logger, federation.Options{
		BaseURL: cfg.Server.URL, Username: cfg.Owner.Username, Version: "test", Events: hub,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(cfg, db, fed, logger, core.Options{Version: "test", Events: hub})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &streamInstance{db: db, fed: fed, hub: hub, http: hs}
}

func (in *streamInstance) token(t *testing.T, scopes string) string {
	t.Helper()
	_, token, err := oauth.CreateAppToken(context.Background(), in.db, "stream test", "", "urn:ietf:wg:oauth:2.0:oob", scopes)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func (in *streamInstance) post(t *testing.T, text, visibility string) store.Post {
	t.Helper()
	p, err := in.fed.Post(context.Background(), federation.NewPost{Text: text, Visibility: visibility})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// sseEvent is one server-sent event.
type sseEvent struct{ name, data string }

// openSSE connects to a streaming URL and returns its events as they
// arrive; the connection closes when the test ends.
func openSSE(t *testing.T, in *streamInstance, path, token string) <-chan sseEvent {
	t.Helper()
	return openSSEWith(t, in.http.URL+path, func(req *http.Request) { req.Header.Set("Authorization", "Bearer "+token) })
}

// openSSEWith is openSSE for any URL, with a request that authorize
// prepares.
func openSSEWith(t *testing.T, u string, authorize func(*http.Request)) <-chan sseEvent {
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
	out := make(chan sseEvent, 16)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var e sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				e.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				e.data = strings.TrimPrefix(line, "data: ")
			case line == "" && e.name != "":
				out <- e
				e = sseEvent{}
			}
		}
	}()
	return out
}

func nextSSE(t *testing.T, ch <-chan sseEvent) sseEvent {
	t.Helper()
	select {
	case e := <-ch:
		return e
	case <-time.After(streamWait):
		t.Fatal("no event")
		return sseEvent{}
	}
}

func TestStreamingSSEUpdateAndDelete(t *testing.T) {
	in := newStreamInstance(t, 0)
	ch := openSSE(t, in, "/api/v1/streaming/user", in.token(t, "read"))

	p := in.post(t, "hello stream", store.Public)
	e := nextSSE(t, ch)
	if e.name != "update" {
		t.Fatalf("event %q, want update", e.name)
	}
	var st api.APIStatus
	if err := json.Unmarshal([]byte(e.data), &st); err != nil {
		t.Fatalf("payload %q: %v", e.data, err)
	}
	if st.ID != core.APIID(p.ID) || !strings.Contains(st.Content, "hello stream") {
		t.Errorf("status id %s content %q, want id %d with the text", st.ID, st.Content, p.ID)
	}

	if _, err := in.fed.Delete(context.Background(), p.ID); err != nil {
		t.Fatal(err)
	}
	e = nextSSE(t, ch)
	if e.name != "delete" || e.data != core.APIID(p.ID) {
		t.Errorf("got %q %q, want delete %d", e.name, e.data, p.ID)
	}
}

func TestStreamingSSEPublicAndHashtag(t *testing.T) {
	in := newStreamInstance(t, 0)
	token := in.token(t, "read:statuses")
	local := openSSE(t, in, "/api/v1/streaming/public/local", token)
	remote := openSSE(t, in, "/api/v1/streaming/public/remote", token)
	tag := openSSE(t, in, "/api/v1/streaming/hashtag?tag=Kith", token)

	in.post(t, "followers only #kith", store.Private) // on no public stream
	p := in.post(t, "about #kith", store.Public)
	for name, ch := range map[string]<-chan sseEvent{"public:local": local, "hashtag": tag} {
		e := nextSSE(t, ch)
		var st api.APIStatus
		json.Unmarshal([]byte(e.data), &st)
		if e.name != "update" || st.ID != core.APIID(p.ID) {
			t.Errorf("%s: got %q for status %s, want update of %d", name, e.name, st.ID, p.ID)
		}
	}
	select {
	case e := <-remote:
		t.Errorf("public:remote got %+v for a local post", e)
	default:
	}
}

func TestStreamingSSENotification(t *testing.T) {
	in := newStreamInstance(t, 0)
	ctx := context.Background()
	ch := openSSE(t, in, "/api/v1/streaming/user/notification", in.token(t, "read:notifications"))

	// A pending follow request, accepted by the owner: federation makes
	// a "follow" notification and announces it.
	var follower int64
	err := in.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		follower, err = tx.UpsertActor(ctx, store.Actor{URI: "https://remote.test/users/ann", Username: "ann", Domain: "remote.test",
			Type: "Person", Inbox: "https://remote.test/users/ann/inbox"})
		if err != nil {
			return err
		}
		return tx.PutFollow(ctx, store.Follow{FollowerID: follower, FolloweeID: in.db.OwnerID(), State: store.FollowPending,
			ActivityURI: "https://remote.test/follows/1"})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := in.fed.AcceptFollower(ctx, follower); err != nil {
		t.Fatal(err)
	}
	e := nextSSE(t, ch)
	var n api.APINotification
	if err := json.Unmarshal([]byte(e.data), &n); err != nil {
		t.Fatalf("payload %q: %v", e.data, err)
	}
	if e.name != "notification" || n.Type != "follow" || n.Account.ID != core.APIID(follower) {
		t.Errorf("got %q type %q from %s, want a follow notification from %d", e.name, n.Type, n.Account.ID, follower)
	}
}

func TestStreamingRefusals(t *testing.T) {
	in := newStreamInstance(t, 0)
	tests := []struct {
		name, path, token string
		want              int
	}{
		{"no token", "/api/v1/streaming/user", "", http.StatusUnauthorized},
		{"unknown token", "/api/v1/streaming/public", "nope", http.StatusUnauthorized},
		{"wrong scope", "/api/v1/streaming/user", in.token(t, "read:accounts"), http.StatusForbidden},
		{"statuses scope for notifications", "/api/v1/streaming/user/notification", in.token(t, "read:statuses"), http.StatusForbidden},
		{"hashtag without tag", "/api/v1/streaming/hashtag", in.token(t, "read"), http.StatusBadRequest},
		{"unknown list", "/api/v1/streaming/list?list=99", in.token(t, "read"), http.StatusNotFound},
		{"websocket without token", "/api/v1/streaming?stream=user", "", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, in.http.URL+tt.path, nil)
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

func TestStreamingHealth(t *testing.T) {
	in := newStreamInstance(t, 0)
	resp, err := http.Get(in.http.URL + "/api/v1/streaming/health")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(b) != "OK" {
		t.Errorf("got %d %q, want 200 OK", resp.StatusCode, b)
	}
}

// readFrame reads one WebSocket frame within streamWait.
func readFrame(t *testing.T, conn *websocket.Conn) api.StreamFrame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), streamWait)
	defer cancel()
	_, data, err := conn.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var f api.StreamFrame
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatalf("frame %s: %v", data, err)
	}
	return f
}

func sendJSON(t *testing.T, conn *websocket.Conn, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	ctx, cancel := context.WithTimeout(context.Background(), streamWait)
	defer cancel()
	if err := conn.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
}

// sync waits until the server has handled every message sent before: it
// asks for a stream that does not exist and waits for the refusal, which
// the server sends after applying the earlier messages in order.
func syncSocket(t *testing.T, conn *websocket.Conn) {
	t.Helper()
	sendJSON(t, conn, map[string]string{"type": "subscribe", "stream": "nonexistent"})
	if f := readFrame(t, conn); f.Event != "error" {
		t.Fatalf("got %+v, want the error frame", f)
	}
}

func TestStreamingWebSocket(t *testing.T) {
	in := newStreamInstance(t, 0)
	token := in.token(t, "read")
	ctx, cancel := context.WithTimeout(context.Background(), streamWait)
	defer cancel()
	u := "ws" + strings.TrimPrefix(in.http.URL, "http") + "/api/v1/streaming"
	conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{Subprotocols: []string{token}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != token {
		t.Errorf("Sec-WebSocket-Protocol %q, want the token echoed", got)
	}

	sendJSON(t, conn, map[string]string{"type": "subscribe", "stream": "hashtag", "tag": "news"})
	syncSocket(t, conn)
	p := in.post(t, "#news of the day", store.Public)
	f := readFrame(t, conn)
	if f.Event != "update" || len(f.Stream) != 2 || f.Stream[0] != "hashtag" || f.Stream[1] != "news" || f.Payload == nil {
		t.Fatalf("got %+v, want an update on [hashtag news]", f)
	}
	var st api.APIStatus
	if err := json.Unmarshal([]byte(*f.Payload), &st); err != nil || st.ID != core.APIID(p.ID) {
		t.Errorf("payload %s (%v), want status %d", *f.Payload, err, p.ID)
	}

	sendJSON(t, conn, map[string]string{"type": "unsubscribe", "stream": "hashtag", "tag": "news"})
	syncSocket(t, conn)
	if in.hub.Listening(events.Filter{Stream: events.Hashtag, Tag: "news"}) {
		t.Error("still subscribed after unsubscribe")
	}
	in.post(t, "more #news", store.Public)
	syncSocket(t, conn) // the next frame is the refusal, not an update
}

func TestStreamingWebSocketStreamAtConnect(t *testing.T) {
	in := newStreamInstance(t, 0)
	ctx, cancel := context.WithTimeout(context.Background(), streamWait)
	defer cancel()
	u := "ws" + strings.TrimPrefix(in.http.URL, "http") + "/api/v1/streaming?stream=user&access_token=" + in.token(t, "read:statuses")
	conn, _, err := websocket.Dial(ctx, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	p := in.post(t, "to my followers", store.Private)
	f := readFrame(t, conn)
	if f.Event != "update" || len(f.Stream) != 1 || f.Stream[0] != "user" {
		t.Fatalf("got %+v, want an update on [user]", f)
	}
	var st api.APIStatus
	if json.Unmarshal([]byte(*f.Payload), &st); st.ID != core.APIID(p.ID) {
		t.Errorf("status %s, want %d", st.ID, p.ID)
	}
}

func TestStreamingSlowSubscriberDoesNotBlockPosting(t *testing.T) {
	in := newStreamInstance(t, 1)
	sub, err := in.hub.Subscribe(events.Filter{Stream: events.User}) // never read
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Cancel()
	done := make(chan error, 1)
	go func() {
		var err error
		for range 3 {
			if _, err = in.fed.Post(context.Background(), federation.NewPost{Text: "nobody reads this", Visibility: store.Public}); err != nil {
				break
			}
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(streamWait):
		t.Fatal("posting blocked on a subscriber that does not read")
	}
	if st := in.hub.Stats(); st.Dropped != 2 {
		t.Errorf("dropped %d events, want 2", st.Dropped)
	}
}

// Changing filters tells open user streams, so apps reload them.
func TestStreamingFiltersChanged(t *testing.T) {
	in := newStreamInstance(t, 0)
	token := in.token(t, "read write")
	ch := openSSE(t, in, "/api/v1/streaming/user", token)
	req, _ := http.NewRequest("POST", in.http.URL+"/api/v2/filters", strings.NewReader(`{"title":"spoilers","context":["home"],"keywords_attributes":[{"keyword":"finale"}]}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("create filter: status %d", resp.StatusCode)
	}
	if e := nextSSE(t, ch); e.name != "filters_changed" {
		t.Errorf("event %q, want filters_changed", e.name)
	}
}

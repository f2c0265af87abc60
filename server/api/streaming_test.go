package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"kith/events"
	"kith/federation"
	"kith/server/api"
	"kith/server/core"
	"kith/server/servertest"
	"kith/store"
)

func TestStreamingSSEUpdateAndDelete(t *testing.T) {
	in := servertest.NewStreamInstance(t, 0)
	ch := servertest.OpenSSE(t, in, "/api/v1/streaming/user", in.Token(t, "read"))

	p := in.Post(t, "hello stream", store.Public)
	e := servertest.NextSSE(t, ch)
	if e.Name != "update" {
		t.Fatalf("event %q, want update", e.Name)
	}
	var st api.APIStatus
	if err := json.Unmarshal([]byte(e.Data), &st); err != nil {
		t.Fatalf("payload %q: %v", e.Data, err)
	}
	if st.ID != core.APIID(p.ID) || !strings.Contains(st.Content, "hello stream") {
		t.Errorf("status id %s content %q, want id %d with the text", st.ID, st.Content, p.ID)
	}

	if _, err := in.Fed.Delete(context.Background(), p.ID); err != nil {
		t.Fatal(err)
	}
	e = servertest.NextSSE(t, ch)
	if e.Name != "delete" || e.Data != core.APIID(p.ID) {
		t.Errorf("got %q %q, want delete %d", e.Name, e.Data, p.ID)
	}
}

func TestStreamingSSEPublicAndHashtag(t *testing.T) {
	in := servertest.NewStreamInstance(t, 0)
	token := in.Token(t, "read:statuses")
	local := servertest.OpenSSE(t, in, "/api/v1/streaming/public/local", token)
	remote := servertest.OpenSSE(t, in, "/api/v1/streaming/public/remote", token)
	tag := servertest.OpenSSE(t, in, "/api/v1/streaming/hashtag?tag=Kith", token)

	in.Post(t, "followers only #kith", store.Private) // on no public stream
	p := in.Post(t, "about #kith", store.Public)
	for name, ch := range map[string]<-chan servertest.SSEEvent{"public:local": local, "hashtag": tag} {
		e := servertest.NextSSE(t, ch)
		var st api.APIStatus
		json.Unmarshal([]byte(e.Data), &st)
		if e.Name != "update" || st.ID != core.APIID(p.ID) {
			t.Errorf("%s: got %q for status %s, want update of %d", name, e.Name, st.ID, p.ID)
		}
	}
	select {
	case e := <-remote:
		t.Errorf("public:remote got %+v for a local post", e)
	default:
	}
}

func TestStreamingSSENotification(t *testing.T) {
	in := servertest.NewStreamInstance(t, 0)
	ctx := context.Background()
	ch := servertest.OpenSSE(t, in, "/api/v1/streaming/user/notification", in.Token(t, "read:notifications"))

	// A pending follow request, accepted by the owner: federation makes
	// a "follow" notification and announces it.
	var follower int64
	err := in.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		follower, err = tx.UpsertActor(ctx, store.Actor{URI: "https://remote.test/users/ann", Username: "ann", Domain: "remote.test",
			Type: "Person", Inbox: "https://remote.test/users/ann/inbox"})
		if err != nil {
			return err
		}
		return tx.PutFollow(ctx, store.Follow{FollowerID: follower, FolloweeID: in.DB.OwnerID(), State: store.FollowPending,
			ActivityURI: "https://remote.test/follows/1"})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Fed.AcceptFollower(ctx, follower); err != nil {
		t.Fatal(err)
	}
	e := servertest.NextSSE(t, ch)
	var n api.APINotification
	if err := json.Unmarshal([]byte(e.Data), &n); err != nil {
		t.Fatalf("payload %q: %v", e.Data, err)
	}
	if e.Name != "notification" || n.Type != "follow" || n.Account.ID != core.APIID(follower) {
		t.Errorf("got %q type %q from %s, want a follow notification from %d", e.Name, n.Type, n.Account.ID, follower)
	}
}

func TestStreamingRefusals(t *testing.T) {
	in := servertest.NewStreamInstance(t, 0)
	tests := []struct {
		name, path, token string
		want              int
	}{
		{"no token", "/api/v1/streaming/user", "", http.StatusUnauthorized},
		{"unknown token", "/api/v1/streaming/public", "nope", http.StatusUnauthorized},
		{"wrong scope", "/api/v1/streaming/user", in.Token(t, "read:accounts"), http.StatusForbidden},
		{"statuses scope for notifications", "/api/v1/streaming/user/notification", in.Token(t, "read:statuses"), http.StatusForbidden},
		{"hashtag without tag", "/api/v1/streaming/hashtag", in.Token(t, "read"), http.StatusBadRequest},
		{"unknown list", "/api/v1/streaming/list?list=99", in.Token(t, "read"), http.StatusNotFound},
		{"websocket without token", "/api/v1/streaming?stream=user", "", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, in.HTTP.URL+tt.path, nil)
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
	in := servertest.NewStreamInstance(t, 0)
	resp, err := http.Get(in.HTTP.URL + "/api/v1/streaming/health")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(b) != "OK" {
		t.Errorf("got %d %q, want 200 OK", resp.StatusCode, b)
	}
}

// readFrame reads one WebSocket frame within servertest.StreamWait.
func readFrame(t *testing.T, conn *websocket.Conn) api.StreamFrame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), servertest.StreamWait)
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
	ctx, cancel := context.WithTimeout(context.Background(), servertest.StreamWait)
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
	in := servertest.NewStreamInstance(t, 0)
	token := in.Token(t, "read")
	ctx, cancel := context.WithTimeout(context.Background(), servertest.StreamWait)
	defer cancel()
	u := "ws" + strings.TrimPrefix(in.HTTP.URL, "http") + "/api/v1/streaming"
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
	p := in.Post(t, "#news of the day", store.Public)
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
	if in.Hub.Listening(events.Filter{Stream: events.Hashtag, Tag: "news"}) {
		t.Error("still subscribed after unsubscribe")
	}
	in.Post(t, "more #news", store.Public)
	syncSocket(t, conn) // the next frame is the refusal, not an update
}

func TestStreamingWebSocketStreamAtConnect(t *testing.T) {
	in := servertest.NewStreamInstance(t, 0)
	ctx, cancel := context.WithTimeout(context.Background(), servertest.StreamWait)
	defer cancel()
	u := "ws" + strings.TrimPrefix(in.HTTP.URL, "http") + "/api/v1/streaming?stream=user&access_token=" + in.Token(t, "read:statuses")
	conn, _, err := websocket.Dial(ctx, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	p := in.Post(t, "to my followers", store.Private)
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
	in := servertest.NewStreamInstance(t, 1)
	sub, err := in.Hub.Subscribe(events.Filter{Stream: events.User}) // never read
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Cancel()
	done := make(chan error, 1)
	go func() {
		var err error
		for range 3 {
			if _, err = in.Fed.Post(context.Background(), federation.NewPost{Text: "nobody reads this", Visibility: store.Public}); err != nil {
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
	case <-time.After(servertest.StreamWait):
		t.Fatal("posting blocked on a subscriber that does not read")
	}
	if st := in.Hub.Stats(); st.Dropped != 2 {
		t.Errorf("dropped %d events, want 2", st.Dropped)
	}
}

// Changing filters tells open user streams, so apps reload them.
func TestStreamingFiltersChanged(t *testing.T) {
	in := servertest.NewStreamInstance(t, 0)
	token := in.Token(t, "read write")
	ch := servertest.OpenSSE(t, in, "/api/v1/streaming/user", token)
	req, _ := http.NewRequest("POST", in.HTTP.URL+"/api/v2/filters", strings.NewReader(`{"title":"spoilers","context":["home"],"keywords_attributes":[{"keyword":"finale"}]}`))
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
	if e := servertest.NextSSE(t, ch); e.Name != "filters_changed" {
		t.Errorf("event %q, want filters_changed", e.Name)
	}
}

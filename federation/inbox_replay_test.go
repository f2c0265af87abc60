package federation_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"kith/federation"
	"kith/federation/httpsig"
)

// captured is a signed delivery as it went over the wire: what someone who
// recorded it (a proxy's log, a compromised relay) can send again.
type captured struct {
	url    string
	host   string // the Host header, "" for the URL's
	header http.Header
	body   []byte
}

// capture signs a POST of activity to url by a at when; host, when set,
// is the Host the request is signed for (and sent with).
func capture(t *testing.T, a fakeActor, url, host string, activity any, when time.Time) captured {
	t.Helper()
	body := mustJSON(t, activity)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	req.Header.Set("Content-Type", federation.ActivityJSON)
	if err := httpsig.SignRequest(req, body, a.keyID, a.key, when); err != nil {
		t.Fatal(err)
	}
	return captured{url: url, host: host, header: req.Header, body: body}
}

// send posts the captured bytes and returns the status code.
func (c captured) send(t *testing.T, n *network) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.url, bytes.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = c.host
	req.Header = c.header.Clone()
	resp, err := n.client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestInboxReplay: a captured delivery sent again is refused, even after
// the activity it carried was applied and undone; the same activity signed
// afresh (a peer's retry signs again, with a new Date) is accepted.
func TestInboxReplay(t *testing.T) {
	n, alice, peer := newPeerNetwork(t, nil)
	mallory := peer.addActor(t, "http://remote.test/users/mallory", fakeKeys()[0])
	ctx := context.Background()
	post, err := alice.fed.Post(ctx, federation.NewPost{Text: "like me"})
	if err != nil {
		t.Fatal(err)
	}
	likes := func() int {
		t.Helper()
		n.settle()
		c, err := alice.db.CountLikes(ctx, post.ID)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	inbox := alice.fed.URLs().SharedInbox()
	like := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": mallory.id + "#likes/1",
		"type": "Like", "actor": mallory.id, "object": post.URI}
	undo := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": mallory.id + "#likes/1/undo",
		"type": "Undo", "actor": mallory.id, "object": like}

	now := time.Now()
	first := capture(t, mallory, inbox, "", like, now)
	if got, want := first.send(t, n), http.StatusAccepted; got != want {
		t.Fatalf("like: status %d, want %d", got, want)
	}
	if got, want := likes(), 1; got != want {
		t.Fatalf("after the like: %d likes, want %d", got, want)
	}
	if got, want := capture(t, mallory, inbox, "", undo, now).send(t, n), http.StatusAccepted; got != want {
		t.Fatalf("undo: status %d, want %d", got, want)
	}
	if got, want := likes(), 0; got != want {
		t.Fatalf("after the undo: %d likes, want %d", got, want)
	}

	// The same bytes again, within the Date window: refused, not counted.
	if got, want := first.send(t, n), http.StatusUnauthorized; got != want {
		t.Errorf("replayed like: status %d, want %d", got, want)
	}
	if got, want := likes(), 0; got != want {
		t.Errorf("after the replay: %d likes, want %d", got, want)
	}
	notes, err := alice.db.Notifications(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(notes), 1; got != want {
		t.Errorf("%d notifications, want %d", got, want)
	}

	// Signed again with a later Date it is a new delivery.
	if got, want := capture(t, mallory, inbox, "", like, now.Add(time.Second)).send(t, n), http.StatusAccepted; got != want {
		t.Errorf("re-signed like: status %d, want %d", got, want)
	}
	if got, want := likes(), 1; got != want {
		t.Errorf("after the re-signed like: %d likes, want %d", got, want)
	}
}

// TestInboxHostBinding: a delivery signed for another server's inbox is
// refused, however valid its signature; the signed host must be kith's
// own, port included, in any letter case.
func TestInboxHostBinding(t *testing.T) {
	n, alice, peer := newPeerNetwork(t, nil)
	mallory := peer.addActor(t, "http://remote.test/users/mallory", fakeKeys()[0])
	own := alice.fed.URLs().Host() // alice.test:PORT
	name, port, _ := strings.Cut(own, ":")
	tests := []struct {
		name string
		host string
		want int
	}{
		{"another server", "other.example", http.StatusUnauthorized},
		{"another server, same port", "other.example:" + port, http.StatusUnauthorized},
		{"kith's name, another port", name + ":1", http.StatusUnauthorized},
		{"kith's name without the port", name, http.StatusUnauthorized},
		{"kith's host in capitals", strings.ToUpper(name) + ":" + port, http.StatusAccepted},
		{"kith's host", own, http.StatusAccepted},
	}
	for i, tt := range tests {
		for _, inbox := range inboxURLs(alice) {
			t.Run(tt.name+" at "+strings.TrimPrefix(inbox, alice.fed.URLs().Base()), func(t *testing.T) {
				note := mallory.id + "/notes/" + strings.ReplaceAll(tt.name, " ", "-") + inbox[len(inbox)-6:]
				act := mentionOf(mallory.id, alice, note, "hello")
				if got := capture(t, mallory, inbox, tt.host, act, time.Now()).send(t, n); got != tt.want {
					t.Errorf("status %d, want %d", got, tt.want)
				}
				n.settle()
				if _, stored := postOn(alice, note); stored != (tt.want == http.StatusAccepted) {
					t.Errorf("stored = %v, want %v (case %d)", stored, !stored, i)
				}
			})
		}
	}
}

package e2e

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"kith/federation/webpush/webpushtest"
	"kith/tests/bench"
)

// pushCounter is a push service that decrypts what it receives and
// counts the pushes by notification id.
type pushCounter struct {
	recv *webpushtest.Receiver
	mu   sync.Mutex
	got  map[int64]int
	bad  []string
}

// subscribeReceiver subscribes to mentions on in, through the API with a
// token from `kith token create`, for a receiver on loopback.
func subscribeReceiver(t *testing.T, in *bench.Instance) *pushCounter {
	t.Helper()
	recv, err := webpushtest.NewReceiver()
	if err != nil {
		t.Fatal(err)
	}
	c := &pushCounter{recv: recv, got: map[int64]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		plain, err := recv.Decrypt(r.Header, body)
		var p struct {
			NotificationID int64 `json:"notification_id"`
		}
		if err == nil {
			err = json.Unmarshal(plain, &p)
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if err != nil {
			c.bad = append(c.bad, err.Error())
		} else {
			c.got[p.NotificationID]++
		}
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(srv.Close)
	r := kith(t, in.Dir, "", "token", "create", "--config", in.Config, "--scopes", "read push", "--name", "push receiver")
	if r.code != 0 {
		t.Fatalf("token create: exit %d: %s", r.code, r.stderr)
	}
	var sub map[string]any
	apiPostForm(t, in.URL, strings.TrimSpace(r.stdout), "/api/v1/push/subscription", url.Values{
		"subscription[endpoint]": {srv.URL + "/push"}, "subscription[keys][p256dh]": {recv.P256dh()},
		"subscription[keys][auth]": {recv.AuthSecret()}, "subscription[standard]": {"true"}, "data[alerts][mention]": {"true"},
	}, &sub)
	return c
}

// checkPushed checks that every mention notification reached the
// receiver.
func checkPushed(t *testing.T, ctx context.Context, db *sql.DB, c *pushCounter) {
	t.Helper()
	rows, err := db.QueryContext(ctx, `SELECT id FROM notifications WHERE type = 'mention'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	c.mu.Lock()
	defer c.mu.Unlock()
	var mentions, missing, dups int
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		mentions++
		switch n := c.got[id]; {
		case n == 0:
			missing++
			if missing <= 5 {
				t.Errorf("notification %d was never pushed", id)
			}
		case n > 1:
			dups += n - 1
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(c.bad) > 0 {
		t.Errorf("%d pushes could not be read, first: %s", len(c.bad), c.bad[0])
	}
	if mentions == 0 {
		t.Fatal("kith recorded no mention")
	}
	if missing > 0 {
		t.Errorf("%d of %d mentions never pushed", missing, mentions)
	}
	t.Logf("%d mentions pushed, %d duplicates after the restart", mentions, dups)
}

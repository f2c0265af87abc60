package federation_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"kith/federation"
	"kith/store"
)

// Failed deliveries add up by host, the host with the most first, each
// with its latest error and soonest retry; deliveries that have not failed
// and other kinds of job do not count.
func TestFailingHosts(t *testing.T) {
	ctx := context.Background()
	n := newNetwork(t, "alice")
	db := n.nodes[0].db
	now := time.Now()
	type row struct {
		inbox, err string
		dead       bool
		retryIn    time.Duration
	}
	rows := []row{
		{"https://down.example/inbox", "deliver to https://down.example/inbox: 502 Bad Gateway", false, 5 * time.Minute},
		{"https://down.example/users/a/inbox", "deliver: 503", false, time.Minute},
		{"https://DOWN.example/users/b/inbox", "deliver: 500", true, 0},
		{"https://gone.example/inbox", "deliver: 410 Gone", true, 0},
		{"https://fine.example/inbox", "", false, 0},
	}
	for i, r := range rows {
		payload := fmt.Sprintf(`{"activity":%d,"inbox":%q}`, i+1, r.inbox)
		err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.EnqueueJob(ctx, federation.JobKindDeliver, []byte(payload), store.EnqueueOptions{RunAt: now.Add(time.Hour)})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		queued, err := db.Jobs(ctx, store.JobQueued, 1000)
		if err != nil {
			t.Fatal(err)
		}
		var id int64
		for _, j := range queued {
			if string(j.Payload) == payload {
				id = j.ID
			}
		}
		err = db.InTx(ctx, func(tx *store.Tx) error {
			switch {
			case r.dead:
				return tx.BuryJob(ctx, id, r.err)
			case r.err != "":
				return tx.RetryJob(ctx, id, now.Add(r.retryIn), r.err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := n.nodes[0].fed.FailingHosts(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d hosts, want down.example and gone.example: %+v", len(got), got)
	}
	down, gone := got[0], got[1]
	if down.Host != "down.example" || down.Retrying != 2 || down.Dead != 1 || down.NextRetry.Unix() != now.Add(time.Minute).Unix() {
		t.Errorf("first host %+v, want down.example: 2 retrying (next in a minute), 1 dead", down)
	}
	if down.LastError == "" {
		t.Error("down.example: no last error")
	}
	if gone.Host != "gone.example" || gone.Dead != 1 || gone.Retrying != 0 || !gone.NextRetry.IsZero() || gone.LastError != "deliver: 410 Gone" {
		t.Errorf("second host %+v, want gone.example, one dead delivery with its error", gone)
	}
	if one, _ := n.nodes[0].fed.FailingHosts(ctx, 1); len(one) != 1 || one[0].Host != "down.example" {
		t.Errorf("limit 1: %+v", one)
	}
}

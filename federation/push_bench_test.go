package federation_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"testing"
	"time"

	"kith/federation"
	"kith/federation/httpsig"
	"kith/store"
)

// BenchmarkInboxMention times what a mention costs the inbox: receiving
// one signed Create and running its inbox job, which stores the post, the
// notification and the push work for the owner's subscriptions. Sending
// the pushes is asynchronous and left out of the time: the store's clock
// runs an hour ahead while the inbox job runs, so the push work it queues
// is not yet due; it is sent, untimed, after each mention, and its garbage
// collected.
//
//	go test -run '^$' -bench InboxMention -count 5 ./federation
func BenchmarkInboxMention(b *testing.B) {
	for _, subs := range []int{0, 10} {
		b.Run(fmt.Sprintf("subscriptions=%d", subs), func(b *testing.B) {
			benchmarkInboxMention(b, subs)
		})
	}
}

func benchmarkInboxMention(b *testing.B, subs int) {
	ctx := context.Background()
	n, alice, peer := newPeerNetwork(b, nil)
	mallory := peer.addActor(b, "http://remote.test/users/mallory", fakeKeys()[0])
	p := newPushService(b)
	for i := range subs {
		subscribe(b, alice, p, fmt.Sprintf("app%d", i), i%2 == 0, "all")
	}
	client := n.client()
	mention := func(i int) *http.Request {
		body := mustJSON(b, mentionOf(mallory.id, alice, fmt.Sprintf("%s/notes/%d", mallory.id, i), "hello alice"))
		req, err := http.NewRequest(http.MethodPost, alice.fed.URLs().SharedInbox(), bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Content-Type", federation.ActivityJSON)
		if err := httpsig.SignRequest(req, body, mallory.keyID, mallory.key, time.Now()); err != nil {
			b.Fatal(err)
		}
		return req
	}
	// The first mention fetches mallory's actor; the timed ones do not.
	receive(b, client, mention(-1))
	n.settle()

	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		req := mention(i)
		b.StartTimer()
		receive(b, client, req)
		alice.db.SetClock(func() time.Time { return time.Now().Add(time.Hour) })
		if _, err := alice.runner.RunDue(ctx); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		alice.db.SetClock(time.Now)
		if err := alice.db.InTx(ctx, func(tx *store.Tx) error { return tx.MakeJobsDue(ctx, "push") }); err != nil {
			b.Fatal(err)
		}
		n.settle()
		// The sending's garbage is collected now, not by the next
		// mention's time.
		runtime.GC()
		b.StartTimer()
	}
	b.StopTimer()
	pushed := 0
	for i := range subs {
		pushed += len(p.take(fmt.Sprintf("app%d", i)))
	}
	if want := subs * (b.N + 1); pushed != want {
		b.Errorf("%d pushes, want %d", pushed, want)
	}
	if counts, err := alice.db.JobCounts(ctx); err != nil || len(counts) > 0 && counts["push"]["dead"] != 0 {
		b.Errorf("jobs: %v, %v", counts, err)
	}
}

// receive POSTs a signed activity and wants it taken.
func receive(b *testing.B, client *http.Client, req *http.Request) {
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		b.Fatalf("status %d, want 202", resp.StatusCode)
	}
}

package server

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"kith/store"
)

// BenchmarkWebProfilePage renders the owner's public profile page (pinned
// posts, then 20 posts and boosts) for a visitor, over HTTP, with 100k
// posts stored (-home-posts); DESIGN's target is p50 ≤ 3 ms.
func BenchmarkWebProfilePage(b *testing.B) {
	in := newBenchInstance(b)
	fillHome(b, in, *benchHomePosts)
	ctx := context.Background()
	owner := in.fed.LocalActorID()
	// Pin two of the owner's older public posts, as a profile would have.
	own, err := in.db.AccountStatuses(ctx, owner, store.Page{Limit: 40, MaxID: 50000},
		store.AccountOptions{Visibilities: []string{store.Public}, ExcludeReblogs: true})
	if err != nil || len(own) < 2 {
		b.Fatalf("owner's posts: %d, %v", len(own), err)
	}
	err = in.db.InTx(ctx, func(tx *store.Tx) error {
		for _, p := range own[:2] {
			if err := tx.PutPin(ctx, owner, p.URI); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	defer client.CloseIdleConnections()
	get := func() string {
		resp, err := client.Get(in.http.URL + "/@admin")
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("status %d, %v: %.200s", resp.StatusCode, err, body)
		}
		return string(body)
	}
	page := get()
	if n := strings.Count(page, `<article class="status`); n != profilePageSize+2 {
		b.Fatalf("profile page: %d posts, want %d and 2 pinned", n, profilePageSize)
	}
	var durations []time.Duration
	for b.Loop() {
		t0 := time.Now()
		get()
		durations = append(durations, time.Since(t0))
	}
	reportPercentiles(b, durations, 50, 90, 99)
	b.ReportMetric(float64(len(page))/1024, "html-KB")
}

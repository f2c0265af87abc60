package api_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"kith/server/servertest"
)

// A scheduled post is published by the periodic job once its time comes,
// and not before.
func TestScheduledStatusIsPublished(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write")
	when := in.Clock.Now().Add(10 * time.Minute).UTC().Format(time.RFC3339)
	res := c.mustCall(t, http.StatusOK, "POST", "/api/v1/statuses", url.Values{"status": {"later, world"}, "scheduled_at": {when}})
	sched := res.object(t)
	ctx := context.Background()

	if err := in.Srv.Fed.PublishScheduled(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(c.mustCall(t, http.StatusOK, "GET", "/api/v1/scheduled_statuses", nil).list(t)); got != 1 {
		t.Fatalf("before its time: %d scheduled statuses, want 1", got)
	}
	in.Clock.Add(11 * time.Minute)
	if err := in.Srv.Fed.PublishScheduled(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(c.mustCall(t, http.StatusOK, "GET", "/api/v1/scheduled_statuses", nil).list(t)); got != 0 {
		t.Errorf("after its time: %d scheduled statuses left, want 0 (id %v)", got, sched["id"])
	}
	owner, _ := in.DB.LocalActor(ctx)
	posts, err := in.DB.PostsByAuthor(ctx, owner.ID, nil, time.Time{}, 10)
	if err != nil || len(posts) != 1 || posts[0].Source != "later, world" {
		t.Errorf("published posts = %+v, %v; want the scheduled one", posts, err)
	}
}

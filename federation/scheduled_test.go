package federation_test

import (
	"context"
	"encoding/json"
	"net"
	"slices"
	"strconv"
	"testing"
	"time"

	"kith/federation"
	"kith/store"
	"kith/tests/testclock"
)

// A scheduled post is published as it was asked for once its time comes;
// one that can no longer be made is dropped, and one not yet due waits.
func TestPublishScheduled(t *testing.T) {
	ctx := context.Background()
	clock := testclock.New()
	n := &network{t: t, hosts: map[string]string{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n.hosts["alice.test"] = ln.Addr().String()
	k := n.start("alice", ln, func(o *federation.Options) { o.Now = clock.Now })
	parent, err := k.fed.Post(ctx, federation.NewPost{Text: "first"})
	if err != nil {
		t.Fatal(err)
	}

	lang, parentID, missing := "de", strconv.FormatInt(parent.ID, 10), "999999"
	schedule := func(at time.Duration, params []byte) int64 {
		t.Helper()
		var id int64
		err := k.db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			id, err = tx.CreateScheduledStatus(ctx, store.ScheduledStatus{ScheduledAt: clock.Now().Add(at), Params: params})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	asJSON := func(req federation.StatusRequest) []byte {
		b, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	schedule(10*time.Minute, asJSON(federation.StatusRequest{Text: "<b>later</b>", SpoilerText: "cw", Sensitive: true,
		Visibility: store.Unlisted, Language: &lang, InReplyToID: &parentID,
		Poll: &federation.StatusRequestPoll{Options: []string{"yes", "no"}, ExpiresIn: 3600, Multiple: true}}))
	schedule(10*time.Minute, asJSON(federation.StatusRequest{Text: "gone media", MediaIDs: []string{missing}}))
	schedule(10*time.Minute, []byte("{not json"))
	waiting := schedule(time.Hour, asJSON(federation.StatusRequest{Text: "much later"}))

	if err := k.fed.PublishScheduled(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(scheduledLeft(t, k)); got != 4 {
		t.Fatalf("before their time: %d scheduled, want 4", got)
	}
	clock.Add(11 * time.Minute)
	if err := k.fed.PublishScheduled(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := scheduledLeft(t, k), []int64{waiting}; !slices.Equal(got, want) {
		t.Errorf("scheduled left %v, want %v (the one not due)", got, want)
	}

	posts, err := k.db.PostsByAuthor(ctx, k.db.OwnerID(), nil, time.Time{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 2 {
		t.Fatalf("%d posts, want the first and the scheduled reply", len(posts))
	}
	p := posts[0]
	if p.Source != "<b>later</b>" || p.SourceType != store.TextPlain || p.Summary != "cw" || !p.Sensitive ||
		p.Visibility != store.Unlisted || p.Language != "de" || p.InReplyToURI != parent.URI {
		t.Errorf("published %+v, want the scheduled reply as asked", p)
	}
	if p.Poll == nil || len(p.Poll.Options) != 2 || !p.Poll.Multiple || !p.Poll.ExpiresAt.Equal(p.PublishedAt.Add(time.Hour)) {
		t.Errorf("poll %+v, want two options, multiple, ending an hour after publishing", p.Poll)
	}
}

// scheduledLeft are the ids of the scheduled posts still stored.
func scheduledLeft(t *testing.T, k *kith) []int64 {
	t.Helper()
	all, err := k.db.ScheduledStatuses(context.Background(), store.Page{Limit: 40})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, s := range all {
		ids = append(ids, s.ID)
	}
	slices.Sort(ids)
	return ids
}

package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"kith/store"
)

// The operator commands run as an operator runs them: the real binary
// against the data directory of an instance made by kith init. The rows
// they work on are seeded through the store, and what is left afterwards
// is read back from it.

// adminInstance makes an instance whose owner has an actor row, and opens
// its database.
func adminInstance(t *testing.T) (dir string, db *store.DB, owner store.Actor) {
	t.Helper()
	dir, _, _ = initInstance(t)
	// Any command that builds the federation side writes the owner's actor.
	if r := kith(t, dir, "", "account", "alias", "list"); r.code != 0 {
		t.Fatalf("alias list: exit %d %s", r.code, r.stderr)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "kith-data", "kith.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if owner, err = db.LocalActor(ctx); err != nil {
		t.Fatal(err)
	}
	return dir, db, owner
}

// seed runs fn in a write transaction, failing the test on error.
func seed(t *testing.T, db *store.DB, fn func(ctx context.Context, tx *store.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := db.InTx(ctx, func(tx *store.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

func remoteActor(ctx context.Context, tx *store.Tx, name, domain string) (int64, error) {
	base := "https://" + domain + "/users/" + name
	return tx.UpsertActor(ctx, store.Actor{URI: base, Username: name, Domain: domain, Inbox: base + "/inbox",
		SharedInbox: "https://" + domain + "/inbox", Type: "Person"})
}

func insertPost(ctx context.Context, tx *store.Tx, p store.Post) (int64, error) {
	if p.Visibility == "" {
		p.Visibility = store.Public
	}
	if p.Content == "" {
		p.Content = "<p>" + p.URI + "</p>"
	}
	return tx.InsertPost(ctx, p)
}

func postURIs(t *testing.T, db *store.DB, uris ...string) (kept []string) {
	t.Helper()
	for _, u := range uris {
		if _, err := db.PostByURI(context.Background(), u); err == nil {
			kept = append(kept, u)
		}
	}
	return kept
}

func TestStatusesPrune(t *testing.T) {
	dir, db, owner := adminInstance(t)
	old := time.Now().AddDate(0, 0, -40)
	const r = "https://remote.test/posts/"
	seed(t, db, func(ctx context.Context, tx *store.Tx) error {
		bob, err := remoteActor(ctx, tx, "bob", "remote.test")
		if err != nil {
			return err
		}
		ids := map[string]int64{}
		for _, p := range []store.Post{
			{URI: r + "plain"}, {URI: r + "fresh"}, {URI: r + "faved"}, {URI: r + "bookmarked"},
			{URI: r + "boosted"}, {URI: r + "replied"}, {URI: r + "pinned"}, {URI: r + "thread", Conversation: "conv-1"},
			{URI: r + "mentions", Mentions: []store.Mention{{ActorURI: owner.URI, Name: "@alice"}}},
			{URI: r + "unrelated-thread", Conversation: "conv-2"},
		} {
			p.AuthorID, p.PublishedAt = bob, old
			if p.URI == r+"fresh" {
				p.PublishedAt = time.Now().AddDate(0, 0, -2)
			}
			if ids[p.URI], err = insertPost(ctx, tx, p); err != nil {
				return err
			}
		}
		local := func(p store.Post) error {
			p.AuthorID, p.Local, p.PublishedAt = owner.ID, true, old
			_, err := insertPost(ctx, tx, p)
			return err
		}
		if _, err := tx.PutLike(ctx, owner.ID, ids[r+"faved"], "", owner.URI+"#likes/1"); err != nil {
			return err
		}
		if err := tx.PutBookmark(ctx, ids[r+"bookmarked"]); err != nil {
			return err
		}
		if err := tx.PutPin(ctx, bob, r+"pinned"); err != nil {
			return err
		}
		for _, err := range []error{
			local(store.Post{URI: owner.URI + "/boost", ReblogOfID: ids[r+"boosted"]}),
			local(store.Post{URI: owner.URI + "/reply", InReplyToURI: r + "replied"}),
			local(store.Post{URI: owner.URI + "/in-thread", Conversation: "conv-1"}),
		} {
			if err != nil {
				return err
			}
		}
		return nil
	})
	all := []string{r + "plain", r + "fresh", r + "faved", r + "bookmarked", r + "boosted", r + "replied",
		r + "pinned", r + "thread", r + "mentions", r + "unrelated-thread", owner.URI + "/reply"}

	res := kith(t, dir, "", "statuses", "prune", "--days", "30", "--dry-run")
	if res.code != 0 || !strings.Contains(res.stdout, "2 remote posts older than 30 days would be deleted") {
		t.Fatalf("dry run: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if got := postURIs(t, db, all...); len(got) != len(all) {
		t.Errorf("the dry run deleted posts: %d left of %d", len(got), len(all))
	}
	res = kith(t, dir, "", "statuses", "prune", "--days", "30")
	if res.code != 0 || !strings.Contains(res.stderr, "deleted 2 of 2 posts") || !strings.Contains(res.stdout, "Deleted 2 remote posts") {
		t.Fatalf("prune: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	want := append(slices.Clone(all[1:9]), owner.URI+"/reply")
	if got := postURIs(t, db, all...); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("kept %v\nwant %v", got, want)
	}

	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"statuses", "prune"}, 2, "--days N is required"},
		{[]string{"statuses", "prune", "--days", "0"}, 2, "at least 1"},
		{[]string{"statuses", "frob"}, 2, "unknown subcommand"},
		{[]string{"statuses", "prune", "-h"}, 0, "favourite, boost, bookmark"},
	} {
		res := kith(t, dir, "", tt.args...)
		if res.code != tt.code || !strings.Contains(res.stdout+res.stderr, tt.want) {
			t.Errorf("kith %s: exit %d %s%s, want exit %d and %q", strings.Join(tt.args, " "), res.code, res.stdout, res.stderr, tt.code, tt.want)
		}
	}
}

func TestDomainCommands(t *testing.T) {
	dir, db, owner := adminInstance(t)
	ctx := context.Background()
	seed(t, db, func(ctx context.Context, tx *store.Tx) error {
		for _, d := range []string{"spam.test", "sub.spam.test", "keep.test", "notspam.test"} {
			id, err := remoteActor(ctx, tx, "someone", d)
			if err != nil {
				return err
			}
			if _, err := insertPost(ctx, tx, store.Post{URI: "https://" + d + "/p/1", AuthorID: id, PublishedAt: time.Now(),
				Attachments: []store.Attachment{{URL: "https://" + d + "/m/1.png", MediaType: "image/png"}}}); err != nil {
				return err
			}
			if err := tx.PutFollow(ctx, store.Follow{FollowerID: id, FolloweeID: owner.ID, State: store.FollowAccepted, ActivityURI: "https://" + d + "/f/1"}); err != nil {
				return err
			}
		}
		return nil
	})

	res := kith(t, dir, "", "domain", "purge", "spam.test")
	if res.code != 0 || !strings.Contains(res.stdout, "spam.test: 2 accounts, 2 posts, 2 follows, 2 media attachments") ||
		!strings.Contains(res.stdout, "Nothing was deleted") {
		t.Fatalf("purge without --yes: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if _, err := db.ActorByURI(ctx, "https://spam.test/users/someone"); err != nil {
		t.Errorf("the dry run deleted: %v", err)
	}
	res = kith(t, dir, "", "domain", "purge", "--yes", "spam.test")
	if res.code != 0 || !strings.Contains(res.stderr, "deleted 2 of 2 accounts") {
		t.Fatalf("purge --yes: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	for _, d := range []string{"spam.test", "sub.spam.test", "keep.test", "notspam.test"} {
		_, errA := db.ActorByURI(ctx, "https://"+d+"/users/someone")
		_, errP := db.PostByURI(ctx, "https://"+d+"/p/1")
		gone := errA != nil && errP != nil
		if want := strings.HasSuffix(d, "spam.test") && d != "notspam.test"; gone != want {
			t.Errorf("%s: gone %v (actor %v, post %v), want %v", d, gone, errA, errP, want)
		}
	}
	followers, _, err := db.CountFollows(ctx, owner.ID)
	if err != nil || followers != 2 {
		t.Errorf("owner has %d followers (%v), want the 2 of other domains", followers, err)
	}

	for _, step := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"domain", "block", "Spam.Test"}, 0, "Blocked spam.test"},
		{[]string{"domain", "list"}, 0, "spam.test  owner"},
		{[]string{"domain", "unblock", "spam.test"}, 0, "Unblocked spam.test"},
		{[]string{"domain", "block", "not a domain"}, 1, "is not a domain name"},
		{[]string{"domain", "purge", "--yes", "127.0.0.1"}, 1, "own domain"},
		{[]string{"domain", "purge"}, 2, "missing argument"},
		{[]string{"domain"}, 2, "missing subcommand"},
		{[]string{"help", "domain"}, 0, "kith domain purge"},
	} {
		res := kith(t, dir, "", step.args...)
		if res.code != step.code || !strings.Contains(res.stdout+res.stderr, step.want) {
			t.Errorf("kith %s: exit %d %s%s, want exit %d and %q", strings.Join(step.args, " "), res.code, res.stdout, res.stderr, step.code, step.want)
		}
	}
	if blocks, _ := db.DomainBlocks(ctx); len(blocks) != 0 {
		t.Errorf("domain blocks after unblock: %v", blocks)
	}
}

func TestQueueCommands(t *testing.T) {
	dir, db, _ := adminInstance(t)
	ctx := context.Background()
	var dead []int64
	seed(t, db, func(ctx context.Context, tx *store.Tx) error {
		for i := range 3 {
			payload := fmt.Appendf(nil, `{"activity":1,"inbox":"https://gone%d.test/inbox"}`, i)
			if _, err := tx.EnqueueJob(ctx, "deliver", payload, store.EnqueueOptions{}); err != nil {
				return err
			}
		}
		jobs, err := tx.ClaimJobs(ctx, 3)
		for _, j := range jobs {
			dead = append(dead, j.ID)
			if err := tx.BuryJob(ctx, j.ID, "deliver to https://gone.test/inbox: 410 Gone"); err != nil {
				return err
			}
		}
		return err
	})
	if len(dead) != 3 {
		t.Fatalf("seeded %d dead jobs", len(dead))
	}
	state := func(id int64) string {
		j, err := db.JobByID(ctx, id)
		if err != nil {
			return "gone"
		}
		return j.State
	}
	id := func(i int) string { return fmt.Sprint(dead[i]) }

	res := kith(t, dir, "", "queue", "list", "--dead")
	if res.code != 0 || !strings.Contains(res.stdout, "https://gone1.test/inbox: deliver to https://gone.test/inbox: 410 Gone") ||
		strings.Count(res.stdout, "dead") != 3 {
		t.Fatalf("queue list --dead: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	for _, step := range []struct {
		args []string
		code int
		want string
		// states of the three jobs afterwards
		states string
	}{
		{[]string{"queue", "retry", id(0)}, 0, "Requeued 1 job", "queued dead dead"},
		{[]string{"queue", "retry", id(0)}, 1, "no dead job " + id(0), "queued dead dead"},
		{[]string{"queue", "drop", id(1)}, 0, "Dropped 1 job", "queued gone dead"},
		{[]string{"queue", "drop", id(1)}, 1, "no queued or dead job", "queued gone dead"},
		{[]string{"queue", "retry", "--all-dead"}, 0, "Requeued 1 job", "queued gone queued"},
		{[]string{"queue", "drop", "--all-dead"}, 0, "Dropped 0 job", "queued gone queued"},
		{[]string{"queue", "drop", id(2)}, 0, "Dropped 1 job", "queued gone gone"},
		{[]string{"queue", "retry", "x"}, 1, "not a job id", "queued gone gone"},
		{[]string{"queue", "retry"}, 2, "missing argument", "queued gone gone"},
		{[]string{"queue", "list", "-h"}, 0, "--dead", "queued gone gone"},
	} {
		res := kith(t, dir, "", step.args...)
		if res.code != step.code || !strings.Contains(res.stdout+res.stderr, step.want) {
			t.Errorf("kith %s: exit %d %s%s, want exit %d and %q", strings.Join(step.args, " "), res.code, res.stdout, res.stderr, step.code, step.want)
		}
		if got := state(dead[0]) + " " + state(dead[1]) + " " + state(dead[2]); got != step.states {
			t.Errorf("after kith %s: jobs are %s, want %s", strings.Join(step.args, " "), got, step.states)
		}
	}
}

func TestSearchReindex(t *testing.T) {
	dir, db, owner := adminInstance(t)
	ctx := context.Background()
	seed(t, db, func(ctx context.Context, tx *store.Tx) error {
		for i := range 3 {
			if _, err := insertPost(ctx, tx, store.Post{URI: fmt.Sprintf("%s/p/%d", owner.URI, i), AuthorID: owner.ID, Local: true,
				Content: fmt.Sprintf("<p>word%d zebra</p>", i), PublishedAt: time.Now()}); err != nil {
				return err
			}
		}
		return tx.ClearSearchIndex(ctx)
	})
	search := func() int {
		posts, err := db.SearchPosts(ctx, "zebra", store.SearchOptions{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		return len(posts)
	}
	if n := search(); n != 0 {
		t.Fatalf("the cleared index finds %d posts", n)
	}
	res := kith(t, dir, "", "search", "reindex")
	if res.code != 0 || !strings.Contains(res.stderr, "indexed 3 of 3 posts") {
		t.Fatalf("search reindex: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if n := search(); n != 3 {
		t.Errorf("after reindex the search finds %d posts, want 3", n)
	}
	if res := kith(t, dir, "", "search", "reindex", "extra"); res.code != 2 {
		t.Errorf("search reindex extra: exit %d, want 2", res.code)
	}
}

package portability

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"kith/store"
	"kith/tests/testclock"
)

func startCSV(t *testing.T, p *testPorter, name, body, mode string) int64 {
	t.Helper()
	parsed, err := ParseCSV(strings.NewReader(body), name, "")
	if err != nil {
		t.Fatal(err)
	}
	id, err := p.StartImport(context.Background(), parsed, mode, name)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestImportOverwriteAndMerge(t *testing.T) {
	p := newTestPorter(t, Options{RowBatch: 2})
	ctx := context.Background()
	for _, d := range []string{"old.example", "kept.example"} {
		if err := p.fed.BlockDomain(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		mode, body string
		want       []string
	}{
		{Merge, "kept.example\nnew.example\n", []string{"kept.example", "new.example", "old.example"}},
		{Overwrite, "kept.example\nnew.example\nthird.example\nnot/valid\n", []string{"kept.example", "new.example", "third.example"}},
	}
	for _, tt := range tests {
		id := startCSV(t, p, "blocked_domains.csv", tt.body, tt.mode)
		if _, err := p.runner.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		got, _ := p.db.DomainBlocks(ctx)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: domain blocks = %q, want %q", tt.mode, got, tt.want)
		}
		im, _ := p.db.ImportByID(ctx, id)
		if im.State != store.ImportDone || im.Done+im.Failed != im.Total {
			t.Errorf("%s: import %+v, want done with every line counted", tt.mode, im)
		}
	}
}

// Follows go out a batch at a time, the next batch only after the delay;
// a line that cannot be resolved fails alone with its reason.
func TestImportFollowsArePaced(t *testing.T) {
	clock := testclock.New()
	p := newTestPorter(t, Options{RowBatch: 2, FollowDelay: time.Hour, Now: clock.Now})
	ctx := context.Background()
	// Loopback addresses are refused (private addresses are not allowed
	// here), so every line fails without touching the network.
	body := "Account address,Show boosts,Notify on new posts,Languages\n"
	for range 5 {
		body += "someone@127.0.0.1:1,true,false,\n"
	}
	id := startCSV(t, p, "following_accounts.csv", body, Merge)
	steps := []struct {
		advance time.Duration
		failed  int
		done    bool
	}{
		{0, 2, false},
		{time.Minute, 2, false}, // the next batch waits
		{time.Hour, 4, false},
		{time.Hour, 5, true},
	}
	for i, s := range steps {
		clock.Add(s.advance)
		if _, err := p.runner.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		im, _ := p.db.ImportByID(ctx, id)
		if im.Failed != s.failed || (im.State == store.ImportDone) != s.done {
			t.Errorf("step %d: %d failed, state %s; want %d failed, done %v", i, im.Failed, im.State, s.failed, s.done)
		}
	}
	rows, _ := p.db.ImportRows(ctx, id, store.ImportFailed, 10)
	if len(rows) != 5 || rows[0].Line != 2 || !strings.Contains(rows[0].Error, "127.0.0.1") {
		t.Errorf("failed rows = %+v, want lines 2 to 6 with their reasons", rows)
	}
}

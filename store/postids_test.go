package store

import (
	"fmt"
	"testing"
	"time"

	"kith/tests/testclock"
)

// frozenAt stops the fixture's clock at t.
func (f *fixture) frozenAt(t time.Time) { f.db.now = func() time.Time { return t } }

// imported stores a post of the owner's the way an archive import does.
func (f *fixture) imported(published time.Time) int64 {
	f.t.Helper()
	f.n++
	var id int64
	f.tx(func(tx *Tx) (err error) {
		id, err = tx.InsertImportedPost(f.ctx, Post{URI: fmt.Sprintf("https://x.test/imported/%d", f.n), AuthorID: f.localID,
			Local: true, Visibility: Public, PublishedAt: published})
		return err
	})
	return id
}

func (f *fixture) deletePost(id int64) {
	f.t.Helper()
	f.tx(func(tx *Tx) error { return tx.DeletePost(f.ctx, id) })
}

var idsNow = testclock.Base()

func TestNewPostIDsFollowTheClock(t *testing.T) {
	f := newFixture(t)
	f.frozenAt(idsNow)
	a := f.post(f.localID, Post{})
	b := f.post(f.localID, Post{})
	if a != timeID(idsNow) || b != a+1 {
		t.Errorf("frozen clock: got %d, %d, want %d, %d", a, b, timeID(idsNow), timeID(idsNow)+1)
	}
	// A clock that goes back does not make ids go back.
	f.frozenAt(idsNow.Add(-time.Hour))
	if c := f.post(f.localID, Post{}); c != b+1 {
		t.Errorf("clock gone back: got %d, want %d", c, b+1)
	}
	f.frozenAt(idsNow.Add(time.Second))
	if d := f.post(f.localID, Post{}); d != timeID(idsNow.Add(time.Second)) {
		t.Errorf("a second later: got %d, want %d", d, timeID(idsNow.Add(time.Second)))
	}
}

func TestNextNewID(t *testing.T) {
	ms := idsNow.UnixMilli()
	tests := []struct {
		name    string
		highest int64
		want    int64
	}{
		{"empty database", 0, ms << 16},
		{"ids from before time-based ids", 12345, ms << 16},
		{"same millisecond", ms<<16 | 7, ms<<16 | 8},
		{"later millisecond (clock went back)", (ms+5)<<16 | 3, (ms+5)<<16 | 4},
		{"low half full: next millisecond", ms<<16 | (importedSeq - 1), (ms + 1) << 16},
		{"highest is imported: next millisecond", (ms+5)<<16 | importedSeq, (ms + 6) << 16},
	}
	for _, tt := range tests {
		if got := nextNewID(idsNow, tt.highest); got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestPostIDsNotReusedUnderFrozenClock(t *testing.T) {
	f := newFixture(t)
	f.frozenAt(idsNow)
	first := f.post(f.localID, Post{})
	f.deletePost(first)
	if second := f.post(f.localID, Post{}); second <= first {
		t.Errorf("after deleting %d: got %d, want a higher id", first, second)
	}
}

func TestImportedPostIDs(t *testing.T) {
	f := newFixture(t)
	f.frozenAt(idsNow)
	before := f.post(f.localID, Post{}) // made before the import
	old := idsNow.AddDate(-3, 0, 0)
	older := f.imported(old.Add(-time.Hour))
	oldest := f.imported(old.AddDate(-1, 0, 0))
	same1 := f.imported(old)
	same2 := f.imported(old) // same millisecond
	future := f.imported(idsNow.Add(time.Hour))
	after := f.post(f.localID, Post{})

	if !(oldest < older && older < same1 && same1 < same2 && same2 < before && before < after) {
		t.Errorf("order: got oldest %d, older %d, same %d %d, before %d, after %d; want increasing",
			oldest, older, same1, same2, before, after)
	}
	if got, want := same1>>16, old.UnixMilli(); got != want {
		t.Errorf("imported id's millisecond: got %d, want %d", got, want)
	}
	if same2 != same1+1 {
		t.Errorf("same millisecond: got %d then %d, want consecutive", same1, same2)
	}
	if future >= before {
		t.Errorf("post dated in the future: got %d, want below %d", future, before)
	}
	// An archive without dates still gets ids above any from before
	// time-based ids.
	if epoch := f.imported(time.Unix(0, 0)); epoch < 1<<40 {
		t.Errorf("post dated 1970: got %d, want at least 1<<40", epoch)
	}
	p, err := f.db.PostByID(f.ctx, same2)
	if err != nil || !p.PublishedAt.Equal(old) {
		t.Errorf("imported post: got %v (%v), want published %v", p.PublishedAt, err, old)
	}
}

// Importing again after deleting an imported post must not give its id
// (its URL was served and a Delete sent) to the new post.
func TestDeletedImportedIDsNotReused(t *testing.T) {
	f := newFixture(t)
	f.frozenAt(idsNow)
	old := idsNow.AddDate(-1, 0, 0)
	a := f.imported(old)
	b := f.imported(old)
	f.deletePost(a)
	c := f.imported(old)
	if c == a || c == b {
		t.Errorf("import after delete: got %d, want other than %d and %d", c, a, b)
	}
	if c>>16 != old.UnixMilli() {
		t.Errorf("import after delete: got millisecond %d, want %d", c>>16, old.UnixMilli())
	}
	// The highest new id deleted is not reused either, nor given to imports.
	n := f.post(f.localID, Post{})
	f.deletePost(n)
	if m := f.post(f.localID, Post{}); m <= n {
		t.Errorf("new post after delete: got %d, want above %d", m, n)
	}
}

func TestImportedPostsSearchable(t *testing.T) {
	f := newFixture(t)
	f.frozenAt(idsNow)
	var id int64
	f.tx(func(tx *Tx) (err error) {
		id, err = tx.InsertImportedPost(f.ctx, Post{URI: "https://x.test/imported/zebra", AuthorID: f.localID, Local: true,
			Visibility: Public, Content: "<p>zebra crossing</p>", PublishedAt: idsNow.AddDate(-2, 0, 0)})
		return err
	})
	posts, err := f.db.SearchPosts(f.ctx, "zebra", SearchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(posts); len(got) != 1 || got[0] != id {
		t.Errorf("search: got %v, want [%d]", got, id)
	}
}

func TestImportedActivityIDs(t *testing.T) {
	f := newFixture(t)
	f.frozenAt(idsNow)
	insert := func(uri string, at time.Time) int64 {
		var id int64
		f.tx(func(tx *Tx) (err error) {
			id, err = tx.InsertActivity(f.ctx, Activity{URI: uri, Type: "Create", Public: true, Body: []byte(`{}`), PublishedAt: at})
			return err
		})
		return id
	}
	recent := insert("https://kith.test/a/recent", time.Time{})
	old := insert("https://kith.test/a/old", idsNow.AddDate(-2, 0, 0))
	older := insert("https://kith.test/a/older", idsNow.AddDate(-3, 0, 0))
	newer := insert("https://kith.test/a/newer", time.Time{})
	if !(older < old && old < recent && recent < newer) {
		t.Errorf("activity ids: got older %d, old %d, recent %d, newer %d; want increasing", older, old, recent, newer)
	}
	acts, err := f.db.OutboxActivities(f.ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range acts {
		got = append(got, a.URI[len("https://kith.test/a/"):])
	}
	if want := "[newer recent old older]"; fmt.Sprint(got) != want {
		t.Errorf("outbox: got %v, want %s", got, want)
	}
}

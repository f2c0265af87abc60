package store

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{`<p>Hello <a href="https://x.example/tags/go" class="mention hashtag">#<span>go</span></a></p><p>next</p>`, "Hello #go  next"},
		{"a<br>b", "a b"},
		{"caf&eacute; &amp; more", "café & more"},
	}
	for _, tt := range tests {
		if got := PlainText(tt.in); got != tt.want {
			t.Errorf("PlainText(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSearchPosts(t *testing.T) {
	f := newFixture(t)
	bob := f.actor("bob", "a.example")
	dave := f.actor("dave", "a.example")
	cafe := f.post(bob, Post{Content: `<p>Meet me at the <span class="h-card">Café</span> tonight</p>`})
	link := f.post(bob, Post{Content: `<p>read <a href="https://news.example/story" class="mention">this story</a></p>`})
	cw := f.post(bob, Post{Summary: "spoilers ahead", Content: "<p>the butler</p>"})
	boost := f.post(bob, Post{ReblogOfID: cafe, Type: "Announce"})
	secret := f.post(dave, Post{Visibility: Private, Content: "<p>secret cafe plans</p>"})
	gone := f.post(bob, Post{Content: "<p>ephemeral words</p>"})
	edited := f.post(bob, Post{Content: "<p>first draft</p>"})
	f.tx(func(tx *Tx) error {
		if err := tx.DeletePost(f.ctx, gone); err != nil {
			return err
		}
		return tx.UpdatePost(f.ctx, Post{ID: edited, Content: "<p>final version</p>"})
	})
	_ = boost
	tests := []struct {
		query string
		want  []int64
	}{
		{"cafe", []int64{cafe}},         // diacritics folded, private post of a stranger hidden
		{"CAFÉ tonight", []int64{cafe}}, // every word, any case
		{"caf", []int64{cafe}},          // last word is a prefix
		{"span", nil},                   // tag names are not text
		{"href", nil},                   // nor attributes
		{"news", nil},                   // nor link targets
		{"story", []int64{link}},        // link text is
		{"spoilers", []int64{cw}},       // content warnings are searched
		{"butler", []int64{cw}},         // and the text behind them
		{"ephemeral", nil},              // deleted posts are gone
		{"draft", nil},                  // edits replace the old text
		{"final", []int64{edited}},      //
		{`"quoted" OR NOT(`, nil},       // FTS syntax in the input is just text
		{"   ", nil},                    //
	}
	for _, tt := range tests {
		posts, err := f.db.SearchPosts(f.ctx, tt.query, SearchOptions{})
		if err != nil {
			t.Fatalf("search %q: %v", tt.query, err)
		}
		if got := ids(posts); !slices.Equal(got, tt.want) {
			t.Errorf("search %q: got %v, want %v", tt.query, got, tt.want)
		}
	}
	f.follow(dave)
	posts, _ := f.db.SearchPosts(f.ctx, "cafe", SearchOptions{})
	if got, want := ids(posts), []int64{secret, cafe}; !slices.Equal(got, want) && !slices.Equal(got, []int64{cafe, secret}) {
		t.Errorf("search after following: got %v, want %v", got, want)
	}
	posts, _ = f.db.SearchPosts(f.ctx, "cafe", SearchOptions{AccountID: dave})
	if got, want := ids(posts), []int64{secret}; !slices.Equal(got, want) {
		t.Errorf("search by account: got %v, want %v", got, want)
	}
	// Deleting an actor cascades to its posts; their index entries go too,
	// so a later post reusing a row id indexes cleanly.
	f.tx(func(tx *Tx) error { return tx.DeleteActor(f.ctx, "https://a.example/users/dave") })
	reuse := f.post(bob, Post{Content: "<p>fresh cafe</p>"})
	posts, _ = f.db.SearchPosts(f.ctx, "plans", SearchOptions{})
	if len(posts) != 0 {
		t.Errorf("search after actor deletion: got %v, want none", ids(posts))
	}
	posts, _ = f.db.SearchPosts(f.ctx, "fresh", SearchOptions{})
	if got := ids(posts); !slices.Equal(got, []int64{reuse}) {
		t.Errorf("search new post: got %v, want [%d]", got, reuse)
	}
}

func TestSearchRanking(t *testing.T) {
	f := newFixture(t)
	older := f.post(f.localID, Post{Content: "<p>kith kith kith</p>"})
	weak := f.post(f.localID, Post{Content: "<p>a long post that mentions kith once among many other words here</p>"})
	newer := f.post(f.localID, Post{Content: "<p>kith kith kith</p>"})
	posts, err := f.db.SearchPosts(f.ctx, "kith", SearchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(posts), []int64{newer, older, weak}; !slices.Equal(got, want) {
		t.Errorf("ranking: got %v, want %v (best match, then newest)", got, want)
	}
	posts, _ = f.db.SearchPosts(f.ctx, "kith", SearchOptions{Limit: 1, Offset: 1})
	if got, want := ids(posts), []int64{older}; !slices.Equal(got, want) {
		t.Errorf("offset: got %v, want %v", got, want)
	}
}

func TestSearchActorsAndTags(t *testing.T) {
	f := newFixture(t)
	alice := f.actorWith(Actor{URI: "https://a.example/users/alice", Username: "alice", Domain: "a.example", DisplayName: "Alice Liddell"})
	alicia := f.actor("alicia", "b.example")
	under := f.actor("al_x", "c.example")
	ali := f.actor("ali", "d.example")
	f.actor("bob", "b.example")
	f.follow(alicia)
	tests := []struct {
		query     string
		following bool
		want      []int64
	}{
		{"ali", false, []int64{ali, alicia, alice}}, // exact username, then followed
		{"@alice", false, []int64{alice}},           //
		{"liddell", false, []int64{alice}},          // display name words
		{"alice@a.ex", false, []int64{alice}},       // user@domain prefix
		{"al_", false, []int64{under}},              // '_' is not a wildcard
		{"%", false, nil},                           // nor '%'
		{"ali", true, []int64{alicia}},              // following only
	}
	for _, tt := range tests {
		got, err := f.db.SearchActors(f.ctx, f.localID, tt.query, tt.following, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		var gotIDs []int64
		for _, a := range got {
			gotIDs = append(gotIDs, a.ID)
		}
		if !slices.Equal(gotIDs, tt.want) {
			t.Errorf("search actors %q: got %v, want %v", tt.query, gotIDs, tt.want)
		}
	}
	f.post(f.localID, Post{Tags: []string{"golang", "go", "gopher", "rust"}})
	tags, err := f.db.SearchTags(f.ctx, "#Go", 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tg := range tags {
		names = append(names, tg.Name)
	}
	if want := []string{"go", "golang", "gopher"}; !slices.Equal(names, want) {
		t.Errorf("search tags: got %v, want %v", names, want)
	}
	if _, err := f.db.TagByName(f.ctx, "#Rust"); err != nil {
		t.Errorf("TagByName: %v", err)
	}
	if _, err := f.db.TagByName(f.ctx, "zig"); !isNotFound(err) {
		t.Errorf("TagByName(zig): got %v, want ErrNotFound", err)
	}
}

// TestSearchIndexAtCommit: posts are indexed as their transaction commits,
// once for a whole batch. Within one batch, a unit's posts are found
// after the commit, a post written and edited is found by its new text
// only, one written and deleted is not found, and a rolled-back unit's
// post is neither found nor left waiting to be indexed.
func TestSearchIndexAtCommit(t *testing.T) {
	f := newFixture(t)
	bob := f.actor("bob", "a.example")
	b, err := f.db.BeginBatch(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	insert := func(tx *Tx, uri, content string) (int64, error) {
		return tx.InsertPost(f.ctx, Post{URI: uri, AuthorID: bob, Visibility: Public, Content: content, PublishedAt: f.db.now()})
	}
	unit := func(fn func(tx *Tx) error) error {
		return b.Do(f.ctx, func(ctx context.Context) error { return f.db.InTx(ctx, fn) })
	}
	var kept, edited int64
	if err := unit(func(tx *Tx) (err error) {
		kept, err = insert(tx, "https://a.example/p/1", "<p>alpha words</p>")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := unit(func(tx *Tx) error {
		id, err := insert(tx, "https://a.example/p/2", "<p>beta draft</p>")
		if err != nil {
			return err
		}
		edited = id
		return tx.UpdatePost(f.ctx, Post{ID: id, Content: "<p>beta final</p>"})
	}); err != nil {
		t.Fatal(err)
	}
	if err := unit(func(tx *Tx) error {
		id, err := insert(tx, "https://a.example/p/3", "<p>gamma gone</p>")
		if err != nil {
			return err
		}
		return tx.DeletePost(f.ctx, id)
	}); err != nil {
		t.Fatal(err)
	}
	if err := unit(func(tx *Tx) error {
		if _, err := insert(tx, "https://a.example/p/4", "<p>delta rolled back</p>"); err != nil {
			return err
		}
		return errors.New("this unit fails")
	}); err == nil {
		t.Fatal("the failing unit succeeded")
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		query string
		want  []int64
	}{
		{"alpha", []int64{kept}},
		{"final", []int64{edited}},
		{"draft", nil},
		{"gamma", nil},
		{"delta", nil},
	} {
		posts, err := f.db.SearchPosts(f.ctx, tt.query, SearchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(posts); !slices.Equal(got, tt.want) {
			t.Errorf("search %q: got %v, want %v", tt.query, got, tt.want)
		}
	}
	var pending int
	if err := f.db.read.pool.QueryRowContext(f.ctx, `SELECT COUNT(*) FROM posts_fts_pending`).Scan(&pending); err != nil {
		t.Fatal(err)
	}
	if pending != 0 {
		t.Errorf("%d posts still waiting for the index after the commit", pending)
	}
}

// TestSearchIndexAtOpen: posts another writer stored with plain SQL,
// noted by the triggers but not indexed, are indexed when the store opens
// the database; with nothing waiting, opening leaves the index alone.
func TestSearchIndexAtOpen(t *testing.T) {
	f := newFixture(t)
	bob := f.actor("bob", "a.example")
	path := f.db.path
	var id int64
	f.tx(func(tx *Tx) (err error) {
		id, err = tx.InsertPost(f.ctx, Post{URI: "https://a.example/p/1", AuthorID: bob, Visibility: Public,
			Content: "<p>epsilon words</p>", PublishedAt: f.db.now()})
		return err
	})
	// What a plain-SQL writer leaves: the post noted, its words not indexed.
	for _, q := range []string{`DELETE FROM posts_fts WHERE rowid = ?`, `INSERT INTO posts_fts_pending (id) VALUES (?)`} {
		if _, err := f.db.write.ExecContext(f.ctx, q, id); err != nil {
			t.Fatal(err)
		}
	}
	search := func(db *DB) []int64 {
		t.Helper()
		posts, err := db.SearchPosts(f.ctx, "epsilon", SearchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return ids(posts)
	}
	if got := search(f.db); len(got) != 0 {
		t.Fatalf("before reopening: found %v, want nothing (the post is not indexed)", got)
	}
	f.db.Close()
	for range 2 { // the second open finds nothing waiting
		db, err := Open(f.ctx, path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := search(db); !slices.Equal(got, []int64{id}) {
			t.Errorf("after opening: found %v, want [%d]", got, id)
		}
		db.Close()
	}
}

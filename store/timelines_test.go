package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

// fixture is a database with the owner's actor and helpers to add remote
// actors, follows and posts.
type fixture struct {
	t       testing.TB
	db      *DB
	ctx     context.Context
	localID int64
	owner   string // the owner's actor URI
	n       int
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	db, err := Open(context.Background(), t.TempDir()+"/kith.db", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{t: t, db: db, ctx: context.Background(), owner: "https://kith.test/users/me"}
	f.localID = f.actorWith(Actor{URI: f.owner, Local: true, Username: "me", Domain: "kith.test"})
	return f
}

func (f *fixture) tx(fn func(tx *Tx) error) {
	f.t.Helper()
	if err := f.db.InTx(f.ctx, fn); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) actorWith(a Actor) int64 {
	f.t.Helper()
	var id int64
	f.tx(func(tx *Tx) (err error) {
		id, err = tx.UpsertActor(f.ctx, a)
		return err
	})
	return id
}

// actor adds a remote actor name@domain.
func (f *fixture) actor(name, domain string) int64 {
	return f.actorWith(Actor{URI: "https://" + domain + "/users/" + name, Username: name, Domain: domain, DisplayName: name})
}

// follow makes the owner follow an actor (accepted).
func (f *fixture) follow(followee int64) {
	f.followState(f.localID, followee, FollowAccepted)
}

func (f *fixture) followState(follower, followee int64, state string) {
	f.tx(func(tx *Tx) error {
		return tx.PutFollow(f.ctx, Follow{FollowerID: follower, FolloweeID: followee, State: state,
			ActivityURI: fmt.Sprintf("https://x.test/follow/%d-%d", follower, followee)})
	})
}

// post stores a post; URI, visibility and times get defaults.
func (f *fixture) post(author int64, p Post) int64 {
	f.t.Helper()
	f.n++
	p.AuthorID = author
	if p.URI == "" {
		p.URI = fmt.Sprintf("https://x.test/posts/%d", f.n)
	}
	if p.Visibility == "" {
		p.Visibility = Public
	}
	if p.PublishedAt.IsZero() {
		p.PublishedAt = time.UnixMilli(1_700_000_000_000 + int64(f.n)*1000)
	}
	p.Local = author == f.localID
	var id int64
	f.tx(func(tx *Tx) (err error) {
		id, err = tx.InsertPost(f.ctx, p)
		return err
	})
	return id
}

func (f *fixture) uri(id int64) string {
	f.t.Helper()
	p, err := f.db.PostByID(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return p.URI
}

func ids(posts []Post) []int64 {
	out := make([]int64, len(posts))
	for i, p := range posts {
		out[i] = p.ID
	}
	return out
}

func idRange(from, to int64) []int64 { // inclusive, either direction
	var out []int64
	step := int64(1)
	if from > to {
		step = -1
	}
	for i := from; ; i += step {
		out = append(out, i)
		if i == to {
			return out
		}
	}
}

func TestPaging(t *testing.T) {
	f := newFixture(t)
	var all []int64
	for range 45 {
		all = append(all, f.post(f.localID, Post{Content: "<p>hi</p>"}))
	}
	if !slices.IsSorted(all) {
		t.Fatalf("post ids: got %v, want increasing", all)
	}
	// The cases below number the posts 1 to 45, oldest first.
	n := func(i int64) int64 { return all[i-1] }
	nums := func(from, to int64) []int64 {
		var out []int64
		for _, i := range idRange(from, to) {
			out = append(out, n(i))
		}
		return out
	}
	tests := []struct {
		name string
		page Page
		want []int64
	}{
		{"default", Page{}, nums(45, 26)},
		{"limit 5", Page{Limit: 5}, nums(45, 41)},
		{"limit capped at 40", Page{Limit: 100}, nums(45, 6)},
		{"max_id", Page{MaxID: n(26)}, nums(25, 6)},
		{"max_id near the end", Page{MaxID: n(3)}, nums(2, 1)},
		{"since_id gives the newest", Page{SinceID: n(10)}, nums(45, 26)},
		{"min_id gives the next ones, newest first", Page{MinID: n(10)}, nums(30, 11)},
		{"min_id with limit", Page{MinID: n(10), Limit: 3}, nums(13, 11)},
		{"since_id and max_id", Page{SinceID: n(10), MaxID: n(15)}, nums(14, 11)},
		{"min_id and max_id", Page{MinID: n(10), MaxID: n(40), Limit: 5}, nums(15, 11)},
		{"nothing newer", Page{SinceID: n(45)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for name, get := range map[string]func(Page) ([]Post, error){
				"home":    func(pg Page) ([]Post, error) { return f.db.HomeTimeline(f.ctx, pg) },
				"public":  func(pg Page) ([]Post, error) { return f.db.PublicTimeline(f.ctx, pg, false, false, false) },
				"account": func(pg Page) ([]Post, error) { return f.db.AccountStatuses(f.ctx, f.localID, pg, AccountOptions{}) },
			} {
				posts, err := get(tt.page)
				if err != nil {
					t.Fatal(err)
				}
				if got := ids(posts); !slices.Equal(got, tt.want) {
					t.Errorf("%s %+v: got %v, want %v", name, tt.page, got, tt.want)
				}
			}
		})
	}
}

func TestHomeTimelineVisibility(t *testing.T) {
	f := newFixture(t)
	bob := f.actor("bob", "a.example")     // followed
	carol := f.actor("carol", "a.example") // follow pending
	dave := f.actor("dave", "a.example")   // stranger
	eve := f.actor("eve", "a.example")     // followed, muted
	frank := f.actor("frank", "a.example") // followed, blocked
	gina := f.actor("gina", "bad.example") // followed, domain blocked
	hank := f.actor("hank", "a.example")   // followed, boosts hidden
	ivy := f.actor("ivy", "a.example")     // followed, in an exclusive list
	jay := f.actor("jay", "a.example")     // followed, mute expired
	for _, id := range []int64{bob, eve, frank, gina, hank, ivy, jay} {
		f.follow(id)
	}
	f.followState(f.localID, carol, FollowPending)
	f.tx(func(tx *Tx) error {
		if err := tx.PutMute(f.ctx, eve, true, time.Time{}); err != nil {
			return err
		}
		if err := tx.PutMute(f.ctx, jay, true, time.Now().Add(-time.Hour)); err != nil {
			return err
		}
		if _, err := tx.PutBlock(f.ctx, f.localID, frank, "https://kith.test/block/1"); err != nil {
			return err
		}
		if _, err := tx.PutDomainBlock(f.ctx, "bad.example"); err != nil {
			return err
		}
		if err := tx.SetFollowOptions(f.ctx, hank, FollowOptions{ShowReblogs: false}); err != nil {
			return err
		}
		if err := tx.FollowTag(f.ctx, "#Kith"); err != nil {
			return err
		}
		list, err := tx.CreateList(f.ctx, List{Title: "quiet", Exclusive: true})
		if err != nil {
			return err
		}
		return tx.AddListAccounts(f.ctx, list, []int64{ivy})
	})
	mentionMe := []Mention{{ActorURI: f.owner, Name: "@me@kith.test"}}
	davePost := f.post(dave, Post{Content: "dave"})
	evePost := f.post(eve, Post{Content: "eve"})
	bobPost := f.post(bob, Post{Content: "bob"})
	ownerPost := f.post(f.localID, Post{})
	want := map[string]int64{
		"owner public":              ownerPost,
		"owner direct":              f.post(f.localID, Post{Visibility: Direct}),
		"followee public":           bobPost,
		"followee followers-only":   f.post(bob, Post{Visibility: Private}),
		"followee direct to owner":  f.post(bob, Post{Visibility: Direct, Mentions: mentionMe}),
		"followee boost":            f.post(bob, Post{ReblogOfID: davePost, Type: "Announce"}),
		"followee self-reply":       f.post(bob, Post{InReplyToURI: f.uri(bobPost), InReplyToID: bobPost}),
		"followee reply to owner":   f.post(bob, Post{InReplyToURI: f.uri(ownerPost), InReplyToID: ownerPost}),
		"reply with unknown parent": f.post(bob, Post{InReplyToURI: "https://elsewhere.example/p/1"}),
		"hidden-boosts followee":    f.post(hank, Post{}),
		"followed tag":              f.post(dave, Post{Tags: []string{"kith"}}),
		"expired mute":              f.post(jay, Post{}),
	}
	hide := map[string]int64{
		"followee direct to others":    f.post(bob, Post{Visibility: Direct, Mentions: []Mention{{ActorURI: "https://a.example/users/dave"}}}),
		"pending followee":             f.post(carol, Post{}),
		"stranger":                     davePost,
		"muted":                        evePost,
		"blocked":                      f.post(frank, Post{}),
		"blocked domain":               f.post(gina, Post{}),
		"boost from hidden-boosts":     f.post(hank, Post{ReblogOfID: davePost, Type: "Announce"}),
		"boost of muted author":        f.post(bob, Post{ReblogOfID: evePost, Type: "Announce"}),
		"reply to a stranger":          f.post(bob, Post{InReplyToURI: f.uri(davePost), InReplyToID: davePost}),
		"exclusive list member":        f.post(ivy, Post{}),
		"followed tag, followers-only": f.post(dave, Post{Tags: []string{"kith"}, Visibility: Private}),
		"stranger's direct mentioning": f.post(dave, Post{Visibility: Direct, Mentions: mentionMe}),
	}
	posts, err := f.db.HomeTimeline(f.ctx, Page{Limit: 40})
	if err != nil {
		t.Fatal(err)
	}
	got := ids(posts)
	for name, id := range want {
		if !slices.Contains(got, id) {
			t.Errorf("%s (post %d): missing from home", name, id)
		}
	}
	for name, id := range hide {
		if slices.Contains(got, id) {
			t.Errorf("%s (post %d): shown in home", name, id)
		}
	}
	if !slices.IsSortedFunc(got, func(a, b int64) int { return int(b - a) }) {
		t.Errorf("home order: got %v, want newest first", got)
	}
}

func TestPublicAndTagTimelines(t *testing.T) {
	f := newFixture(t)
	bob := f.actor("bob", "a.example")
	local := f.post(f.localID, Post{Tags: []string{"go"}})
	remote := f.post(bob, Post{Tags: []string{"go"}})
	media := f.post(bob, Post{Attachments: []Attachment{{URL: "https://a.example/m.png", MediaType: "image/png"}}})
	f.post(bob, Post{Visibility: Unlisted, Tags: []string{"go"}})
	f.post(bob, Post{ReblogOfID: local, Type: "Announce"})
	goReply := f.post(bob, Post{InReplyToURI: f.uri(local), InReplyToID: local, Tags: []string{"go"}})
	selfReply := f.post(bob, Post{InReplyToURI: f.uri(remote), InReplyToID: remote})
	tests := []struct {
		name                     string
		local, remote, onlyMedia bool
		want                     []int64
	}{
		{"all", false, false, false, []int64{selfReply, media, remote, local}},
		{"local", true, false, false, []int64{local}},
		{"remote", false, true, false, []int64{selfReply, media, remote}},
		{"media", false, false, true, []int64{media}},
	}
	for _, tt := range tests {
		posts, err := f.db.PublicTimeline(f.ctx, Page{}, tt.local, tt.remote, tt.onlyMedia)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(posts); !slices.Equal(got, tt.want) {
			t.Errorf("public %s: got %v, want %v", tt.name, got, tt.want)
		}
	}
	if posts, _ := f.db.PublicTimeline(f.ctx, Page{}, false, false, true); len(posts) == 1 && len(posts[0].Attachments) != 1 {
		t.Errorf("media post: got %d attachments, want 1", len(posts[0].Attachments))
	}
	posts, err := f.db.TagTimeline(f.ctx, "#Go", Page{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(posts), []int64{goReply, remote, local}; !slices.Equal(got, want) {
		t.Errorf("tag timeline: got %v, want %v", got, want)
	}
	posts, _ = f.db.TagTimeline(f.ctx, "go", Page{MaxID: goReply}, true)
	if got, want := ids(posts), []int64{local}; !slices.Equal(got, want) {
		t.Errorf("local tag timeline: got %v, want %v", got, want)
	}
	if len(posts) == 1 && !slices.Equal(posts[0].Tags, []string{"go"}) {
		t.Errorf("tags loaded: got %v", posts[0].Tags)
	}
}

func TestListTimeline(t *testing.T) {
	f := newFixture(t)
	bob := f.actor("bob", "a.example")
	carl := f.actor("carl", "a.example") // followed, not in the list
	dave := f.actor("dave", "a.example") // stranger
	f.follow(bob)
	f.follow(carl)
	var listID int64
	f.tx(func(tx *Tx) (err error) {
		listID, err = tx.CreateList(f.ctx, List{Title: "friends"})
		if err != nil {
			return err
		}
		return tx.AddListAccounts(f.ctx, listID, []int64{bob})
	})
	bobPost := f.post(bob, Post{})
	carlPost := f.post(carl, Post{})
	davePost := f.post(dave, Post{})
	ownerPost := f.post(f.localID, Post{})
	self := f.post(bob, Post{InReplyToURI: f.uri(bobPost), InReplyToID: bobPost})
	toOwner := f.post(bob, Post{InReplyToURI: f.uri(ownerPost), InReplyToID: ownerPost})
	toCarl := f.post(bob, Post{InReplyToURI: f.uri(carlPost), InReplyToID: carlPost})
	toDave := f.post(bob, Post{InReplyToURI: f.uri(davePost), InReplyToID: davePost})
	private := f.post(bob, Post{Visibility: Private})
	f.post(carl, Post{})
	for _, tt := range []struct {
		policy string
		want   []int64
	}{
		{"none", []int64{private, self, bobPost}},
		{"list", []int64{private, toOwner, self, bobPost}},
		{"followed", []int64{private, toCarl, toOwner, self, bobPost}},
	} {
		f.tx(func(tx *Tx) error {
			return tx.UpdateList(f.ctx, List{ID: listID, Title: "friends", RepliesPolicy: tt.policy})
		})
		posts, err := f.db.ListTimeline(f.ctx, listID, Page{})
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(posts); !slices.Equal(got, tt.want) {
			t.Errorf("policy %s: got %v, want %v", tt.policy, got, tt.want)
		}
	}
	_ = toDave
	if _, err := f.db.ListTimeline(f.ctx, 99, Page{}); !isNotFound(err) {
		t.Errorf("missing list: got %v, want ErrNotFound", err)
	}
}

func TestAccountStatuses(t *testing.T) {
	f := newFixture(t)
	bob := f.actor("bob", "a.example")
	dave := f.actor("dave", "a.example")
	first := f.post(bob, Post{Tags: []string{"cats"}})
	reply := f.post(bob, Post{InReplyToURI: "https://a.example/other"})
	selfReply := f.post(bob, Post{InReplyToURI: f.uri(first), InReplyToID: first})
	boost := f.post(bob, Post{ReblogOfID: f.post(dave, Post{}), Type: "Announce"})
	media := f.post(bob, Post{Attachments: []Attachment{{URL: "https://a.example/m.png"}}})
	private := f.post(bob, Post{Visibility: Private})
	direct := f.post(bob, Post{Visibility: Direct, Mentions: []Mention{{ActorURI: f.owner}}})
	f.post(bob, Post{Visibility: Direct})
	f.tx(func(tx *Tx) error { return tx.PutPin(f.ctx, bob, f.uri(first)) })
	tests := []struct {
		name string
		opts AccountOptions
		want []int64
	}{
		{"anonymous", AccountOptions{}, []int64{media, boost, selfReply, reply, first}},
		{"owner, not following", AccountOptions{ViewerID: f.localID}, []int64{direct, media, boost, selfReply, reply, first}},
		{"exclude replies", AccountOptions{ExcludeReplies: true}, []int64{media, boost, selfReply, first}},
		{"exclude reblogs", AccountOptions{ExcludeReblogs: true}, []int64{media, selfReply, reply, first}},
		{"only media", AccountOptions{OnlyMedia: true}, []int64{media}},
		{"pinned", AccountOptions{Pinned: true}, []int64{first}},
		{"tagged", AccountOptions{Tagged: "#Cats"}, []int64{first}},
		{"visibilities", AccountOptions{ViewerID: f.localID, Visibilities: []string{Direct}}, []int64{direct}},
	}
	for _, tt := range tests {
		posts, err := f.db.AccountStatuses(f.ctx, bob, Page{}, tt.opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(posts); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
	f.follow(bob)
	posts, _ := f.db.AccountStatuses(f.ctx, bob, Page{}, AccountOptions{ViewerID: f.localID})
	if !slices.Contains(ids(posts), private) {
		t.Errorf("followers-only post of a followee: missing for the owner")
	}
}

func isNotFound(err error) bool { return err != nil && errors.Is(err, ErrNotFound) }

package store

import (
	"errors"
	"slices"
	"testing"
)

// convIDs returns the ids of convs, and their last posts' ids.
func convIDs(convs []Conversation) (ids, last []int64) {
	for _, c := range convs {
		ids, last = append(ids, c.ID), append(last, c.LastPost.ID)
	}
	return ids, last
}

func participantIDs(c Conversation) []int64 {
	var out []int64
	for _, a := range c.Participants {
		out = append(out, a.ID)
	}
	return out
}

func TestConversationsGroupDirectPostsByThread(t *testing.T) {
	f := newFixture(t)
	bob, carol, dan := f.actor("bob", "a.example"), f.actor("carol", "b.example"), f.actor("dan", "c.example")
	me := Mention{ActorURI: f.owner, Name: "@me@kith.test"}
	mention := func(id int64) Mention { return Mention{ActorURI: f.actorURI(id)} }

	// Bob writes to the owner: a new conversation, unread.
	first := f.post(bob, Post{Visibility: Direct, Conversation: "tag:a.example,1", Mentions: []Mention{me}})
	// The owner answers, naming Carol too: same thread, read.
	reply := f.post(f.localID, Post{Visibility: Direct, Conversation: "tag:a.example,1", InReplyToID: first,
		Mentions: []Mention{mention(bob), mention(carol)}})
	// Dan writes a direct post that does not mention the owner, and a
	// public post that does: neither starts a conversation.
	f.post(dan, Post{Visibility: Direct, Mentions: []Mention{mention(carol)}})
	f.post(dan, Post{Visibility: Public, Mentions: []Mention{me}})
	// Dan writes to the owner: a second conversation, its thread its URI.
	other := f.post(dan, Post{Visibility: Direct, Mentions: []Mention{me}})
	// Carol answers without naming the thread: her reply joins its parent's.
	late := f.post(carol, Post{Visibility: Direct, InReplyToID: reply, Mentions: []Mention{me, mention(bob)}})

	convs, err := f.db.ConversationsPage(f.ctx, Page{})
	if err != nil {
		t.Fatal(err)
	}
	_, last := convIDs(convs)
	if want := []int64{late, other}; !slices.Equal(last, want) {
		t.Fatalf("last posts: got %v, want %v", last, want)
	}
	if got, want := participantIDs(convs[0]), []int64{bob, carol}; !slices.Equal(got, want) {
		t.Errorf("participants: got %v, want %v", got, want)
	}
	if got, want := participantIDs(convs[1]), []int64{dan}; !slices.Equal(got, want) {
		t.Errorf("participants of Dan's: got %v, want %v", got, want)
	}
	if !convs[0].Unread || !convs[1].Unread {
		t.Errorf("unread: got %v, %v, want both", convs[0].Unread, convs[1].Unread)
	}
	if n, _ := f.db.UnreadConversations(f.ctx); n != 2 {
		t.Errorf("unread count: got %d, want 2", n)
	}

	// The owner's own post marks its conversation read.
	f.post(f.localID, Post{Visibility: Direct, InReplyToID: other, Mentions: []Mention{mention(dan)}})
	c, err := f.db.ConversationByID(f.ctx, convs[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Unread {
		t.Error("the owner's reply left the conversation unread")
	}

	f.tx(func(tx *Tx) error { return tx.MarkConversationRead(f.ctx, convs[0].ID) })
	if c, _ := f.db.ConversationByID(f.ctx, convs[0].ID); c.Unread {
		t.Error("marked read, still unread")
	}
	if n, _ := f.db.UnreadConversations(f.ctx); n != 0 {
		t.Errorf("unread count: got %d, want 0", n)
	}

	// Deleting the last post makes the one before it the last.
	f.deletePost(late)
	if c, _ := f.db.ConversationByID(f.ctx, convs[0].ID); c.LastPost.ID != reply {
		t.Errorf("after delete: last post %d, want %d", c.LastPost.ID, reply)
	}
}

func TestConversationHiddenUntilNextPost(t *testing.T) {
	f := newFixture(t)
	bob := f.actor("bob", "a.example")
	me := Mention{ActorURI: f.owner}
	first := f.post(bob, Post{Visibility: Direct, Conversation: "tag:a.example,2", Mentions: []Mention{me}})
	id, err := f.db.ConversationOfPost(f.ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	f.tx(func(tx *Tx) error { return tx.HideConversation(f.ctx, id) })
	if convs, _ := f.db.ConversationsPage(f.ctx, Page{}); len(convs) != 0 {
		t.Errorf("hidden conversation listed: %v", convs)
	}
	if _, err := f.db.ConversationByID(f.ctx, id); !errors.Is(err, ErrNotFound) {
		t.Errorf("hidden conversation by id: got %v, want ErrNotFound", err)
	}
	err = f.db.InTx(f.ctx, func(tx *Tx) error { return tx.MarkConversationRead(f.ctx, id) })
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("read a hidden conversation: got %v, want ErrNotFound", err)
	}
	next := f.post(bob, Post{Visibility: Direct, Conversation: "tag:a.example,2", Mentions: []Mention{me}})
	c, err := f.db.ConversationByID(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if c.LastPost.ID != next || !c.Unread {
		t.Errorf("after a new post: last %d unread %v, want %d true", c.LastPost.ID, c.Unread, next)
	}
}

// Conversations page by their last post, as Mastodon does.
func TestConversationsPaging(t *testing.T) {
	f := newFixture(t)
	bob := f.actor("bob", "a.example")
	me := Mention{ActorURI: f.owner}
	var threads []int64 // first posts
	for range 4 {
		threads = append(threads, f.post(bob, Post{Visibility: Direct, Mentions: []Mention{me}}))
	}
	// A reply moves the first thread to the top.
	top := f.post(bob, Post{Visibility: Direct, InReplyToID: threads[0], Mentions: []Mention{me}})
	want := []int64{top, threads[3], threads[2], threads[1]}
	for _, c := range []struct {
		name string
		pg   Page
		want []int64
	}{
		{"all", Page{}, want},
		{"limit", Page{Limit: 2}, want[:2]},
		{"max_id", Page{MaxID: threads[3], Limit: 2}, want[2:4]},
		{"since_id", Page{SinceID: threads[1], Limit: 2}, want[:2]},
		{"min_id: right after it, newest first", Page{MinID: threads[1], Limit: 2}, []int64{threads[3], threads[2]}},
	} {
		t.Run(c.name, func(t *testing.T) {
			convs, err := f.db.ConversationsPage(f.ctx, c.pg)
			if err != nil {
				t.Fatal(err)
			}
			if _, last := convIDs(convs); !slices.Equal(last, c.want) {
				t.Errorf("got %v, want %v", last, c.want)
			}
		})
	}
}

// The migration files direct posts stored before it ran.
func TestConversationsBackfilled(t *testing.T) {
	f := newFixture(t)
	bob := f.actor("bob", "a.example")
	me := Mention{ActorURI: f.owner}
	a := f.post(bob, Post{Visibility: Direct, Conversation: "tag:a.example,3", Mentions: []Mention{me}})
	b := f.post(f.localID, Post{Visibility: Direct, Conversation: "tag:a.example,3", InReplyToID: a})
	c := f.post(bob, Post{Visibility: Direct, Mentions: []Mention{me}})
	f.post(bob, Post{Visibility: Direct})
	sqlText, err := migrationFiles.ReadFile("migrations/0013_conversations.sql")
	if err != nil {
		t.Fatal(err)
	}
	f.tx(func(tx *Tx) error {
		_, err := tx.tx.ExecContext(f.ctx, `DROP TABLE conversation_posts; DROP TABLE conversations;`+string(sqlText))
		return err
	})
	convs, err := f.db.ConversationsPage(f.ctx, Page{})
	if err != nil {
		t.Fatal(err)
	}
	if _, last := convIDs(convs); !slices.Equal(last, []int64{c, b}) {
		t.Errorf("last posts: got %v, want %v", last, []int64{c, b})
	}
	for _, conv := range convs {
		if conv.Unread {
			t.Errorf("conversation %d backfilled unread", conv.ID)
		}
		if got := participantIDs(conv); !slices.Equal(got, []int64{bob}) {
			t.Errorf("participants: got %v, want [%d]", got, bob)
		}
	}
}

func (f *fixture) actorURI(id int64) string {
	f.t.Helper()
	a, err := f.db.ActorByID(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return a.URI
}

// A local post gets its URI once its id is known; a conversation it
// started follows, so a reply naming that URI as its conversation joins.
func TestConversationFollowsItsPostsURI(t *testing.T) {
	f := newFixture(t)
	bob := f.actor("bob", "a.example")
	own := f.post(f.localID, Post{URI: "urn:kith:pending:1", Visibility: Direct, Mentions: []Mention{{ActorURI: f.actorURI(bob)}}})
	const uri = "https://kith.test/users/me/statuses/1"
	f.tx(func(tx *Tx) error { return tx.SetPostURI(f.ctx, own, uri, uri) })
	reply := f.post(bob, Post{Visibility: Direct, Conversation: uri, Mentions: []Mention{{ActorURI: f.owner}}})
	a, _ := f.db.ConversationOfPost(f.ctx, own)
	b, _ := f.db.ConversationOfPost(f.ctx, reply)
	if a == 0 || a != b {
		t.Errorf("conversations: the post's %d, the reply's %d, want one", a, b)
	}
}

package servertest

import (
	"context"
	"testing"

	"kith/federation"
	"kith/store"
)

// Conversations is what SeedConversations stores: Bob writes to the owner
// (First) and the owner answers (Answer), one conversation; then Carol
// writes to the owner and Bob (Last), another.
type Conversations struct {
	Bob, Carol          store.Actor
	First, Answer, Last store.Post
	// BobsID and CarolsID are the conversations' ids.
	BobsID, CarolsID int64
}

// SeedConversations stores two conversations of direct posts.
func SeedConversations(t *testing.T, in *Instance) Conversations {
	t.Helper()
	ctx := context.Background()
	owner, err := in.DB.ActorByID(ctx, in.DB.OwnerID())
	if err != nil {
		t.Fatal(err)
	}
	var c Conversations
	c.Bob = AddRemoteActor(t, in, "bob", "bob.test")
	c.Carol = AddRemoteActor(t, in, "carol", "carol.test")
	me := store.Mention{ActorURI: owner.URI, Name: "@" + owner.Username}
	c.First = AddRemotePost(t, in, store.Post{URI: "https://bob.test/p/1", AuthorID: c.Bob.ID, Visibility: store.Direct,
		Conversation: "tag:bob.test,2026:1", Content: "<p>psst</p>", Mentions: []store.Mention{me}})
	c.Answer, err = in.Srv.Fed.Post(ctx, federation.NewPost{Text: "hello Bob", Visibility: store.Direct, InReplyTo: c.First.URI})
	if err != nil {
		t.Fatal(err)
	}
	c.Last = AddRemotePost(t, in, store.Post{URI: "https://carol.test/p/1", AuthorID: c.Carol.ID, Visibility: store.Direct,
		Content: "<p>both of you</p>", Mentions: []store.Mention{me, {ActorURI: c.Bob.URI}}})
	if c.BobsID, err = in.DB.ConversationOfPost(ctx, c.First.ID); err != nil {
		t.Fatal(err)
	}
	if c.CarolsID, err = in.DB.ConversationOfPost(ctx, c.Last.ID); err != nil {
		t.Fatal(err)
	}
	return c
}

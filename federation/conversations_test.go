package federation_test

import (
	"context"
	"net"
	"slices"
	"testing"

	"kith/events"
	"kith/federation"
	"kith/store"
)

// newNetworkWithEvents is newNetwork whose instances each publish to an
// events hub, as the streaming API's.
func newNetworkWithEvents(t *testing.T, names ...string) (*network, []*events.Hub) {
	t.Helper()
	n := &network{t: t, hosts: map[string]string{}}
	var lns []net.Listener
	for _, name := range names {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		n.hosts[name+".test"] = ln.Addr().String()
	}
	var hubs []*events.Hub
	for i, name := range names {
		hub := events.NewHub(0)
		hubs = append(hubs, hub)
		n.nodes = append(n.nodes, n.start(name, lns[i], func(o *federation.Options) { o.Events = hub }))
	}
	return n, hubs
}

// conversationEvents returns the conversation ids of the conversation
// events sub has received so far.
func conversationEvents(sub *events.Subscription) []int64 {
	var ids []int64
	for {
		select {
		case e := <-sub.Events():
			if e.Kind == events.Conversation {
				ids = append(ids, e.ConversationID)
			}
		default:
			return ids
		}
	}
}

// onlyConversation returns k's one conversation.
func onlyConversation(t *testing.T, k *kith) store.Conversation {
	t.Helper()
	convs, err := k.db.ConversationsPage(context.Background(), store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(convs) != 1 {
		t.Fatalf("%s has %d conversations, want 1: %+v", k.name, len(convs), convs)
	}
	return convs[0]
}

// Two kith instances exchange direct messages: each side files them in
// one conversation, unread when received, and announces it on the direct
// stream.
func TestDirectMessagesMakeConversations(t *testing.T) {
	n, hubs := newNetworkWithEvents(t, "alice", "bob")
	alice, bob := n.nodes[0], n.nodes[1]
	ctx := context.Background()
	aliceSub, err := hubs[0].Subscribe(events.Filter{Stream: events.Direct})
	if err != nil {
		t.Fatal(err)
	}
	bobSub, err := hubs[1].Subscribe(events.Filter{Stream: events.Direct})
	if err != nil {
		t.Fatal(err)
	}

	note, err := alice.fed.Post(ctx, federation.NewPost{Text: "just for you " + bob.handle(), Visibility: store.Direct})
	if err != nil {
		t.Fatal(err)
	}
	n.settle()
	onBob := onlyConversation(t, bob)
	if !onBob.Unread || len(onBob.Participants) != 1 || onBob.Participants[0].URI != alice.fed.URLs().Actor() || onBob.LastPost.URI != note.URI {
		t.Errorf("bob's conversation: unread %v participants %+v last %s, want unread, alice, %s", onBob.Unread, onBob.Participants, onBob.LastPost.URI, note.URI)
	}
	onAlice := onlyConversation(t, alice)
	if onAlice.Unread || len(onAlice.Participants) != 1 || onAlice.Participants[0].URI != bob.fed.URLs().Actor() {
		t.Errorf("alice's conversation: unread %v participants %+v, want read, bob", onAlice.Unread, onAlice.Participants)
	}
	if got := conversationEvents(bobSub); !slices.Equal(got, []int64{onBob.ID}) {
		t.Errorf("bob's direct stream: conversations %v, want [%d]", got, onBob.ID)
	}
	if got := conversationEvents(aliceSub); !slices.Equal(got, []int64{onAlice.ID}) {
		t.Errorf("alice's direct stream: conversations %v, want [%d]", got, onAlice.ID)
	}

	// Bob answers: the same conversation on both sides.
	if err := bob.db.InTx(ctx, func(tx *store.Tx) error { return tx.MarkConversationRead(ctx, onBob.ID) }); err != nil {
		t.Fatal(err)
	}
	reply, err := bob.fed.Post(ctx, federation.NewPost{Text: "thanks " + alice.handle(), Visibility: store.Direct, InReplyTo: note.URI})
	if err != nil {
		t.Fatal(err)
	}
	n.settle()
	if c := onlyConversation(t, bob); c.ID != onBob.ID || c.Unread || c.LastPost.ID != reply.ID {
		t.Errorf("bob after answering: conversation %d unread %v last %d, want %d, read, %d", c.ID, c.Unread, c.LastPost.ID, onBob.ID, reply.ID)
	}
	c := onlyConversation(t, alice)
	if c.ID != onAlice.ID || !c.Unread || c.LastPost.URI != reply.URI {
		t.Errorf("alice after bob's answer: conversation %d unread %v last %s, want %d, unread, %s", c.ID, c.Unread, c.LastPost.URI, onAlice.ID, reply.URI)
	}
	if got := conversationEvents(aliceSub); !slices.Equal(got, []int64{onAlice.ID}) {
		t.Errorf("alice's direct stream after the answer: conversations %v, want [%d]", got, onAlice.ID)
	}
}

package api_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"kith/server/core"
	"kith/server/servertest"
	"kith/store"
)

// A direct post sends a "conversation" event, with the Conversation
// entity, on the direct stream.
func TestStreamingConversation(t *testing.T) {
	in := servertest.NewStreamInstance(t, 0)
	token := in.Token(t, "read:statuses")
	direct := servertest.OpenSSE(t, in, "/api/v1/streaming/direct", token)
	user := servertest.OpenSSE(t, in, "/api/v1/streaming/user", token)

	in.Post(t, "not a secret", store.Public) // no conversation
	p := in.Post(t, "a note to self", store.Direct)
	id, err := in.DB.ConversationOfPost(context.Background(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	check := func(stream string, e servertest.SSEEvent) {
		t.Helper()
		if e.Name != "conversation" {
			t.Fatalf("%s: event %q, want conversation", stream, e.Name)
		}
		var c struct {
			ID         string            `json:"id"`
			Unread     *bool             `json:"unread"`
			Accounts   []json.RawMessage `json:"accounts"`
			LastStatus *struct {
				ID         string `json:"id"`
				Visibility string `json:"visibility"`
			} `json:"last_status"`
		}
		if err := json.Unmarshal([]byte(e.Data), &c); err != nil {
			t.Fatalf("%s: payload %q: %v", stream, e.Data, err)
		}
		if c.ID != core.APIID(id) || c.Unread == nil || *c.Unread || c.Accounts == nil || len(c.Accounts) != 0 ||
			c.LastStatus == nil || c.LastStatus.ID != core.APIID(p.ID) || c.LastStatus.Visibility != "direct" {
			t.Errorf("%s: payload %s, want conversation %d, read, no other accounts, last status %d", stream, e.Data, id, p.ID)
		}
	}
	check("direct", servertest.NextSSE(t, direct))
	// The user stream has both posts as updates and no conversation event:
	// Mastodon sends those on the direct stream alone. A third post shows
	// that nothing came between.
	in.Post(t, "after", store.Public)
	var names []string
	for range 3 {
		names = append(names, servertest.NextSSE(t, user).Name)
	}
	if !slices.Equal(names, []string{"update", "update", "update"}) {
		t.Errorf("user stream events %v, want three updates and no conversation", names)
	}
}

package e2e

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// fedConversation is a Conversation as the API answers it.
type fedConversation struct {
	ID         string
	Unread     bool
	Accounts   []struct{ Acct string }
	LastStatus *struct{ ID, Visibility, Content string } `json:"last_status"`
}

// waitConversations polls f's conversations until want accepts them.
func waitConversations(t *testing.T, f *fedInstance, token, what string, want func([]fedConversation) bool) []fedConversation {
	t.Helper()
	deadline := time.Now().Add(fedDeadline)
	for {
		var convs []fedConversation
		apiGet(t, f.base, token, "/api/v1/conversations", &convs)
		if want(convs) {
			return convs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s: not within %v; conversations: %+v", f.name, what, fedDeadline, convs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// mastoConversation is a conversation as masto_conversations.mjs reports it.
type mastoConversation struct {
	ID         string
	Unread     bool
	Accounts   []string
	LastStatus *struct{ ID, Visibility, Content string }
}

// testMastoJSConversations has bob write two direct messages to alice;
// masto.js, signed in to alice, pages through her conversations, marks one
// read and answers in it; bob's instance then shows the answer in his
// conversation, unread.
func testMastoJSConversations(t *testing.T) {
	cdir := clientsDir(t)
	needTool(t, filepath.Join(cdir, "node_modules", "masto", "package.json"))
	t.Parallel()
	alice, bob := startFedPair(t)
	bobToken, aliceToken := bob.token(t, "read write"), alice.token(t, "read write")
	// One message at a time: two deliveries in flight at once may arrive
	// in either order, and the order is what the pages are checked for.
	for i, text := range []string{"first secret", "second secret"} {
		var st map[string]any
		apiPostForm(t, bob.base, bobToken, "/api/v1/statuses", map[string][]string{
			"status": {text + " for " + alice.handle()}, "visibility": {"direct"}}, &st)
		waitConversations(t, alice, aliceToken, "bob's "+text, func(c []fedConversation) bool { return len(c) == i+1 })
	}

	out := runClient(t, nil, "", "node", "--no-warnings", "masto_conversations.mjs", alice.base, aliceToken)
	s := parseSteps(t, out)
	bobAcct := strings.TrimPrefix(bob.handle(), "@")
	var paged struct{ Pages [][]mastoConversation }
	if !s.get(t, "pages", &paged) {
		t.Fatalf("masto.js output:\n%s", out)
	}
	if len(paged.Pages) != 2 || len(paged.Pages[0]) != 1 || len(paged.Pages[1]) != 1 {
		t.Fatalf("conversations.list({limit: 1}) pages: %+v, want two pages of one", paged.Pages)
	}
	newest, older := paged.Pages[0][0], paged.Pages[1][0]
	for i, c := range []mastoConversation{newest, older} {
		want := []string{"second secret", "first secret"}[i]
		if !c.Unread || !slices.Equal(c.Accounts, []string{bobAcct}) || c.LastStatus == nil ||
			c.LastStatus.Visibility != "direct" || !strings.Contains(c.LastStatus.Content, want) {
			t.Errorf("page %d: %+v, want unread, with %s, last status the direct %q", i+1, c, bobAcct, want)
		}
	}
	var read mastoConversation
	if s.get(t, "read", &read) && (read.ID != newest.ID || read.Unread) {
		t.Errorf("conversations.$select(%s).read(): %+v, want it read", newest.ID, read)
	}
	var after struct{ Conversations []mastoConversation }
	if s.get(t, "after_read", &after) {
		if len(after.Conversations) != 2 || after.Conversations[0].Unread || !after.Conversations[1].Unread {
			t.Errorf("after read: %+v, want the newest read, the other unread", after.Conversations)
		}
	}
	var reply struct{ ID, Visibility string }
	if s.get(t, "reply", &reply) && reply.Visibility != "direct" {
		t.Errorf("reply: %+v, want direct", reply)
	}
	if s.get(t, "after_reply", &after) {
		if len(after.Conversations) != 2 || after.Conversations[0].ID != newest.ID || after.Conversations[0].Unread ||
			after.Conversations[0].LastStatus == nil || after.Conversations[0].LastStatus.ID != reply.ID {
			t.Errorf("after the reply: %+v, want conversation %s first, read, its last status %s", after.Conversations, newest.ID, reply.ID)
		}
	}
	if t.Failed() {
		t.Fatalf("masto.js output:\n%s", out)
	}

	// On bob's instance the answer joined his conversation, unread.
	waitConversations(t, bob, bobToken, "alice's answer", func(c []fedConversation) bool {
		return len(c) == 2 && c[0].Unread && c[0].LastStatus != nil && strings.Contains(c[0].LastStatus.Content, "thanks, read it")
	})
}

// carolWritesDirect has carol send alice a direct message, so that
// alice's Direct page has a conversation on it, unread.
func carolWritesDirect(t *testing.T, carol *fakeActor, alice *fedInstance) {
	t.Helper()
	aliceURI := "http://" + alice.host + "/users/alice"
	note := carol.note(2, `<p><span class="h-card"><a href="`+aliceURI+`" class="u-url mention">@<span>alice</span></a></span> just between us: the teal is mine.</p>`)
	note["to"] = []string{aliceURI}
	note["cc"] = []string{}
	note["tag"] = []map[string]string{{"type": "Mention", "href": aliceURI, "name": "@alice@" + alice.host}}
	carol.deliver(t, alice, carol.create(note))
	waitConversations(t, alice, alice.token(t, "read"), "carol's direct message", func(c []fedConversation) bool {
		return len(c) == 1 && c[0].Unread
	})
}

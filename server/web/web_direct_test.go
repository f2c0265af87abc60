package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"kith/server/core"
	"kith/server/servertest"
)

// The Direct page lists conversations with their participants and last
// post, unread ones marked; opening one marks it read and shows its
// thread.
func TestWebDirectPage(t *testing.T) {
	o := newWebOwner(t)
	_, empty := o.get(t, "/direct")
	if !strings.Contains(empty, "No direct conversations yet") {
		t.Errorf("/direct with no conversations does not say so")
	}
	fx := servertest.SeedConversations(t, o.Instance)
	bob, carol, last, bobs, carols := fx.Bob, fx.Carol, fx.Last, fx.BobsID, fx.CarolsID

	resp, page := o.get(t, "/direct")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/direct: status %d", resp.StatusCode)
	}
	carolAt, bobAt := strings.Index(page, `id="conversation-`+core.APIID(carols)+`"`), strings.Index(page, `id="conversation-`+core.APIID(bobs)+`"`)
	if carolAt < 0 || bobAt < 0 || carolAt > bobAt {
		t.Fatalf("/direct: want Carol's conversation (newest) before Bob's:\n%s", page)
	}
	carolsPart, bobsPart := page[carolAt:bobAt], page[bobAt:]
	if !strings.Contains(carolsPart, bob.DisplayName+" (@"+bob.Username+"@bob.test)") || !strings.Contains(carolsPart, carol.DisplayName) ||
		!strings.Contains(carolsPart, "both of you") || !strings.Contains(carolsPart, `<span class="badge">Unread</span>`) {
		t.Errorf("Carol's conversation: want both participants, her post, unread:\n%s", carolsPart)
	}
	if !strings.Contains(bobsPart, "hello Bob") || strings.Contains(bobsPart, "Unread") {
		t.Errorf("Bob's conversation: want the owner's answer, read:\n%s", bobsPart)
	}
	if !strings.Contains(page, `href="/direct" aria-current="page">Direct <span class="badge">1<span class="visually-hidden"> unread</span>`) {
		t.Errorf("the navigation does not show one unread conversation")
	}

	resp, _ = o.get(t, "/direct/"+core.APIID(carols))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/thread/"+core.APIID(last.ID) {
		t.Errorf("opening: status %d to %q, want 303 to /thread/%d", resp.StatusCode, resp.Header.Get("Location"), last.ID)
	}
	if c, _ := o.DB.ConversationByID(context.Background(), carols); c.Unread {
		t.Error("opened conversation still unread")
	}
	if resp, _ := o.get(t, "/direct/999999"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown conversation: status %d, want 404", resp.StatusCode)
	}
}

package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"kith/federation"
	"kith/server/servertest"
	"kith/store"
)

// TestWebDeleteAsksFirst: a post's Delete is a link to a page that asks,
// shows the post without its buttons, and deletes only when its form is
// posted with the CSRF token; Cancel goes back to the page the link was
// on, if that page is on this site.
func TestWebDeleteAsksFirst(t *testing.T) {
	o := newWebOwner(t)
	p := o.ownPost(t, federation.NewPost{Text: "a post to regret"})
	id := strconv.FormatInt(p.ID, 10)
	confirmURL := "/statuses/" + id + "/delete"

	_, home := o.get(t, "/home")
	if want := `href="` + confirmURL + `?return_to=%2fhome"`; !strings.Contains(home, want) {
		t.Errorf("/home: no Delete link %s", want)
	}
	if strings.Contains(home, `value="delete"`) {
		t.Errorf("/home: a post still has a Delete button that deletes at once")
	}

	resp, page := o.get(t, confirmURL+"?return_to=/home")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", confirmURL, resp.StatusCode)
	}
	for _, want := range []string{
		"<h1>Delete this post?</h1>", "a post to regret",
		`<form method="post" action="` + confirmURL + `"`,
		`name="csrf_token" value="` + o.token + `"`,
		`name="return_to" value="/home"`,
		`<button type="submit" class="danger">Delete</button>`,
		`<a href="/home">Cancel</a>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("confirmation page lacks %s:\n%s", want, page)
		}
	}
	if strings.Contains(page, "status-actions") {
		t.Errorf("confirmation page shows the post's buttons")
	}
	if _, err := o.DB.PostByID(context.Background(), p.ID); err != nil {
		t.Fatalf("after GET %s: %v, want the post still there", confirmURL, err)
	}

	// Cancel never leads off the site.
	for _, to := range []string{"//evil.example/", "https://evil.example/", "javascript:alert(1)"} {
		_, page := o.get(t, confirmURL+"?return_to="+url.QueryEscape(to))
		if !strings.Contains(page, `<a href="/thread/`+id+`">Cancel</a>`) {
			t.Errorf("return_to %q: Cancel does not lead to the post's thread", to)
		}
	}
	for _, missing := range []string{"/statuses/999999/delete", "/statuses/x/delete"} {
		if resp, _ := o.get(t, missing); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", missing, resp.StatusCode)
		}
	}

	if resp, _ := servertest.Post(t, o.c, o.HTTP.URL+confirmURL, url.Values{"return_to": {"/home"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST %s without the CSRF token: status %d, want 403", confirmURL, resp.StatusCode)
	}
	resp, _ = o.post(t, confirmURL, url.Values{"return_to": {"/home"}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/home") {
		t.Errorf("POST %s: status %d to %q, want 303 to /home", confirmURL, resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, err := o.DB.PostByID(context.Background(), p.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after the confirmed delete: PostByID: %v, want ErrNotFound", err)
	}

	// Deleted from its own page (its permalink or thread), the owner
	// lands on home rather than on a page that is gone.
	for _, page := range []string{"/@admin/", "/thread/"} {
		p := o.ownPost(t, federation.NewPost{Text: "another"})
		id := strconv.FormatInt(p.ID, 10)
		resp, _ := o.post(t, "/statuses/"+id+"/delete", url.Values{"return_to": {page + id}})
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/home" {
			t.Errorf("delete from %s%s: status %d to %q, want 303 to /home", page, id, resp.StatusCode, loc)
		}
	}
}

package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"kith/server/servertest"
	"kith/server/web"
)

func TestLocalTarget(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" when refused
	}{
		{"/", "/"},
		{"/settings", "/settings"},
		{"/x?y#z", "/x?y#z"},
		{"/a?b=c&d=%2F", "/a?b=c&d=%2F"},
		{"/tags/caf%C3%A9", "/tags/caf%C3%A9"},
		{"/%2F%2Fevil", "/%2F%2Fevil"}, // browsers keep %2F: a path here
		{"/%09/evil", "/%09/evil"},     // likewise %09 (what /login?next=/%2509/evil delivers)
		{" /x", "/x"},                  // browsers trim leading and trailing spaces and controls
		{"/x\t", "/x"},
		{"/sett\tings", "/settings"}, // and drop tabs and newlines anywhere
		// Refused: what a browser would take to another site.
		{"/\t/evil", ""},
		{"/\r\n/evil", ""},
		{"\t//evil", ""},
		{"/\\evil", ""},
		{"\\/evil", ""},
		{"\\\\evil", ""},
		{"/\t\\evil", ""},
		{"//evil", ""},
		{"///evil", ""},
		{"https://evil", ""},
		{"HTTPS://evil", ""},
		{"https:evil", ""},
		{"//user@evil/", ""},
		{"javascript:alert(1)", ""},
		{"java\tscript:alert(1)", ""},
		{"data:text/html,hi", ""},
		// Refused: not an absolute path.
		{"", ""},
		{"settings", ""},
		{"./x", ""},
		{"?x=1", ""},
		{"#top", ""},
		{"/x\x00y", ""},
		{"/x\x7fy", ""},
		{"/%zz", ""},
	}
	for _, tt := range tests {
		got, ok := web.LocalTarget(tt.in)
		if tt.want == "" {
			if ok {
				t.Errorf("localTarget(%q) = %q, want refused", tt.in, got)
			}
			if next := web.SafeNext(tt.in); next != "/" {
				t.Errorf("safeNext(%q) = %q, want /", tt.in, next)
			}
			continue
		}
		if !ok || got != tt.want {
			t.Errorf("localTarget(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

// The attack as it arrived: a tab between the slashes, which browsers
// drop, so Location "/\t/evil.example/phish" sent the owner to
// //evil.example.
func TestLoginNextStaysOnSite(t *testing.T) {
	in := servertest.New(t, nil)
	for _, next := range []string{"/%09/evil.example/phish", "/%0D%0A/evil.example", "/%5Cevil.example", "%5C/evil.example", "https://evil.example"} {
		c := in.Browser(t)
		_, page := servertest.Get(t, c, in.HTTP.URL+"/login?next="+next)
		resp, _ := servertest.Post(t, c, in.HTTP.URL+"/login", url.Values{
			"csrf_token": {servertest.CSRFToken(t, page)}, "username": {"admin"}, "password": {servertest.Password},
			"next": {mustUnescape(t, next)},
		})
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/" {
			t.Errorf("next=%s: status %d to %q, want 303 to /", next, resp.StatusCode, loc)
		}
		// Signed in, the login page sends the owner on at once.
		resp, _ = servertest.Get(t, c, in.HTTP.URL+"/login?next="+next)
		if loc := resp.Header.Get("Location"); loc != "/" {
			t.Errorf("signed in, next=%s: to %q, want /", next, loc)
		}
	}
	c := in.Browser(t)
	_, page := servertest.Get(t, c, in.HTTP.URL+"/login?next=/settings%3Fa%3Db")
	resp, _ := servertest.Post(t, c, in.HTTP.URL+"/login", url.Values{
		"csrf_token": {servertest.CSRFToken(t, page)}, "username": {"admin"}, "password": {servertest.Password}, "next": {"/settings?a=b"},
	})
	if loc := resp.Header.Get("Location"); loc != "/settings?a=b" {
		t.Errorf("a local next: to %q, want /settings?a=b", loc)
	}
}

// Forms that come back to where they were posted from take the same
// parser.
func TestReturnToStaysOnSite(t *testing.T) {
	in := servertest.New(t, nil)
	c := in.Browser(t)
	token := in.SignIn(t, c)
	bob := servertest.AddRemoteActor(t, in, "bob", "remote.example")
	for _, back := range []string{"/\t/evil.example/", "\\/evil.example", "/\\evil.example", "//evil.example"} {
		resp, _ := servertest.Post(t, c, fmt.Sprintf("%s/accounts/%d/unmute", in.HTTP.URL, bob.ID), url.Values{"csrf_token": {token}, "return_to": {back}})
		if loc, want := resp.Header.Get("Location"), fmt.Sprintf("/accounts/%d", bob.ID); loc != want {
			t.Errorf("account form, return_to %q: to %q, want %q", back, loc, want)
		}
	}
	resp, _ := servertest.Post(t, c, fmt.Sprintf("%s/accounts/%d/unmute", in.HTTP.URL, bob.ID), url.Values{"csrf_token": {token}, "return_to": {"/relationships?type=muted"}})
	if loc := resp.Header.Get("Location"); loc != "/relationships?type=muted" {
		t.Errorf("account form, local return_to: to %q", loc)
	}
}

func TestStatusReturnToStaysOnSite(t *testing.T) {
	o := newWebOwner(t)
	remote := o.remotePost(t, "theirs")
	id := fmt.Sprint(remote.ID)
	for _, back := range []string{"/\t/evil.example/", "\\/evil.example", "/\\evil.example", " //evil.example"} {
		resp, _ := o.post(t, "/statuses/"+id+"/bookmark", url.Values{"return_to": {back}})
		if loc, want := resp.Header.Get("Location"), "/thread/"+id+"#status-"+id; loc != want {
			t.Errorf("return_to %q: to %q, want %q", back, loc, want)
		}
	}
}

func mustUnescape(t *testing.T, s string) string {
	t.Helper()
	u, err := url.QueryUnescape(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

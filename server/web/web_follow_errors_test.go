package web_test

import (
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"kith/server/servertest"
)

// TestWebFollowSaysWhyLookupFailed: the follow form names the cause when
// the account cannot be looked up (a server that speaks only http, a port
// where nothing listens), not "no account", and shows no Go error text.
func TestWebFollowSaysWhyLookupFailed(t *testing.T) {
	alice := startWebPeers(t, "alice")[0]
	c, token := accOwner(t, alice.Instance)
	httpOnly := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/jrd+json")
		w.Write([]byte(`{"links":[]}`))
	}))
	t.Cleanup(httpOnly.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := ln.Addr().String()
	ln.Close()
	for _, tt := range []struct{ host, want string }{
		{httpOnly.Listener.Addr().String(), "answered over http only; fediverse servers are looked up over https."},
		{refused, "refused the connection."},
	} {
		acct := "@bob@" + tt.host
		resp, body := servertest.Post(t, c, alice.HTTP.URL+"/follow", url.Values{"csrf_token": {token}, "acct": {acct}})
		text := html.UnescapeString(body)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text, "Could not find "+acct+": "+tt.host+" "+tt.want) {
			t.Errorf("follow %s: status %d, want 422 saying %q:\n%s", acct, resp.StatusCode, tt.want, body)
		}
		// The alert alone: the rest of the page holds random tokens, which
		// may spell anything.
		alert, _, _ := strings.Cut(text[strings.Index(text, `role="alert">`)+1:], "</p>")
		for _, detail := range []string{"webfinger", "dial", "tcp", "HTTPS client"} {
			if strings.Contains(alert, detail) {
				t.Errorf("follow %s: the alert shows the error's detail %q: %s", acct, detail, alert)
			}
		}
	}
}

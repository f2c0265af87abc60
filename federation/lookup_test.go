package federation_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"kith/federation"
)

// TestLookupErrorsSayWhy: a follow by handle that fails says why, in
// words for the owner, and stays ErrNotFound for the callers that ask.
func TestLookupErrorsSayWhy(t *testing.T) {
	serve := func(h http.HandlerFunc) string {
		s := httptest.NewServer(h)
		t.Cleanup(s.Close)
		return s.Listener.Addr().String()
	}
	webfinger := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/jrd+json")
		w.Write([]byte(`{"subject":"acct:bob@x","links":[{"rel":"self","type":"application/activity+json","href":"http://x/users/bob"}]}`))
	}
	httpOnly := serve(webfinger)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := closed.Addr().String()
	closed.Close()
	tlsServer := httptest.NewUnstartedServer(http.HandlerFunc(webfinger))
	tlsServer.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	tlsServer.StartTLS()                                   // its certificate is nobody's
	t.Cleanup(tlsServer.Close)
	stop := make(chan struct{})
	hanging := serve(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	})
	t.Cleanup(func() { close(stop) }) // before the server's Close, which waits for its handlers

	// Lab hosts ([federation.hosts]) are asked over http when https fails,
	// so their answers get through.
	lab := map[string]string{
		"gone.test": serve(http.NotFound),
		"html.test": serve(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>hello</html>")) }),
		"nolinks.test": serve(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"subject":"acct:bob@nolinks.test","links":[]}`))
		}),
		"broken.test": serve(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) }),
		"slow.test":   hanging,
	}
	n := newNetworkWithHosts(t, lab, "alice")
	alice := n.nodes[0]
	tests := []struct {
		name, handle string
		reason       federation.LookupReason
		explains     string
	}{
		{"http only", "@bob@" + httpOnly, federation.LookupHTTPOnly, httpOnly + " answered over http only; fediverse servers are looked up over https."},
		{"nothing listens", "@bob@" + refused, federation.LookupRefused, refused + " refused the connection."},
		{"certificate", "@bob@" + tlsServer.Listener.Addr().String(), federation.LookupCertificate, "https certificate is not valid"},
		{"no such account", "@bob@gone.test", federation.LookupNoAccount, "gone.test has no such account."},
		{"not WebFinger", "@bob@html.test", federation.LookupNoWebFinger, "html.test gave no WebFinger answer"},
		{"no actor link", "@bob@nolinks.test", federation.LookupNoWebFinger, "nolinks.test gave no WebFinger answer"},
		{"server error", "@bob@broken.test", federation.LookupServerError, "broken.test answered with an error (502 Bad Gateway)."},
		{"timeout", "@bob@slow.test", federation.LookupTimeout, "slow.test did not answer in time."},
		{"actor URL refused", "http://" + refused + "/users/bob", federation.LookupRefused, refused + " refused the connection."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_, err := alice.fed.Resolve(ctx, tt.handle)
			var le *federation.LookupError
			if !errors.As(err, &le) {
				t.Fatalf("Resolve(%s): %v, want a *LookupError", tt.handle, err)
			}
			if le.Reason != tt.reason || !strings.Contains(le.Explain(), tt.explains) {
				t.Errorf("Resolve(%s): reason %d %q (%v), want %d saying %q", tt.handle, le.Reason, le.Explain(), err, tt.reason, tt.explains)
			}
			if !errors.Is(err, federation.ErrNotFound) {
				t.Errorf("Resolve(%s): %v is not ErrNotFound", tt.handle, err)
			}
			if strings.Contains(le.Explain(), "dial") || strings.Contains(le.Explain(), "tcp") {
				t.Errorf("Explain() leaks the error's detail: %q", le.Explain())
			}
		})
	}
}

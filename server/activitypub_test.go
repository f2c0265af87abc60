package server_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"kith/federation"
	"kith/server"
	"kith/server/core"
	"kith/server/servertest"
)

func TestWantsActivityJSON(t *testing.T) {
	tests := []struct {
		accept string
		want   bool
	}{
		{"application/activity+json", true},
		{`application/ld+json; profile="https://www.w3.org/ns/activitystreams"`, true},
		{`application/ld+json;profile="https://www.w3.org/ns/activitystreams"`, true},
		{"application/ld+json", true},
		{`application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`, true},
		{"text/html, application/activity+json", true},
		{"APPLICATION/ACTIVITY+JSON", true},
		{`application/ld+json; profile="http://www.w3.org/ns/json-ld#compacted"`, false},
		{"application/json", false},
		{"text/html", false},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", false},
		{"*/*", false},
		{"", false},
		{";;;", false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodGet, "/users/admin", nil)
		if tt.accept != "" {
			r.Header.Set("Accept", tt.accept)
		}
		if got := core.WantsActivityJSON(r); got != tt.want {
			t.Errorf("Accept %q: got %v, want %v", tt.accept, got, tt.want)
		}
	}
}

// TestAPErrorStatus: federation's sentinel errors, wrapped, become the
// statuses peers expect; anything else is a 500 without detail.
func TestAPErrorStatus(t *testing.T) {
	in := servertest.New(t, nil)
	tests := []struct {
		err  error
		want int
	}{
		{fmt.Errorf("verify: %w", federation.ErrUnauthorized), http.StatusUnauthorized},
		{fmt.Errorf("parse: %w", federation.ErrBadRequest), http.StatusBadRequest},
		{fmt.Errorf("actor: %w", federation.ErrForbidden), http.StatusForbidden},
		{fmt.Errorf("post 3: %w", federation.ErrNotFound), http.StatusNotFound},
		{fmt.Errorf("read: %w", &http.MaxBytesError{Limit: server.MaxBody}), http.StatusRequestEntityTooLarge},
		{errors.New("database is locked"), http.StatusInternalServerError},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		in.Srv.PlainFail(w, httptest.NewRequest(http.MethodPost, "/inbox", nil), tt.err)
		if w.Code != tt.want {
			t.Errorf("%v: status %d, want %d", tt.err, w.Code, tt.want)
		}
		if strings.Contains(w.Body.String(), "database") {
			t.Errorf("%v: the body %q shows the error", tt.err, w.Body)
		}
	}
}

// TestActivityPubRoutes checks the thin handlers through the router: their
// statuses and headers, without any peer.
func TestActivityPubRoutes(t *testing.T) {
	in := servertest.New(t, nil)
	base := in.HTTP.URL
	acct := url.Values{"resource": {"acct:admin@localhost:8080"}}.Encode()
	ap := federation.ActivityJSON
	tests := []struct {
		name, method, path, accept, contentType string
		body                                    []byte
		want                                    int
		wantType                                string // prefix of Content-Type
		header, value                           string // another header to check
	}{
		{"webfinger", "GET", "/.well-known/webfinger?" + acct, "", "", nil, 200, "application/jrd+json", "Access-Control-Allow-Origin", "*"},
		{"webfinger without resource", "GET", "/.well-known/webfinger", "", "", nil, 400, "", "", ""},
		{"webfinger, empty resource", "GET", "/.well-known/webfinger?resource=", "", "", nil, 400, "", "", ""},
		{"webfinger, unknown", "GET", "/.well-known/webfinger?resource=acct:root@localhost:8080", "", "", nil, 404, "", "", ""},
		{"host-meta", "GET", "/.well-known/host-meta", "", "", nil, 200, "application/xrd+xml", "Access-Control-Allow-Origin", "*"},
		{"host-meta.json", "GET", "/.well-known/host-meta.json", "", "", nil, 200, "application/jrd+json", "", ""},
		{"nodeinfo links", "GET", "/.well-known/nodeinfo", "", "", nil, 200, "application/json", "", ""},
		{"nodeinfo 2.1", "GET", "/nodeinfo/2.1", "", "", nil, 200, `application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"`, "", ""},
		{"nodeinfo 1.0", "GET", "/nodeinfo/1.0", "", "", nil, 404, "", "", ""},
		{"actor", "GET", "/users/admin", ap, "", nil, 200, ap, "Vary", "Accept"},
		{"actor, any case", "GET", "/users/Admin", ap, "", nil, 200, ap, "", ""},
		{"actor as HTML", "GET", "/users/admin", "text/html", "", nil, 302, "", "Location", "http://localhost:8080/@admin"},
		{"another user", "GET", "/users/root", ap, "", nil, 404, "", "", ""},
		{"another user's inbox", "POST", "/users/root/inbox", "", ap, []byte(`{}`), 404, "", "", ""},
		{"instance actor", "GET", "/actor", ap, "", nil, 200, ap, "", ""},
		{"outbox", "GET", "/users/admin/outbox", ap, "", nil, 200, ap, "", ""},
		{"outbox page", "GET", "/users/admin/outbox?page=true", ap, "", nil, 200, ap, "", ""},
		{"followers", "GET", "/users/admin/followers", ap, "", nil, 200, ap, "", ""},
		{"following page", "GET", "/users/admin/following?page=1", ap, "", nil, 200, ap, "", ""},
		{"featured", "GET", "/users/admin/collections/featured", ap, "", nil, 200, ap, "", ""},
		{"missing post", "GET", "/users/admin/statuses/7", ap, "", nil, 404, "", "", ""},
		{"bad post id", "GET", "/users/admin/statuses/seven", ap, "", nil, 404, "", "", ""},
		{"missing post as HTML", "GET", "/users/admin/statuses/7", "text/html", "", nil, 302, "", "Location", "http://localhost:8080/@admin/7"},
		{"missing Create", "GET", "/users/admin/statuses/7/activity", ap, "", nil, 404, "", "", ""},
		{"inbox GET", "GET", "/inbox", ap, "", nil, 405, "", "", ""},
		{"inbox, text/plain", "POST", "/inbox", "", "text/plain", []byte(`{}`), 415, "", "", ""},
		{"inbox, form", "POST", "/users/admin/inbox", "", "application/x-www-form-urlencoded", []byte(`a=b`), 415, "", "", ""},
		{"inbox, garbage", "POST", "/inbox", "", ap, []byte(`{{`), 400, "", "", ""},
		{"inbox, no actor", "POST", "/actor/inbox", "", ap, []byte(`{"id":"https://example.org/1","type":"Follow"}`), 400, "", "", ""},
		{"inbox, unsigned", "POST", "/inbox", "", "application/json", []byte(`{"id":"https://example.org/1","type":"Follow","actor":"https://example.org/users/a","object":"x"}`), 401, "", "", ""},
		{"inbox, too big", "POST", "/inbox", "", ap, bytes.Repeat([]byte(" "), server.MaxBody+1), 413, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			if tt.body != nil {
				body = bytes.NewReader(tt.body)
			}
			req, err := http.NewRequest(tt.method, base+tt.path, body)
			if err != nil {
				t.Fatal(err)
			}
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			resp, err := in.Browser(t).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got := servertest.ReadBody(t, resp)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.want, got)
			}
			if ct := resp.Header.Get("Content-Type"); tt.wantType != "" && !strings.HasPrefix(ct, tt.wantType) {
				t.Errorf("Content-Type %q, want %s", ct, tt.wantType)
			}
			if tt.header != "" && resp.Header.Get(tt.header) != tt.value {
				t.Errorf("%s %q, want %q", tt.header, resp.Header.Get(tt.header), tt.value)
			}
		})
	}
}

func TestAPICORS(t *testing.T) {
	in := servertest.New(t, nil)
	req, _ := http.NewRequest("OPTIONS", in.HTTP.URL+"/api/v1/timelines/home", nil)
	req.Header.Set("Origin", "https://elk.example")
	req.Header.Set("Access-Control-Request-Method", "GET")
	req.Header.Set("Access-Control-Request-Headers", "authorization")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("preflight: status %d headers %v", resp.StatusCode, resp.Header)
	}
	resp, err = http.Get(in.HTTP.URL + "/api/v1/instance")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "Link") {
		t.Errorf("GET: CORS headers %v", resp.Header)
	}
	resp, _ = http.Get(in.HTTP.URL + "/login")
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("a page sent CORS headers")
	}
}

func TestAPIPathsForgiving(t *testing.T) {
	in := servertest.New(t, nil)
	resp, err := http.Get(in.HTTP.URL + "/api/v1/instance/")
	if err != nil {
		t.Fatal(err)
	}
	body := servertest.ReadBody(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"uri"`) {
		t.Errorf("GET /api/v1/instance/ = %d %s; want the instance", resp.StatusCode, body)
	}
	resp, _ = http.Get(in.HTTP.URL + "/api/v1/no-such-thing")
	body = servertest.ReadBody(t, resp)
	if resp.StatusCode != http.StatusNotFound || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || !strings.Contains(body, `"error"`) {
		t.Errorf("unknown API path = %d %q %s; want a JSON 404", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

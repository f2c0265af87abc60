package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"kith/server/servertest"
)

// fetchCoded GETs u asking for the codings in accept, without the
// transport's own gzip handling, and returns the response with its body
// decoded as its Content-Encoding says.
func fetchCoded(t *testing.T, u, accept string, edit func(*http.Request)) (*http.Response, []byte, int) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Accept-Encoding", accept)
	if edit != nil {
		edit(req)
	}
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	wire, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if len(wire) == 0 { // a 304, a HEAD
		return resp, nil, 0
	}
	var body []byte
	switch resp.Header.Get("Content-Encoding") {
	case "":
		body = wire
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(wire))
		if err != nil {
			t.Fatalf("%s: gzip: %v", u, err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			t.Fatalf("%s: gzip body: %v", u, err)
		}
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(wire))
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		if body, err = io.ReadAll(zr); err != nil {
			t.Fatalf("%s: zstd body: %v", u, err)
		}
	default:
		t.Fatalf("%s: unexpected Content-Encoding %q", u, resp.Header.Get("Content-Encoding"))
	}
	return resp, body, len(wire)
}

// Text is compressed in the coding the client prefers and decodes to
// what an uncompressed request gets; media, small bodies, HEAD, ranges
// and clients that take no coding get the body as it is.
func TestCompression(t *testing.T) {
	in := servertest.New(t, nil)
	css := linkedStylesheet(t, in)
	for _, tc := range []struct {
		name, path, accept string
		edit               func(*http.Request)
		want               string // Content-Encoding
	}{
		{"page, zstd preferred on a tie", "/", "gzip, deflate, br, zstd", nil, "zstd"},
		{"page, gzip only", "/", "gzip", nil, "gzip"},
		{"page, weights", "/", "zstd;q=0.5, gzip;q=0.8", nil, "gzip"},
		{"page, wildcard", "/", "*", nil, "zstd"},
		{"page, zstd refused", "/", "zstd;q=0, *;q=0.1", nil, "gzip"},
		{"page, identity", "/", "identity", nil, ""},
		{"page, no header", "/", "", nil, ""},
		{"stylesheet", css, "gzip, zstd", nil, "zstd"},
		{"stylesheet, gzip", css, "gzip", nil, "gzip"},
		{"script", "/static/kith.js", "gzip", nil, "gzip"},
		{"actor document", "/users/" + in.Srv.Config().Owner.Username, "gzip", func(r *http.Request) {
			r.Header.Set("Accept", "application/activity+json")
		}, "gzip"},
		{"API JSON", "/api/v1/instance", "zstd", nil, "zstd"},
		{"image", "/static/avatar.png", "gzip, zstd", nil, ""},
		{"small body", "/healthz", "gzip, zstd", nil, ""},
		{"range", "/static/kith.js", "gzip", func(r *http.Request) { r.Header.Set("Range", "bytes=0-99") }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body, wire := fetchCoded(t, in.HTTP.URL+tc.path, tc.accept, tc.edit)
			if resp.StatusCode >= 300 {
				t.Fatalf("GET %s: status %d", tc.path, resp.StatusCode)
			}
			if got := resp.Header.Get("Content-Encoding"); got != tc.want {
				t.Fatalf("GET %s with Accept-Encoding %q: Content-Encoding %q, want %q", tc.path, tc.accept, got, tc.want)
			}
			_, plain, _ := fetchCoded(t, in.HTTP.URL+tc.path, "identity", tc.edit)
			if tc.want == "" {
				return
			}
			if vary := strings.Join(resp.Header.Values("Vary"), ", "); !strings.Contains(vary, "Accept-Encoding") {
				t.Errorf("Vary %q lacks Accept-Encoding", vary)
			}
			if wire >= len(body) {
				t.Errorf("%d bytes on the wire for a body of %d", wire, len(body))
			}
			// Pages carry fresh tokens on every request: compare what is
			// the same in both, their length and their opening.
			if len(body) < len(plain)-200 || len(body) > len(plain)+200 || !bytes.Equal(body[:200], plain[:200]) {
				t.Errorf("decoded body (%d bytes) is not the uncompressed one (%d bytes)", len(body), len(plain))
			}
		})
	}
}

// A conditional GET of the stylesheet with any coding's ETag is answered
// 304; HEAD is never coded.
func TestCompressionStylesheetValidators(t *testing.T) {
	in := servertest.New(t, nil)
	css := linkedStylesheet(t, in)
	resp, _, _ := fetchCoded(t, in.HTTP.URL+css, "zstd", nil)
	etag := resp.Header.Get("ETag")
	for _, accept := range []string{"zstd", "gzip", "identity"} {
		resp, _, _ := fetchCoded(t, in.HTTP.URL+css, accept, func(r *http.Request) { r.Header.Set("If-None-Match", etag) })
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("If-None-Match %s with Accept-Encoding %s: status %d, want 304", etag, accept, resp.StatusCode)
		}
	}
	resp, _, _ = fetchCoded(t, in.HTTP.URL+css, "zstd", func(r *http.Request) { r.Method = http.MethodHead })
	if got := resp.Header.Get("Content-Encoding"); got != "" {
		t.Errorf("HEAD: Content-Encoding %q, want none", got)
	}
}

// An event stream is never coded: each event must reach the client when
// it is sent, not when a compressor's block fills.
func TestCompressionSkipsEventStreams(t *testing.T) {
	in := servertest.NewStreamInstance(t, 0)
	token := in.Token(t, "read")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, in.HTTP.URL+"/api/v1/streaming/public", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept-Encoding", "gzip, zstd")
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("Content-Type %q, want text/event-stream", resp.Header.Get("Content-Type"))
	}
	if got := resp.Header.Get("Content-Encoding"); got != "" {
		t.Errorf("event stream: Content-Encoding %q, want none", got)
	}
	in.Post(t, "an event", "public")
	events := make(chan servertest.SSEEvent, 4)
	go servertest.ScanSSE(resp.Body, func(e servertest.SSEEvent) { events <- e })
	if e := servertest.NextSSE(t, events); e.Name != "update" {
		t.Errorf("first event %q, want update", e.Name)
	}
}

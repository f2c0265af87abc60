package e2e

import (
	"strings"
	"testing"
)

// browserResponse is one response the encodings step saw.
type browserResponse struct {
	URL, Kind, ContentType, ContentEncoding, AcceptEncoding string
	Status                                                  int
}

// TestBrowserCompression loads the owner's home page in chromium, with a
// post carrying an image, and checks what came over the wire: the page,
// the stylesheet and the script compressed in a coding chromium asked
// for; the image and the page's event stream as they are.
func TestBrowserCompression(t *testing.T) {
	t.Parallel()
	b := startBrowser(t, "MAP alice.test 127.0.0.1")
	alice, _ := startAlice(t, nil)
	b.must("login", map[string]any{"base": "http://" + alice.host, "username": "alice", "password": clientsPassword}, nil)
	b.must("compose", map[string]any{"text": "A picture of the " + strings.Repeat("evening sky over the hills, ", 20), "image": testPNG(t), "alt": "dusk"}, nil)

	var seen []browserResponse
	b.must("encodings", map[string]any{"path": "/home", "stream": "/home/events"}, &seen)
	byKind := map[string][]browserResponse{}
	for _, r := range seen {
		byKind[r.Kind] = append(byKind[r.Kind], r)
		t.Logf("%-10s %d %-40s %-8q %s", r.Kind, r.Status, r.ContentType, r.ContentEncoding, r.URL)
	}
	// Playwright reports the request headers of the document alone; its
	// subresources were asked for by the same browser. (Over plain http
	// chromium offers gzip and deflate; br and zstd only over https.)
	var asked string
	if docs := byKind["document"]; len(docs) > 0 {
		asked = docs[0].AcceptEncoding
	}
	if !strings.Contains(asked, "gzip") {
		t.Errorf("chromium's Accept-Encoding %q lacks gzip", asked)
	}
	for _, kind := range []string{"document", "stylesheet", "script"} {
		rs := byKind[kind]
		if len(rs) == 0 {
			t.Errorf("no %s response seen", kind)
			continue
		}
		for _, r := range rs {
			if r.ContentEncoding == "" || !strings.Contains(asked, r.ContentEncoding) {
				t.Errorf("%s %s: Content-Encoding %q, want one of what chromium asked for (%q)", kind, r.URL, r.ContentEncoding, asked)
			}
		}
	}
	for _, kind := range []string{"image", "stream"} {
		rs := byKind[kind]
		if len(rs) == 0 {
			t.Errorf("no %s response seen", kind)
		}
		for _, r := range rs {
			if r.ContentEncoding != "" {
				t.Errorf("%s %s: Content-Encoding %q, want none", kind, r.URL, r.ContentEncoding)
			}
		}
	}
}

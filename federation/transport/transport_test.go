package transport

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestHostsMap(t *testing.T) {
	serve := func(name string) *httptest.Server {
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%s %s %s %s", name, r.Host, r.URL.Path, r.UserAgent())
		}))
		t.Cleanup(ts.Close)
		return ts
	}
	alice, bob := serve("alice"), serve("bob")
	c := newTestClient(t, Options{
		AllowPrivate: true,
		UserAgent:    "kith-test",
		Hosts: map[string]string{
			"alice.test": alice.Listener.Addr().String(),
			"BOB.test":   bob.Listener.Addr().String(),
		},
	})
	tests := []struct{ url, want string }{
		{"http://alice.test:1234/x", "alice alice.test:1234 /x kith-test"},
		{"http://ALICE.Test:1234/x", "alice ALICE.Test:1234 /x kith-test"},
		{"http://alice.test/y", "alice alice.test /y kith-test"},
		{"http://bob.test:9/inbox", "bob bob.test:9 /inbox kith-test"},
	}
	for _, tt := range tests {
		body, _, err := c.GetBody(context.Background(), tt.url, nil, nil)
		if err != nil {
			t.Errorf("GetBody(%s) error = %v", tt.url, err)
			continue
		}
		if got := string(body); got != tt.want {
			t.Errorf("GetBody(%s) = %q, want %q", tt.url, got, tt.want)
		}
	}
}

func TestBodyLimit(t *testing.T) {
	const mib = 1 << 20
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		if r.URL.Query().Has("length") {
			w.Header().Set("Content-Length", strconv.Itoa(n))
		} else {
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush() // forces chunked encoding: no length known
		}
		w.Write(bytes.Repeat([]byte("a"), n))
	}))
	t.Cleanup(ts.Close)
	c := newTestClient(t, Options{AllowPrivate: true})
	tests := []struct {
		n         int
		length    bool
		wantLarge bool
	}{
		{2 * mib, true, true},
		{2 * mib, false, true},
		{mib + 1, false, true},
		{mib - 1, true, false},
		{mib - 1, false, false},
		{mib, false, false},
	}
	for _, tt := range tests {
		u := fmt.Sprintf("%s/?n=%d", ts.URL, tt.n)
		if tt.length {
			u += "&length"
		}
		t.Run(fmt.Sprintf("n=%d,length=%v", tt.n, tt.length), func(t *testing.T) {
			body, _, err := c.GetBody(context.Background(), u, nil, nil)
			if got := errors.Is(err, ErrTooLarge); got != tt.wantLarge {
				t.Fatalf("GetBody error = %v, want ErrTooLarge: %v", err, tt.wantLarge)
			}
			if !tt.wantLarge && len(body) != tt.n {
				t.Errorf("GetBody read %d bytes, want %d", len(body), tt.n)
			}
			got, err := doAndRead(c, u)
			if gotLarge := errors.Is(err, ErrTooLarge); gotLarge != tt.wantLarge {
				t.Fatalf("Do error = %v, want ErrTooLarge: %v", err, tt.wantLarge)
			}
			if !tt.wantLarge && got != tt.n {
				t.Errorf("Do read %d bytes, want %d", got, tt.n)
			}
		})
	}
}

func doAndRead(c *Client, u string) (int, error) {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return len(b), err
}

// The limit applies to what is decompressed, so a small gzip body cannot
// expand into a large document.
func TestBodyLimitAfterDecompression(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(make([]byte, 2<<20))
	zw.Close()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(gz.Bytes())
	}))
	t.Cleanup(ts.Close)
	c := newTestClient(t, Options{AllowPrivate: true})
	if _, _, err := c.GetBody(context.Background(), ts.URL, nil, nil); !errors.Is(err, ErrTooLarge) {
		t.Errorf("error = %v, want ErrTooLarge (compressed size %d)", err, gz.Len())
	}
}

// stallingServer sends nothing, or (withHeaders) headers and a first
// chunk, then waits until the test ends.
func stallingServer(t *testing.T, withHeaders bool) *httptest.Server {
	release := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if withHeaders {
			w.Write([]byte(`{"partial":`))
			w.(http.Flusher).Flush()
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(ts.Close)
	t.Cleanup(func() { close(release) }) // runs first, so Close does not wait
	return ts
}

func TestTimeout(t *testing.T) {
	for _, withHeaders := range []bool{false, true} {
		t.Run(fmt.Sprintf("headers=%v", withHeaders), func(t *testing.T) {
			ts := stallingServer(t, withHeaders)
			c := newTestClient(t, Options{AllowPrivate: true, Timeout: 200 * time.Millisecond})
			start := time.Now()
			_, _, err := c.GetBody(context.Background(), ts.URL, nil, nil)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("error = %v, want context.DeadlineExceeded", err)
			}
			// Generous bound: this checks the timeout applies at all, not
			// how precisely.
			if elapsed := time.Since(start); elapsed > 5*time.Second {
				t.Errorf("failed after %s, want about 200ms", elapsed)
			}
		})
	}
}

// hopServer redirects /hop/N to /hop/N-1 and answers "done" at /hop/0.
func hopServer(t *testing.T) *httptest.Server {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/hop/"))
		if n == 0 {
			w.Write([]byte("done"))
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/hop/%d", n-1), http.StatusFound)
	}))
	t.Cleanup(ts.Close)
	return ts
}

func TestRedirects(t *testing.T) {
	ts := hopServer(t)
	mux := http.NewServeMux()
	mux.Handle("/to-ftp", http.RedirectHandler("ftp://example.org/file", http.StatusFound))
	mux.Handle("/to-file", http.RedirectHandler("file:///etc/passwd", http.StatusMovedPermanently))
	other := httptest.NewServer(mux)
	t.Cleanup(other.Close)
	c := newTestClient(t, Options{AllowPrivate: true})
	tests := []struct {
		url     string
		wantErr error
	}{
		{ts.URL + "/hop/0", nil},
		{ts.URL + "/hop/5", nil},
		{ts.URL + "/hop/6", ErrTooManyRedirects},
		{other.URL + "/to-ftp", ErrUnsupportedScheme},
		{other.URL + "/to-file", ErrUnsupportedScheme},
		{"ftp://example.org/file", ErrUnsupportedScheme},
		{"gopher://example.org/", ErrUnsupportedScheme},
	}
	for _, tt := range tests {
		body, _, err := c.GetBody(context.Background(), tt.url, nil, nil)
		if tt.wantErr == nil {
			if err != nil || string(body) != "done" {
				t.Errorf("GetBody(%s) = %q, %v, want \"done\", nil", tt.url, body, err)
			}
			continue
		}
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("GetBody(%s) error = %v, want %v", tt.url, err, tt.wantErr)
		}
	}
}

func TestHTTPSDowngrade(t *testing.T) {
	plain, hits := countingServer(t)
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	}))
	t.Cleanup(secure.Close)
	c := newTestClient(t, Options{
		AllowPrivate: true,
		Hosts:        map[string]string{"lab.test": plain.Listener.Addr().String()},
	})
	// Trust the test server's certificate, as a lab would trust its CA.
	c.transport.TLSClientConfig = secure.Client().Transport.(*http.Transport).TLSClientConfig.Clone()

	tests := []struct {
		to       string
		wantErr  error
		wantHits int64
	}{
		{plain.URL + "/", ErrInsecureRedirect, 0},
		{"http://lab.test/", nil, 1}, // lab mode: the target is in the Hosts map
	}
	for _, tt := range tests {
		hits.Store(0)
		_, _, err := c.GetBody(context.Background(), secure.URL+"/?to="+tt.to, nil, nil)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("redirect to %s: error = %v, want %v", tt.to, err, tt.wantErr)
		}
		if got := hits.Load(); got != tt.wantHits {
			t.Errorf("redirect to %s: plain server hits = %d, want %d", tt.to, got, tt.wantHits)
		}
	}
}

// signer counts its calls and stamps each request so the server can show
// which call signed what it received.
type signer struct{ calls atomic.Int64 }

func (s *signer) sign(req *http.Request) error {
	n := s.calls.Add(1)
	req.Header.Set("Signature", fmt.Sprintf("call=%d target=%s", n, req.URL.Path))
	return nil
}

// recorder wraps a handler and notes each request it receives, signature
// and body included.
type recorder struct {
	mu   sync.Mutex
	seen []string
	next http.Handler
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	rec.seen = append(rec.seen, fmt.Sprintf("%s %s [%s] %s", r.Method, r.URL.Path, r.Header.Get("Signature"), body))
	rec.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec.next.ServeHTTP(w, r)
}

func (rec *recorder) take() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	seen := rec.seen
	rec.seen = nil
	return seen
}

func TestSignHook(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(http.ResponseWriter, *http.Request) {})
	mux.Handle("/moved", http.RedirectHandler("/final", http.StatusFound))
	mux.Handle("/moved-post", http.RedirectHandler("/final", http.StatusTemporaryRedirect))
	rec := &recorder{next: mux}
	ts := httptest.NewServer(rec)
	t.Cleanup(ts.Close)
	c := newTestClient(t, Options{AllowPrivate: true})
	get := func(path string) func(func(*http.Request) error) error {
		return func(sign func(*http.Request) error) error {
			_, _, err := c.GetBody(context.Background(), ts.URL+path, nil, sign)
			return err
		}
	}
	post := func(path string) func(func(*http.Request) error) error {
		return func(sign func(*http.Request) error) error {
			_, err := c.Post(context.Background(), ts.URL+path, "application/activity+json", []byte("{}"), sign)
			return err
		}
	}
	tests := []struct {
		name string
		do   func(sign func(*http.Request) error) error
		want []string
	}{
		{"get", get("/a"), []string{"GET /a [call=1 target=/a] "}},
		{"get redirected", get("/moved"), []string{
			"GET /moved [call=1 target=/moved] ",
			"GET /final [call=2 target=/final] ",
		}},
		{"post", post("/inbox"), []string{"POST /inbox [call=1 target=/inbox] {}"}},
		{"post 307", post("/moved-post"), []string{
			"POST /moved-post [call=1 target=/moved-post] {}",
			"POST /final [call=2 target=/final] {}",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s signer
			if err := tt.do(s.sign); err != nil {
				t.Fatalf("error = %v", err)
			}
			if got, want := strings.Join(rec.take(), "\n"), strings.Join(tt.want, "\n"); got != want {
				t.Errorf("server saw\n%s\nwant\n%s", got, want)
			}
			// One call per request sent, each hop included.
			if got, want := s.calls.Load(), int64(len(tt.want)); got != want {
				t.Errorf("sign calls = %d, want %d", got, want)
			}
		})
	}
}

func TestSignHookErrorStopsRequest(t *testing.T) {
	ts, hits := countingServer(t)
	c := newTestClient(t, Options{AllowPrivate: true})
	failing := func(*http.Request) error { return errors.New("no key") }
	if _, _, err := c.GetBody(context.Background(), ts.URL, nil, failing); err == nil {
		t.Errorf("GetBody error = nil, want the signing error")
	}
	if _, err := c.Post(context.Background(), ts.URL, "text/plain", nil, failing); err == nil {
		t.Errorf("Post error = nil, want the signing error")
	}
	if got := hits.Load(); got != 0 {
		t.Errorf("server hits = %d, want 0", got)
	}
}

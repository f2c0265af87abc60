package transport

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

// GetPrefix reads the head of a page far larger than the client's
// MaxBody, announced by Content-Length or not, and stops there.
func TestGetPrefixCutsOff(t *testing.T) {
	page := bytes.Repeat([]byte("0123456789"), 1<<20) // 10 MB
	for _, announced := range []bool{true, false} {
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !announced {
				w.Header().Set("Transfer-Encoding", "chunked")
				w.(http.Flusher).Flush()
			}
			w.Write(page)
		}))
		c := newTestClient(t, Options{AllowPrivate: true, MaxBody: 1 << 10})
		body, truncated, _, err := c.GetPrefix(context.Background(), ts.URL, nil, 1<<20)
		ts.Close()
		if err != nil {
			t.Fatalf("announced=%v: %v", announced, err)
		}
		if !truncated || len(body) != 1<<20 || !bytes.Equal(body, page[:1<<20]) {
			t.Errorf("announced=%v: got %d bytes, truncated %v; want the first 1 MiB, truncated", announced, len(body), truncated)
		}
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("short")) }))
	defer ts.Close()
	c := newTestClient(t, Options{AllowPrivate: true})
	body, truncated, _, err := c.GetPrefix(context.Background(), ts.URL, nil, 1<<20)
	if err != nil || truncated || string(body) != "short" {
		t.Errorf("short page: %q, truncated %v, err %v", body, truncated, err)
	}
}

// Refuse holds even when private addresses are allowed, before any
// connection.
func TestRefuseWithAllowPrivate(t *testing.T) {
	ts, hits := countingServer(t)
	c := newTestClient(t, Options{AllowPrivate: true, Refuse: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	_, _, _, err := c.GetPrefix(context.Background(), ts.URL, nil, 100)
	if !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("error = %v, want ErrForbiddenAddress", err)
	}
	if hits.Load() != 0 {
		t.Errorf("refused server got %d requests", hits.Load())
	}
}

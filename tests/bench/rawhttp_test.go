package bench

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestReadResponse(t *testing.T) {
	tests := []struct {
		name       string
		raw        string
		status     int
		keep       bool
		wantErr    bool
		restPrefix string // what must be left unread: the next response
	}{
		{"length", "HTTP/1.1 202 Accepted\r\nContent-Length: 3\r\n\r\nabcNEXT", 202, true, false, "NEXT"},
		{"empty", "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\nNEXT", 202, true, false, "NEXT"},
		{"chunked", "HTTP/1.1 401 Unauthorized\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nNEXT", 401, true, false, "NEXT"},
		{"close", "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx", 400, false, false, ""},
		{"to end", "HTTP/1.0 200 OK\r\n\r\nbody", 200, false, false, ""},
		{"junk", "SSH-2.0-OpenSSH\r\n\r\n", 0, false, true, ""},
		{"bad length", "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", 0, false, true, ""},
		{"truncated", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 200, false, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := bufio.NewReader(strings.NewReader(tt.raw))
			status, keep, err := readResponse(r)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if status != tt.status || keep != tt.keep {
				t.Errorf("got status %d keep %v, want %d %v", status, keep, tt.status, tt.keep)
			}
			rest, _ := r.ReadString(0)
			if !strings.HasPrefix(rest, tt.restPrefix) {
				t.Errorf("left %q unread, want it to start with %q", rest, tt.restPrefix)
			}
		})
	}
}

// TestFireReusesConnections checks the raw client against net/http's
// server: every request arrives with its headers and body, answers are
// counted by status, and keep-alive connections are reused.
func TestFireReusesConnections(t *testing.T) {
	var mu sync.Mutex
	conns := map[string]bool{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := make([]byte, 64)
		n, _ := r.Body.Read(body)
		if r.Header.Get("X-Test") != "yes" || string(body[:n]) != "hello" || r.URL.Path != "/inbox" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			conns[c.RemoteAddr().String()] = true
			mu.Unlock()
		}
	}
	srv.Start()
	defer srv.Close()
	reqs := make([]Request, 50)
	for i := range reqs {
		reqs[i] = Request{URL: srv.URL + "/inbox", Header: http.Header{"X-Test": {"yes"}}, Body: []byte("hello")}
	}
	res := Fire(context.Background(), reqs, 2)
	if res.Accepted != len(reqs) || res.Errors != 0 {
		t.Fatalf("got %v, want all %d accepted", res, len(reqs))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(conns) > 2 {
		t.Errorf("opened %d connections, want at most 2", len(conns))
	}
}

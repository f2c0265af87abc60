package core

import (
	"net"
	"net/http"
	"net/netip"

	"github.com/go-chi/chi/v5"
)

type ctxKey int

const ClientIPKey ctxKey = iota

// StatusWriter remembers the status and size for the request log.
type StatusWriter struct {
	http.ResponseWriter
	Status int
	Bytes  int
}

func (w *StatusWriter) WriteHeader(code int) {
	if w.Status == 0 {
		w.Status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *StatusWriter) Write(b []byte) (int, error) {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.Bytes += n
	return n, err
}

func (w *StatusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// PeerAddr is the address the connection came from.
func PeerAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

// ClientIP is the address realIP found, as text.
func ClientIP(r *http.Request) string {
	if a, ok := r.Context().Value(ClientIPKey).(netip.Addr); ok && a.IsValid() {
		return a.String()
	}
	return PeerAddr(r).String()
}

// PathParam reads a route parameter; with routes.go, the only code that
// knows the router.
func PathParam(r *http.Request, name string) string { return chi.URLParam(r, name) }

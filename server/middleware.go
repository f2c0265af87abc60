package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"kith/server/api"
	"kith/server/core"
	"kith/server/web"
)

// maxBody caps request bodies unless bodyLimit raises it for a route that
// takes files. ActivityPub documents and forms fit easily.
const maxBody = 1 << 20

// logRequests writes one structured line per request. It logs the path
// without the query string: queries can carry tokens.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &core.StatusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.Status == 0 {
			sw.Status = http.StatusOK
		}
		s.countRequest(r, sw, time.Since(start))
		level := core.LevelFor(sw.Status)
		if sw.Status == http.StatusAccepted && isInboxDelivery(r) {
			// Deliveries are most of what a federated server receives
			// (Mastodon sends a Delete for every account it removes to
			// every server it knows): the accepted ones are kept out of
			// the info log, whose lines are then worth reading.
			level = slog.LevelDebug
		}
		if !s.Logger.Enabled(r.Context(), level) {
			return
		}
		s.Logger.LogAttrs(r.Context(), level, "request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", sw.Status), slog.Int("bytes", sw.Bytes),
			slog.Duration("duration", time.Since(start)), slog.String("ip", core.ClientIP(r)))
	})
}

// recoverPanics turns a panicking handler into a 500 and a logged stack,
// instead of a dropped connection.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Logger.Error("handler panicked", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				s.RenderError(w, r, core.ErrInternal)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// securityHeaders sets the headers every response carries. The CSP allows
// only kith's own scripts and styles; images may come from anywhere over
// https because remote avatars and media are shown. An inbox delivery's
// answer (an empty 202, or a short error for the sending server) never
// reaches a browser, so it skips the headers only a browser reads: they
// were a fifth of the cost of answering a flood of deliveries.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The values are shared, not copied for each response: nothing
		// changes a header's values in place (Add appends to a full slice,
		// which copies it).
		h := w.Header()
		h["X-Content-Type-Options"] = nosniff
		if s.isTLS(r) {
			h["Strict-Transport-Security"] = hsts
		}
		if !isInboxDelivery(r) {
			h["Content-Security-Policy"] = csp
			h["Referrer-Policy"] = sameOrigin
			h["X-Frame-Options"] = deny
		}
		next.ServeHTTP(w, r)
	})
}

// The values securityHeaders sets, in canonical form; the slices are full
// (len == cap) so an append never writes into them.
var (
	nosniff    = []string{"nosniff"}
	hsts       = []string{"max-age=31536000"}
	csp        = []string{"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data: blob:; media-src 'self' https:; font-src 'self'; connect-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"}
	sameOrigin = []string{"same-origin"}
	deny       = []string{"DENY"}
)

// isInboxDelivery reports a POST to an inbox: the shared one, the owner's
// or the instance actor's.
func isInboxDelivery(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/inbox")
}

// limitBodies caps every request body; a handler reading past the cap gets
// an error and answers 413 (see errorStatus).
func (s *Server) limitBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := bodyLimit(r, s.MaxUploadFile())
		if r.ContentLength > limit {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// bodyLimit is the body cap for a request: maxBody, raised for the routes
// that take files (an upload is at most maxFile bytes: an image, or a
// video or audio file under the configured limits). It is decided here,
// before routing, because the cap must be in place before anything reads
// the body.
func bodyLimit(r *http.Request, maxFile int64) int64 {
	switch {
	case r.Method == http.MethodPost && (r.URL.Path == "/api/v1/media" || r.URL.Path == "/api/v2/media"):
		return maxFile + 1<<20 // room for the other form fields
	case r.Method == http.MethodPost && r.URL.Path == "/settings/data/import":
		return web.MaxImportBody
	case r.Method == http.MethodPatch && r.URL.Path == "/api/v1/accounts/update_credentials",
		r.Method == http.MethodPost && r.URL.Path == "/settings/profile":
		return 2*api.ProfileImageMax + 1<<20 // an avatar and a header
	case r.Method == http.MethodPost && r.URL.Path == "/compose":
		return web.ComposeSlots*maxFile + 1<<20 // a post's files
	}
	return maxBody
}

// realIP finds the client address: the socket's peer, or, when that peer
// is a trusted proxy, the nearest untrusted address in X-Forwarded-For.
func (s *Server) realIP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := core.PeerAddr(r)
		if !s.trusted(ip) {
			// The peer is the client, which core.ClientIP falls back to.
			next.ServeHTTP(w, r)
			return
		}
		hops := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break
			}
			ip = a.Unmap()
			if !s.trusted(ip) {
				break
			}
		}
		ctx := context.WithValue(r.Context(), core.ClientIPKey, ip)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.Live.Load().Proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func (s *Server) fromTrustedProxy(r *http.Request) bool { return s.trusted(core.PeerAddr(r)) }

// apiCORS lets browser apps (Elk, Phanpy) call the client API from their
// own origin, as Mastodon allows: tokens, not cookies, authorize those
// requests, so any origin may make them. Preflights are answered here, and
// a trailing slash on an API path is ignored.
func apiCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/") {
			next.ServeHTTP(w, r)
			return
		}
		// Note: Rails ignores a trailing slash and Mastodon.py relies on
		// it (/api/v1/instance/).
		if len(r.URL.Path) > len("/api/") && strings.HasSuffix(r.URL.Path, "/") {
			r.URL.Path = strings.TrimRight(r.URL.Path, "/")
			r.URL.RawPath = ""
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Expose-Headers", "Link, X-RateLimit-Reset, X-RateLimit-Limit, X-RateLimit-Remaining, X-Request-Id, Idempotency-Key")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "POST, PUT, DELETE, GET, PATCH, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key")
			h.Set("Access-Control-Max-Age", "1728000")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

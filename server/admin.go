package server

import (
	"bytes"
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"kith/server/core"
)

// countRequest tells the monitor of a request: an activity an inbox
// accepted, and the time it took to answer. Event streams and WebSockets
// stay open for as long as a page or an app does; their durations would
// be every percentile, so they are not counted.
func (s *Server) countRequest(r *http.Request, sw *core.StatusWriter, d time.Duration) {
	m := s.Opts.Monitor
	if sw.Status == http.StatusAccepted && isInboxDelivery(r) {
		m.InboxReceived()
	}
	if sw.Status == http.StatusSwitchingProtocols || r.Header.Get("Upgrade") != "" ||
		strings.HasPrefix(sw.Header().Get("Content-Type"), "text/event-stream") {
		return
	}
	m.Request(d)
}

// handleMetrics serves the monitor's numbers in Prometheus's text format
// to a scraper that sends the configured token as a bearer token. Without
// a token configured there is nothing here (404), so a server that does
// not use it does not show it exists.
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	token := s.Config().Metrics.Token
	if token == "" {
		http.NotFound(w, r)
		return
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(token)) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
		http.Error(w, "a valid bearer token is needed", http.StatusUnauthorized)
		return
	}
	var buf bytes.Buffer
	s.Opts.Monitor.WritePrometheus(r.Context(), &buf)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// refuseVisitors lets only the signed-in owner through and answers 403 to
// anyone else, with the way to sign in.
func (s *Server) refuseVisitors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if core.SessionFrom(r) == nil {
			s.RenderError(w, r, core.Refuse(http.StatusForbidden, "This page is for the owner of this server. If that is you, sign in first."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

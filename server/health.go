package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"kith/disk"
)

// healthTTL is how long /healthz reuses its last look at the disk and its
// last write probe: a monitor polling every second costs one small write
// a second at most, and a burst of polls costs nothing.
const healthTTL = time.Second

// probeTimeout bounds the write probe. A probe that merely waits for the
// write lock (a backup's snapshot holds it for as long as the copy takes)
// says nothing about the database's health, so a timeout is not a failure.
const probeTimeout = 2 * time.Second

// healthState is /healthz's cached verdict on what is costly to check.
type healthState struct {
	mu      sync.Mutex
	checked time.Time
	probing bool
	reasons []string // empty: healthy
}

// handleHealth answers 200 {"status":"ok"} when kith can serve and store
// what it receives, and 503 with the reasons when it cannot: the database
// does not answer or cannot be written, or the disk holding the data
// directory is nearly full (disk.Space.LowWater). The details go to the
// log; the public answer says what is wrong, not where.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	var reasons []string
	if err := s.DB.Ping(r.Context()); err != nil {
		s.Logger.Error("health check failed", "err", err)
		reasons = []string{"database unavailable"}
	} else {
		reasons = s.slowHealth(r.Context())
	}
	status, body := http.StatusOK, map[string]string{"status": "ok", "version": s.Opts.Version}
	if len(reasons) > 0 {
		status = http.StatusServiceUnavailable
		body["status"] = "unavailable"
		body["reason"] = strings.Join(reasons, "; ")
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

// slowHealth looks at the disk and probes a write, at most once per
// healthTTL; requests meanwhile, or while a probe runs, get the last
// verdict.
func (s *Server) slowHealth(ctx context.Context) []string {
	h := &s.health
	now := s.Opts.Now()
	h.mu.Lock()
	if h.probing || (!h.checked.IsZero() && now.Sub(h.checked) < healthTTL) {
		reasons := h.reasons
		h.mu.Unlock()
		return reasons
	}
	h.probing = true
	h.mu.Unlock()

	reasons := s.checkStorage(ctx)

	h.mu.Lock()
	h.probing, h.checked, h.reasons = false, now, reasons
	h.mu.Unlock()
	return reasons
}

// checkStorage is the costly part of the health check.
func (s *Server) checkStorage(ctx context.Context) []string {
	var reasons []string
	dir := s.Live.Load().Cfg.Server.DataDir
	if space, err := disk.Usage(dir); err != nil {
		s.Logger.Error("health check: free space", "dir", dir, "err", err)
	} else if space.NearlyFull() {
		s.Logger.Error("health check: the disk is nearly full", "dir", dir, "free", space.Free, "total", space.Total)
		reasons = append(reasons, "disk nearly full: "+space.String())
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	if err := s.DB.ProbeWrite(ctx); err != nil {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
			s.Logger.Warn("health check: the write probe waited for the lock", "err", err)
		} else {
			s.Logger.Error("health check: the database cannot be written", "err", err)
			reasons = append(reasons, "database cannot be written")
		}
	}
	return reasons
}

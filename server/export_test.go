package server

import "net/http"

// The internals the external tests (package server_test) check.
const (
	MaxBody   = maxBody
	HealthTTL = healthTTL
)

// RecoverPanics is recoverPanics, for TestPanicBecomes500.
func (s *Server) RecoverPanics(next http.Handler) http.Handler { return s.recoverPanics(next) }

package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// pathParam reads a route parameter; with routes.go, the only code that
// knows the router.
func pathParam(r *http.Request, name string) string { return chi.URLParam(r, name) }

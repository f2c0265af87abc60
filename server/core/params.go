package core

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// PathParam reads a route parameter; with routes.go, the only code that
// knows the router.
func PathParam(r *http.Request, name string) string { return chi.URLParam(r, name) }

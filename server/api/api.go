// Package api is the Mastodon client API and its streaming: the JSON
// endpoints under /api/v1 and /api/v2 that phone and desktop apps use.
package api

import "kith/server/core"

// API answers the Mastodon client API.
type API struct {
	*core.Env
	// rendered shares each streamed event's rendering among subscribers.
	Rendered RenderedEvents
}

// New builds the API handlers over env.
func New(env *core.Env) *API { return &API{Env: env} }

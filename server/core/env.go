// Package core holds what the web pages (server/web), the Mastodon API
// (server/api) and OAuth (server/oauth) share, so that each imports it
// and none imports another: Env, the dependencies every handler reaches
// (store, federation, the config in force, templates, media); the one
// table from errors to statuses and its writers (errors.go, respond.go);
// request parameters; sessions, tokens and scopes; the owner's actions
// both the pages and the API offer (actions.go); uploads; and page
// rendering.
package core

import (
	"context"
	"html/template"
	"log/slog"
	"sync/atomic"

	"kith/federation"
	"kith/media"
	"kith/store"
)

// Env is what every part of kith's HTTP side shares: the config in force,
// the store, federation, the page templates and the clocks.
type Env struct {
	// Live is the config in force with what is derived from it; Config
	// reads it, and a reload swaps it whole.
	Live atomic.Pointer[LiveConfig]
	// Theme is the compiled stylesheet pages link to.
	Theme  atomic.Pointer[Stylesheet]
	DB     *store.DB
	Fed    *federation.Federation
	Logger *slog.Logger
	Opts   Options
	// Pages parses the page templates on first use and returns them by
	// page name; later calls return the same set.
	Pages func() (map[string]*template.Template, error)
	// SignIns limits password (and second-factor) checks (signin.go).
	SignIns *SignInLimiter
	// Remote caches remote media; MediaKey signs the URLs it serves
	// (see MediaURL).
	Remote   *media.Cache
	MediaKey []byte
	// Files is where media files are kept: the local directory or S3
	// ([media] storage).
	Files media.Files
	// AV remembers what the owner's video and audio files' containers
	// say (the API shows it with every status that carries one).
	AV *media.AVCache
	// StreamsEnd is done when Serve shuts down: server-sent-event streams
	// end then, instead of holding the graceful shutdown until its
	// deadline (every open home page has one).
	StreamsEnd context.Context
	EndStreams context.CancelFunc
}

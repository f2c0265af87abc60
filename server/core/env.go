package core

import (
	"context"
	"html/template"
	"kith/federation"
	"kith/media"
	"kith/store"
	"log/slog"
	"sync/atomic"
)

// Env is what every part of kith's HTTP side shares: the config in force,
// the store, federation, the page templates and the clocks.
type Env struct {
	Live   atomic.Pointer[LiveConfig]
	Theme  atomic.Pointer[Stylesheet]
	DB     *store.DB
	Fed    *federation.Federation
	Logger *slog.Logger
	Opts   Options
	Pages  map[string]*template.Template
	// signIns limits password (and second-factor) checks: signin_limit.go.
	SignIns *SignInLimiter
	// remote caches remote media; mediaKey signs the URLs it serves
	// (see mediaURL).
	Remote   *media.Cache
	MediaKey []byte
	// streamsEnd is done when Serve shuts down: server-sent-event streams
	// end then, instead of holding the graceful shutdown until its
	// deadline (every open home page has one).
	StreamsEnd context.Context
	EndStreams context.CancelFunc
}

package core

import (
	"net/http"
	"net/netip"
	"time"

	"kith/config"
	"kith/events"
	"kith/media"
	"kith/monitor"
	"kith/portability"
)

// Options are the server's dependencies beyond the config and store.
type Options struct {
	// Version is shown in the page footer and reported by /healthz.
	Version string
	// ACMEHTTPClient is the client autocert talks to the ACME server with;
	// nil means the default. Tests point it at a Pebble with its own root.
	ACMEHTTPClient *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Events is the hub the streaming API subscribes to; federation
	// publishes to the same one. Nil means a hub of the server's own,
	// which hears nothing.
	Events *events.Hub
	// Porter exports and imports the owner's data (the data settings
	// page); nil turns that page's downloads and uploads off.
	Porter *portability.Porter
	// Monitor counts requests and inbox deliveries and keeps the day the
	// dashboard (/admin) and /metrics show; nil means one of the server's
	// own, which nothing samples until a test calls its Tick.
	Monitor *monitor.Monitor
	// MediaStore is where media files are kept; nil means the one
	// [media] storage names. Tests pass an S3 store whose requests they
	// count.
	MediaStore media.Store
}

// LiveConfig is the config in force with what is derived from it, swapped
// as one on reload.
type LiveConfig struct {
	Cfg     config.Config
	Proxies []netip.Prefix
}

// Config is the config in force.
func (s *Env) Config() config.Config { return s.Live.Load().Cfg }

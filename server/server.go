// Package server is kith's HTTP side: the route table, middleware, HTML
// pages, login, and the listeners with their TLS modes.
package server

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"kith/config"
	"kith/events"
	"kith/federation"
	"kith/media"
	"kith/monitor"
	"kith/server/api"
	"kith/server/core"
	"kith/server/oauth"
	"kith/server/web"
	"kith/server/web/templates"
	"kith/store"
)

// Options are the server's dependencies beyond the config and store.
type Options = core.Options

// Server serves kith over HTTP(S).
type Server struct {
	*core.Env
	web   *web.Web
	api   *api.API
	oauth *oauth.OAuth
	certs *certFiles // set when tls = "files"
	// health caches /healthz's disk check and write probe (health.go).
	health healthState
	// encoders compress responses (compress.go).
	encoders *encoders
	handler  http.Handler
}

// New builds a server.
func New(cfg config.Config, db *store.DB, fed *federation.Federation, logger *slog.Logger, opts core.Options) (*Server, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Events == nil {
		opts.Events = events.NewHub(0)
	}
	if opts.MediaStore == nil {
		st, err := media.OpenStore(cfg)
		if err != nil {
			return nil, err
		}
		opts.MediaStore = st
	}
	if opts.Monitor == nil {
		opts.Monitor = monitor.New(logger, monitor.Options{DB: db, MediaDir: cfg.MediaDir(), Media: opts.MediaStore, Now: opts.Now})
	}
	s := &Server{Env: &core.Env{
		DB:      db,
		Fed:     fed,
		Logger:  logger,
		Opts:    opts,
		SignIns: core.NewSignInLimiter(opts.Now),
		AV:      &media.AVCache{},
		Files:   media.NewFiles(opts.MediaStore),
	}}
	s.StreamsEnd, s.EndStreams = context.WithCancel(context.Background())
	s.Live.Store(&core.LiveConfig{Cfg: cfg, Proxies: cfg.TrustedProxies()})
	if err := s.SetUpRemoteMedia(cfg); err != nil {
		return nil, err
	}
	// The templates are embedded, so they cannot change after the build
	// that tested them (templates_test.go): they are parsed when the first
	// page is asked for, and an instance that only federates and answers
	// apps never holds them (about 1.5 MB of parse trees).
	s.Pages = sync.OnceValues(func() (map[string]*template.Template, error) { return parsePages(templates.FS) })
	// A broken theme stops kith at start, with file:line:col; on reload
	// the previous stylesheet stays instead.
	st, err := compileTheme(cfg, logger)
	if err != nil {
		return nil, err
	}
	s.Theme.Store(st)
	if cfg.Server.TLS == config.TLSFiles {
		s.certs, err = loadCertFiles(cfg.Server.CertFile, cfg.Server.KeyFile)
		if err != nil {
			return nil, err
		}
	}
	fed.SetPreviewCards(cfg.Web.PreviewCards)
	s.web = web.New(s.Env)
	s.api = api.New(s.Env)
	s.oauth = oauth.New(s.Env)
	s.encoders = newEncoders()
	s.handler = s.routes()
	return s, nil
}

// parsePages parses every page into one template set, which holds the
// layout's partials (files named _*.html, such as _status.html) once
// rather than once per page. The layout is the one part each page needs
// its own copy of, because it names the blocks a page fills ("title",
// "content", "head"): for page P those become "P/title", … in both the
// layout's copy and P's file. The result maps each page to the template
// that renders it whole.
func parsePages(fsys fs.FS) (map[string]*template.Template, error) {
	names, err := fs.Glob(fsys, "*.html")
	if err != nil {
		return nil, err
	}
	set := template.New("").Funcs(core.TemplateFuncs())
	layout, err := fs.ReadFile(fsys, "layout.html")
	if err != nil {
		return nil, err
	}
	var pageNames []string
	for _, name := range names {
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		if name == "layout.html" {
			continue
		}
		if strings.HasPrefix(name, "_") {
			if _, err := set.New(name).Parse(string(src)); err != nil {
				return nil, fmt.Errorf("template %s: %w", name, err)
			}
			continue
		}
		page := strings.TrimSuffix(name, ".html")
		// All pages share one name space: a template a page defines
		// besides its blocks would silently replace another page's.
		for _, m := range defineRE().FindAllStringSubmatch(string(src), -1) {
			if !pageBlockRE().MatchString(m[0]) {
				return nil, fmt.Errorf("template %s defines %q: a page defines only title, content and head; shared templates go in a _partial.html", name, m[1])
			}
		}
		// The layout first: its {{block "head"}} is the default a page may
		// redefine.
		wrapper := pageBlockRE().ReplaceAllString(strings.Replace(string(layout), `{{define "layout"}}`, `{{define "`+page+`"}}`, 1), `$1 "`+page+`/$2"`)
		if _, err := set.New(name + "#layout").Parse(wrapper); err != nil {
			return nil, fmt.Errorf("template layout.html for %s: %w", name, err)
		}
		if _, err := set.New(name).Parse(pageBlockRE().ReplaceAllString(string(src), `$1 "`+page+`/$2"`)); err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		pageNames = append(pageNames, page)
	}
	pages := map[string]*template.Template{}
	for _, page := range pageNames {
		if pages[page] = set.Lookup(page); pages[page] == nil {
			return nil, fmt.Errorf("template layout.html: no {{define \"layout\"}}")
		}
	}
	return pages, nil
}

// pageBlockRE finds where a template defines or calls one of the blocks a
// page fills in the layout; defineRE finds every template a file defines.
var (
	pageBlockRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(\{\{-?\s*(?:define|template|block))\s+"(title|content|head)"`)
	})
	defineRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\{\{-?\s*(?:define|block)\s+"([^"]*)"`) })
)

// Handler is the whole HTTP handler, middleware included.
func (s *Server) Handler() http.Handler { return s.handler }

// Reload applies a re-read config. Certificate files, trusted proxies and
// the theme change at once; keys that shape the listeners or the
// identity need a restart, and Reload logs which. It returns an error, and
// changes nothing, if the new certificate files cannot be used. A theme that
// fails to compile is logged and the previous stylesheet keeps serving.
func (s *Server) Reload(cfg config.Config) error {
	old := s.Config()
	if cfg.Server.TLS == config.TLSFiles && s.certs != nil {
		if err := s.certs.reload(cfg.Server.CertFile, cfg.Server.KeyFile); err != nil {
			return err
		}
	}
	for _, k := range config.RestartKeys(old, cfg) {
		s.Logger.Warn("config change needs a restart to apply", "key", k)
	}
	// Keep what only a restart can change, so the running server stays
	// consistent with its listeners, its federation and its jobs.
	cfg = config.Applied(old, cfg)
	s.Live.Store(&core.LiveConfig{Cfg: cfg, Proxies: cfg.TrustedProxies()})
	s.Fed.SetPreviewCards(cfg.Web.PreviewCards)
	s.reloadTheme(cfg)
	return nil
}

// Listen binds the listeners the config asks for. It is separate from
// Serve so that a port in use is reported before anything else starts.
func (s *Server) Listen() (*Listeners, error) {
	cfg := s.Config()
	var ls Listeners
	var err error
	if ls.main, err = listen(cfg.ListenAddr(), "server.listen"); err != nil {
		return nil, err
	}
	if addr := cfg.HTTPListenAddr(); addr != "" {
		if ls.http, err = listen(addr, "server.http_listen"); err != nil {
			ls.main.Close()
			return nil, err
		}
	}
	return &ls, nil
}

// Listeners are the bound sockets Serve uses.
type Listeners struct {
	main net.Listener // https, or plain http when TLS is off
	http net.Listener // plain http for ACME and redirects; nil when TLS is off
}

// Addr is the main listener's address.
func (l *Listeners) Addr() net.Addr { return l.main.Addr() }

// HTTPAddr is the plain-HTTP listener's address, nil when TLS is off.
func (l *Listeners) HTTPAddr() net.Addr {
	if l.http == nil {
		return nil
	}
	return l.http.Addr()
}

func listen(addr, key string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, fmt.Errorf("cannot listen on %s: the port is in use (is kith or another web server already running?); stop it or change %s", addr, key)
	case errors.Is(err, syscall.EACCES):
		return nil, fmt.Errorf("cannot listen on %s: permission denied; ports below 1024 need CAP_NET_BIND_SERVICE (see README), or change %s", addr, key)
	case err != nil:
		return nil, fmt.Errorf("cannot listen on %s (%s): %w", addr, key, err)
	}
	return ln, nil
}

// Timeouts bound every connection: a slow or stalled client cannot hold a
// goroutine and a socket for long.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 60 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
)

func (s *Server) httpServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.Logger.Handler(), slog.LevelDebug),
	}
}

// Serve serves on ls until ctx is done, then shuts down gracefully: it
// stops accepting, lets requests in flight finish for up to drain, and
// returns.
func (s *Server) Serve(ctx context.Context, ls *Listeners, drain time.Duration) error {
	cfg := s.Config()
	main := s.httpServer(s.handler)
	main.RegisterOnShutdown(s.EndStreams)
	var plain *http.Server
	mainLn := ls.main
	switch cfg.Server.TLS {
	case config.TLSAuto:
		m := s.autocertManager(cfg)
		main.TLSConfig = m.TLSConfig()
		plain = s.httpServer(m.HTTPHandler(http.HandlerFunc(s.redirectToHTTPS)))
	case config.TLSFiles:
		main.TLSConfig = s.certs.tlsConfig()
		plain = s.httpServer(http.HandlerFunc(s.redirectToHTTPS))
	}
	errc := make(chan error, 2)
	go func() {
		var err error
		if main.TLSConfig != nil {
			err = main.ServeTLS(mainLn, "", "")
		} else {
			err = main.Serve(mainLn)
		}
		errc <- err
	}()
	if plain != nil && ls.http != nil {
		go func() { errc <- plain.Serve(ls.http) }()
	}
	s.Logger.Info("serving", "url", cfg.Server.URL, "listen", mainLn.Addr().String(), "tls", cfg.Server.TLS)

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	err := s.shutdown(shutCtx, main)
	if plain != nil {
		err = errors.Join(err, s.shutdown(shutCtx, plain))
	}
	if errors.Is(serveErr, http.ErrServerClosed) {
		serveErr = nil
	}
	return errors.Join(serveErr, err)
}

// shutdown stops srv gracefully and cuts what is still open when ctx
// ends. Note: net/http counts a connection that never sent a request as
// busy for its first five seconds, so a client that connects and waits
// (an ACME validator, a scanner) can outlast a short drain.
func (s *Server) shutdown(ctx context.Context, srv *http.Server) error {
	err := srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		s.Logger.Warn("closing connections still open at the drain deadline")
		return srv.Close()
	}
	return err
}

// redirectToHTTPS sends plain-HTTP visitors to the https URL.
func (s *Server) redirectToHTTPS(w http.ResponseWriter, r *http.Request) {
	target := s.Config().BaseURL()
	target.Path = r.URL.Path
	target.RawQuery = r.URL.RawQuery
	http.Redirect(w, r, target.String(), http.StatusMovedPermanently)
}

// CreateAppToken registers an application and gives it an owner token with
// scopes, for scripts and bots (kith token create).
func CreateAppToken(ctx context.Context, db *store.DB, name, website, redirectURI, scopes string) (store.OAuthApp, string, error) {
	return oauth.CreateAppToken(ctx, db, name, website, redirectURI, scopes)
}

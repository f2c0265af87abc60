package server

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"kith/config"
	"kith/themes"
)

// stylesheet is the compiled theme with its fingerprint, swapped whole on
// reload so a request never sees the CSS of one and the URL of another.
type stylesheet struct {
	css  []byte
	hash string // first 12 hex digits of the CSS's SHA-256
}

// url is where pages link the stylesheet. It changes with the content,
// so browsers may cache each version forever.
func (st *stylesheet) url() string { return "/static/theme-" + st.hash + ".css" }

// compileTheme compiles the theme cfg asks for.
func compileTheme(cfg config.Config) (*stylesheet, error) {
	css, err := themes.Compile(themes.OptionsFor(cfg))
	if err != nil {
		return nil, fmt.Errorf("theme: %w", err)
	}
	sum := sha256.Sum256([]byte(css))
	return &stylesheet{css: []byte(css), hash: hex.EncodeToString(sum[:])[:12]}, nil
}

// reloadTheme recompiles the theme. On failure the previous stylesheet
// keeps serving: a typo in a custom file must not unstyle the site.
func (s *Server) reloadTheme(cfg config.Config) {
	st, err := compileTheme(cfg)
	if err != nil {
		attrs := []any{"err", err}
		var te *themes.Error
		if errors.As(err, &te) {
			attrs = append(attrs, "file", te.File, "line", te.Line, "column", te.Column)
		}
		s.logger.Error("theme reload failed; serving the previous stylesheet", attrs...)
		return
	}
	// Swap before logging: whoever reads "theme reloaded" (an operator,
	// a test) gets the new stylesheet from then on.
	if old := s.theme.Swap(st); old.hash != st.hash {
		s.logger.Info("theme reloaded", "url", st.url(), "bytes", len(st.css))
	}
}

// handleTheme serves the compiled stylesheet at its fingerprinted URL. An
// old fingerprint (a page cached before a reload) is sent to the current
// one.
func (s *Server) handleTheme(w http.ResponseWriter, r *http.Request) {
	st := s.theme.Load()
	if pathParam(r, "hash") != st.hash {
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, st.url(), http.StatusFound)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/css; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", `"`+st.hash+`"`)
	if r.Header.Get("If-None-Match") == `"`+st.hash+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(st.css)))
	if r.Method != http.MethodHead {
		w.Write(st.css)
	}
}

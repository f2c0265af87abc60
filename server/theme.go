package server

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"kith/config"
	"kith/server/core"
	"kith/server/web/themes"
)

// compileTheme compiles the theme cfg asks for, or reads it back from the
// data directory when nothing it was compiled from has changed.
func compileTheme(cfg config.Config, logger *slog.Logger) (*core.Stylesheet, error) {
	c, err := themes.CompileCached(themes.OptionsFor(cfg), cfg.ThemeCachePath())
	if err != nil {
		return nil, fmt.Errorf("theme: %w", err)
	}
	if c.SaveErr != nil {
		logger.Warn("the compiled theme could not be kept for the next start", "err", c.SaveErr)
	}
	sum := sha256.Sum256([]byte(c.CSS))
	return &core.Stylesheet{CSS: []byte(c.CSS), Hash: hex.EncodeToString(sum[:])[:12]}, nil
}

// reloadTheme recompiles the theme. On failure the previous stylesheet
// keeps serving: a typo in a custom file must not unstyle the site.
func (s *Server) reloadTheme(cfg config.Config) {
	st, err := compileTheme(cfg, s.Logger)
	if err != nil {
		attrs := []any{"err", err}
		var te *themes.Error
		if errors.As(err, &te) {
			attrs = append(attrs, "file", te.File, "line", te.Line, "column", te.Column)
		}
		s.Logger.Error("theme reload failed; serving the previous stylesheet", attrs...)
		return
	}
	// Swap before logging: whoever reads "theme reloaded" (an operator,
	// a test) gets the new stylesheet from then on.
	if old := s.Theme.Swap(st); old.Hash != st.Hash {
		s.Logger.Info("theme reloaded", "url", st.URL(), "bytes", len(st.CSS))
	}
}

// handleTheme serves the compiled stylesheet at its fingerprinted URL. An
// old fingerprint (a page cached before a reload) is sent to the current
// one.
func (s *Server) handleTheme(w http.ResponseWriter, r *http.Request) {
	st := s.Theme.Load()
	if core.PathParam(r, "hash") != st.Hash {
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, st.URL(), http.StatusFound)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/css; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Vary", "Accept-Encoding")
	body, etag := st.CSS, st.Hash
	if enc := negotiate(r.Header.Get("Accept-Encoding")); enc != identity && r.Method != http.MethodHead {
		body = s.encoders.precompressed(st, enc)
		etag += "." + enc.String()
		h.Set("Content-Encoding", enc.String())
	}
	h.Set("ETag", `"`+etag+`"`)
	// Every coding of one fingerprint is the same stylesheet.
	if strings.Contains(r.Header.Get("If-None-Match"), `"`+st.Hash) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

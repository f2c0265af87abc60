package core

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"kith/config"
	"kith/federation/ap"
	"kith/federation/transport"
	"kith/media"
	"kith/store"
)

// settingMediaKey holds the key remote media URLs are signed with.
const settingMediaKey = "media.url_key"

// mediaDir is where uploaded files live.
func (s *Env) mediaDir() string { return s.Config().MediaDir() }

// MediaFiles is the media directory for the media package.
func (s *Env) MediaFiles() media.Files { return media.Files{Dir: s.mediaDir()} }

// RemoveMedia deletes files saved for a request that then failed.
func (s *Env) RemoveMedia(names []string) {
	if err := s.MediaFiles().Remove(names...); err != nil {
		s.Logger.Warn("remove media failed", "err", err)
	}
}

// loadMediaKey reads the instance's media URL key, making it on first
// start.
func loadMediaKey(ctx context.Context, db *store.DB) ([]byte, error) {
	v, err := db.Setting(ctx, settingMediaKey)
	if errors.Is(err, store.ErrNotFound) {
		b := make([]byte, 32)
		rand.Read(b)
		v = hex.EncodeToString(b)
		err = db.InTx(ctx, func(tx *store.Tx) error { return tx.SetSetting(ctx, settingMediaKey, v) })
	}
	if err != nil {
		return nil, fmt.Errorf("media key: %w", err)
	}
	return hex.DecodeString(v)
}

// SetUpRemoteMedia builds the remote media cache from the config. Its
// fetches go through the same SSRF guard as federation's.
func (s *Env) SetUpRemoteMedia(cfg config.Config) error {
	key, err := loadMediaKey(context.Background(), s.DB)
	if err != nil {
		return err
	}
	s.MediaKey = key
	client := transport.New(transport.Options{
		AllowPrivate: cfg.Federation.AllowPrivateAddresses,
		Hosts:        cfg.Federation.Hosts,
		UserAgent:    "kith/" + s.Opts.Version + " (+" + cfg.Server.URL + ")",
		Timeout:      time.Minute, // per fetch, body included
		MaxBody:      cfg.Media.RemoteMaxBytes,
		Logger:       s.Logger,
	})
	s.Remote = media.NewCache(s.DB, s.MediaFiles(), client, media.CacheOptions{Now: s.Opts.Now}, s.Logger)
	return nil
}

// MediaURL is the URL pages and the API show for a media URL: kith's own
// files as they are, a remote file (attachment, avatar, header, emoji) as
// a kith URL that fetches and caches it on first request. Visitors' and
// apps' browsers then talk only to kith. Every place that renders a media
// URL goes through here.
func (s *Env) MediaURL(raw string) string {
	base := s.Config().Server.URL
	if strings.HasPrefix(raw, base+"/") {
		return raw
	}
	if ap.HTTPURL(raw) == "" { // nothing but http(s) reaches a page or an app
		return ""
	}
	return base + "/media/remote/" + media.SignURL(s.MediaKey, raw)
}

// LocalPreview is the small preview (made when it was uploaded) of one
// of the owner's files, by the file's URL, if it has one.
func (s *Env) LocalPreview(fileURL string) (string, bool) {
	base := s.Config().Server.URL + "/media/"
	name, ok := strings.CutPrefix(fileURL, base)
	if !ok {
		return "", false
	}
	thumb, ok := s.MediaFiles().ThumbnailOf(name)
	if !ok {
		return "", false
	}
	return base + thumb, true
}

// HandleRemoteMedia serves GET /media/remote/{mac}/{src}: a cached remote
// file, fetched on first request. Only URLs kith signed are fetched.
func (s *Env) HandleRemoteMedia(w http.ResponseWriter, r *http.Request) {
	raw, ok := media.VerifyURL(s.MediaKey, PathParam(r, "mac"), PathParam(r, "src"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	m, err := s.Remote.Get(r.Context(), raw)
	switch {
	case errors.Is(err, media.ErrRemoteNotFound):
		http.NotFound(w, r)
		return
	case errors.Is(err, context.Canceled):
		return
	case err != nil:
		s.Logger.Info("remote media unavailable", "url", raw, "err", err)
		http.Error(w, "remote media unavailable", http.StatusBadGateway)
		return
	}
	f, err := os.Open(filepath.Join(s.mediaDir(), filepath.FromSlash(m.Path)))
	if err != nil {
		// Pruned between the lookup and now: the next request fetches it.
		http.Error(w, "remote media unavailable", http.StatusBadGateway)
		return
	}
	defer f.Close()
	serveMedia(w, r, f, m.ContentType)
}

// serveMedia writes a media file with the headers every media file gets:
// its type (never sniffed), a sandbox so that a file that is not what it
// claims cannot run script on kith's origin, and caching for good (names
// never change meaning).
func serveMedia(w http.ResponseWriter, r *http.Request, f *os.File, ctype string) {
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	info, err := f.Stat()
	if err != nil {
		http.NotFound(w, r)
		return
	}
	http.ServeContent(w, r, "", info.ModTime(), f)
}

// HandleMediaFile serves GET /media/*: the owner's files under the media
// directory. os.Root keeps every lookup inside the directory (no "..", no
// symlinks out), and directories are not listed. Cached remote files are
// served only by HandleRemoteMedia, with their recorded type.
func (s *Env) HandleMediaFile(w http.ResponseWriter, r *http.Request) {
	name := PathParam(r, "*")
	if !fs.ValidPath(name) || name == "." || strings.HasPrefix(path.Base(name), ".") ||
		strings.HasPrefix(name, media.RemoteDir+"/") {
		http.NotFound(w, r)
		return
	}
	root, err := os.OpenRoot(s.mediaDir())
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer root.Close()
	f, err := root.Open(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	ctype, ok := media.ContentTypes[strings.ToLower(path.Ext(name))]
	if !ok {
		ctype = "application/octet-stream"
	}
	serveMedia(w, r, f, ctype)
}

// FileCORS lets pages on other origins use every file the API points at:
// avatars and headers (kith's defaults under /static/ too), uploaded
// media and their previews, cached remote media and emoji. Web clients
// served from elsewhere load them with fetch or <img crossorigin>, and
// without this header the browser refuses each one. No cookie is read
// here, so any origin may; preflights are answered here.
func FileCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodOptions {
			h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Range")
			h.Set("Access-Control-Max-Age", "86400")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.Set("Access-Control-Expose-Headers", "Content-Range, Accept-Ranges")
		next.ServeHTTP(w, r)
	})
}

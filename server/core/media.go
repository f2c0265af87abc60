package core

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"path"
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

// MediaFiles is where media files are kept (the local directory or S3).
func (s *Env) MediaFiles() media.Files { return s.Files }

// RemoveMedia deletes files saved for a request that then failed.
func (s *Env) RemoveMedia(names []string) {
	if err := s.MediaFiles().Remove(context.Background(), names...); err != nil {
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
//
// With [media.s3] public_url set, files kith holds are linked there
// instead (a CDN or the bucket itself), so that a page view costs kith
// no file request and S3 no request through kith: the owner's files by
// their name, remote files once cached (a database lookup, no S3
// request; a file not yet cached keeps its kith URL, which caches it
// and redirects).
func (s *Env) MediaURL(raw string) string {
	cfg := s.Config()
	base := cfg.Server.URL
	if strings.HasPrefix(raw, base+"/") {
		if name, ok := strings.CutPrefix(raw, base+"/media/"); ok && !strings.HasPrefix(name, media.RemoteDir+"/") {
			if pub := media.PublicURL(cfg, name); pub != "" {
				return pub
			}
		}
		return raw
	}
	if ap.HTTPURL(raw) == "" { // nothing but http(s) reaches a page or an app
		return ""
	}
	if media.PublicURL(cfg, "") != "" {
		if m, err := s.DB.RemoteMediaByHash(context.Background(), media.Hash(raw)); err == nil && m.URL == raw {
			if pub := media.PublicURL(cfg, m.Path); pub != "" {
				return pub
			}
		}
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
	thumb, ok := s.MediaFiles().ThumbnailOf(context.Background(), name)
	if !ok {
		return "", false
	}
	if pub := media.PublicURL(s.Config(), thumb); pub != "" {
		return pub, true
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
	var m store.RemoteMedia
	var f media.File
	var err error
	public := media.PublicURL(s.Config(), "") != ""
	if public {
		m, err = s.Remote.Get(r.Context(), raw)
	} else {
		m, f, err = s.Remote.Open(r.Context(), raw)
	}
	switch {
	case errors.Is(err, media.ErrRemoteNotFound):
		http.NotFound(w, r)
		return
	case errors.Is(err, context.Canceled):
		return
	case errors.Is(err, media.ErrStorageUnavailable):
		s.Logger.Warn("media storage unavailable", "url", raw, "err", err)
		http.Error(w, "media storage unavailable", http.StatusServiceUnavailable)
		return
	case err != nil:
		s.Logger.Info("remote media unavailable", "url", raw, "err", err)
		http.Error(w, "remote media unavailable", http.StatusBadGateway)
		return
	}
	if public {
		http.Redirect(w, r, media.PublicURL(s.Config(), m.Path), http.StatusFound)
		return
	}
	defer f.Close()
	serveMedia(w, r, f, m.ContentType)
}

// serveMedia writes a media file with the headers every media file gets:
// its type (never sniffed), a sandbox so that a file that is not what it
// claims cannot run script on kith's origin, and caching for good (names
// never change meaning).
func serveMedia(w http.ResponseWriter, r *http.Request, f media.File, ctype string) {
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	info := f.Info()
	if info.ETag != "" {
		h.Set("ETag", info.ETag) // S3's; a local file has none
	}
	// Range requests are answered from the store: on S3 only the range
	// asked for is fetched.
	http.ServeContent(w, r, "", info.ModTime, f)
}

// HandleMediaFile serves GET /media/*: the owner's files in the media
// storage. Locally, os.Root keeps every lookup inside the directory (no
// "..", no symlinks out), and directories are not listed. Cached remote
// files are served only by HandleRemoteMedia, with their recorded type.
// With [media.s3] public_url set, the file's public URL is where it is.
func (s *Env) HandleMediaFile(w http.ResponseWriter, r *http.Request) {
	name := PathParam(r, "*")
	if !fs.ValidPath(name) || name == "." || strings.HasPrefix(path.Base(name), ".") ||
		strings.HasPrefix(name, media.RemoteDir+"/") {
		http.NotFound(w, r)
		return
	}
	if pub := media.PublicURL(s.Config(), name); pub != "" {
		http.Redirect(w, r, pub, http.StatusFound)
		return
	}
	f, err := s.MediaFiles().Open(r.Context(), name)
	switch {
	case errors.Is(err, media.ErrStorageUnavailable):
		s.Logger.Warn("media storage unavailable", "file", name, "err", err)
		http.Error(w, "media storage unavailable", http.StatusServiceUnavailable)
		return
	case err != nil:
		http.NotFound(w, r)
		return
	}
	defer f.Close()
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

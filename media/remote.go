package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"kith/store"
)

var (
	// ErrRemoteNotFound means the origin answered 404 or 410.
	ErrRemoteNotFound = errors.New("remote media not found")
	// ErrRemoteFailed means the file could not be fetched or was refused:
	// the origin failed or is not reachable, the address is not public,
	// the file is too large or not of an allowed type. Nothing is cached.
	ErrRemoteFailed = errors.New("remote media unavailable")
)

// RemoteTypes are the content types cached by default: the images, video
// and audio fediverse servers attach. SVG is not among them: it can carry
// script.
var RemoteTypes = []string{
	"image/jpeg", "image/png", "image/gif", "image/webp", "image/avif",
	"video/mp4", "video/webm", "audio/mpeg", "audio/ogg", "audio/mp4", "audio/webm",
}

// Doer sends the cache's requests. In kith it is federation's guarded
// client, built by whoever builds the cache: it refuses private addresses
// unless allowed, maps test host names, bounds each fetch in time, and
// fails the read of a body larger than media.remote_max_bytes, so that
// nothing of it is cached.
type Doer interface {
	Do(req *http.Request) (*http.Response, error)
}

// CacheOptions configure a Cache.
type CacheOptions struct {
	Types []string         // allowed content types; nil means RemoteTypes
	Now   func() time.Time // nil means time.Now
}

// touchEvery is how stale last_used_at may get before a hit records the
// use: a write per image view would be a write per page view.
const touchEvery = time.Hour

// Cache fetches remote media on first request and keeps it under the
// media directory, so visitors' and apps' requests go to kith rather than
// to every server in the fediverse (which then learns nothing of who
// reads what).
type Cache struct {
	db     *store.DB
	files  Files
	client Doer
	opts   CacheOptions
	logger *slog.Logger

	mu       sync.Mutex
	inflight map[string]*fetchCall // by URL hash
	// joined, if set, is called when a request joins a fetch in progress
	// (tests use it to know the second request is waiting).
	joined func()
}

// fetchCall is one fetch in progress; requests for the same URL wait on
// done and share its result.
type fetchCall struct {
	done chan struct{}
	m    store.RemoteMedia
	err  error
}

// NewCache builds a cache that writes under RemoteDir of files and
// fetches with client (see Doer for what it must guard).
func NewCache(db *store.DB, files Files, client Doer, opts CacheOptions, logger *slog.Logger) *Cache {
	if opts.Types == nil {
		opts.Types = RemoteTypes
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Cache{db: db, files: files, client: client, opts: opts, logger: logger, inflight: map[string]*fetchCall{}}
}

// Hash is the cache key of a URL: hex SHA-256.
func Hash(rawURL string) string {
	sum := sha256.Sum256([]byte(rawURL))
	return hex.EncodeToString(sum[:])
}

// Get returns the cached file for rawURL, fetching it first if it is not
// cached (or, in the local directory, its file is gone; Open finds that
// out for other storage without a request more). Concurrent first requests for one URL
// fetch it once. The file is m.Path in the cache's Files.
func (c *Cache) Get(ctx context.Context, rawURL string) (store.RemoteMedia, error) {
	hash := Hash(rawURL)
	m, err := c.db.RemoteMediaByHash(ctx, hash)
	if err == nil && m.URL == rawURL {
		if _, local := c.files.Store.(Dir); !local {
			// A request each to S3: Open finds a file gone instead.
			c.touch(ctx, m)
			return m, nil
		}
		_, statErr := c.files.Store.Stat(ctx, m.Path)
		switch {
		case statErr == nil:
			c.touch(ctx, m)
			return m, nil
		case !errors.Is(statErr, fs.ErrNotExist):
			// The storage is down: fetching again would not help.
			return store.RemoteMedia{}, statErr
		}
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.RemoteMedia{}, err
	}
	c.mu.Lock()
	call, ok := c.inflight[hash]
	if !ok {
		call = &fetchCall{done: make(chan struct{})}
		c.inflight[hash] = call
		// The fetch outlives the request that started it: others wait on it.
		go c.run(context.WithoutCancel(ctx), call, hash, rawURL)
	}
	c.mu.Unlock()
	if ok && c.joined != nil {
		c.joined()
	}
	select {
	case <-call.done:
		return call.m, call.err
	case <-ctx.Done():
		return store.RemoteMedia{}, ctx.Err()
	}
}

// Open is Get, then the file opened for reading. A row whose file is
// gone (removed by hand, or a bucket emptied) is dropped and the file
// fetched again.
func (c *Cache) Open(ctx context.Context, rawURL string) (store.RemoteMedia, File, error) {
	m, err := c.Get(ctx, rawURL)
	if err != nil {
		return m, nil, err
	}
	f, err := c.files.Open(ctx, m.Path)
	if !errors.Is(err, fs.ErrNotExist) {
		return m, f, err
	}
	err = c.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.DeleteRemoteMedia(ctx, m.ID, c.opts.Now().AddDate(100, 0, 0))
		return err
	})
	if err != nil {
		return m, nil, err
	}
	if m, err = c.Get(ctx, rawURL); err != nil {
		return m, nil, err
	}
	f, err = c.files.Open(ctx, m.Path)
	return m, f, err
}

func (c *Cache) run(ctx context.Context, call *fetchCall, hash, rawURL string) {
	call.m, call.err = c.fetch(ctx, hash, rawURL)
	c.mu.Lock()
	delete(c.inflight, hash)
	c.mu.Unlock()
	close(call.done)
}

// touch records a use, at most once per touchEvery; a failure only costs
// an earlier prune, so it is logged, not returned.
func (c *Cache) touch(ctx context.Context, m store.RemoteMedia) {
	now := c.opts.Now()
	if now.Sub(m.LastUsedAt) < touchEvery {
		return
	}
	if err := c.db.InTx(ctx, func(tx *store.Tx) error { return tx.TouchRemoteMedia(ctx, m.ID, now) }); err != nil {
		c.logger.Warn("touch remote media failed", "url", m.URL, "err", err)
	}
}

// fetch downloads rawURL into the cache and records it.
func (c *Cache) fetch(ctx context.Context, hash, rawURL string) (store.RemoteMedia, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return store.RemoteMedia{}, fmt.Errorf("%s: %v: %w", rawURL, err, ErrRemoteFailed)
	}
	req.Header.Set("Accept", "image/*, video/*, audio/*")
	resp, err := c.client.Do(req)
	if err != nil {
		return store.RemoteMedia{}, fmt.Errorf("fetch %s: %v: %w", rawURL, err, ErrRemoteFailed)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return store.RemoteMedia{}, fmt.Errorf("fetch %s: status %d: %w", rawURL, resp.StatusCode, ErrRemoteNotFound)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return store.RemoteMedia{}, fmt.Errorf("fetch %s: status %d: %w", rawURL, resp.StatusCode, ErrRemoteFailed)
	}
	ctype, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if !slices.Contains(c.opts.Types, ctype) {
		return store.RemoteMedia{}, fmt.Errorf("fetch %s: content type %q not allowed: %w", rawURL, ctype, ErrRemoteFailed)
	}
	name := RemoteDir + "/" + hash[:2] + "/" + hash + extensionOf(ctype)
	size, err := c.files.WriteFrom(ctx, name, resp.Body)
	if err != nil {
		// The error may be ErrStorageUnavailable too (S3 down).
		return store.RemoteMedia{}, fmt.Errorf("fetch %s: %w: %w", rawURL, err, ErrRemoteFailed)
	}
	now := c.opts.Now()
	m := store.RemoteMedia{URL: rawURL, Hash: hash, Path: name, Size: size, ContentType: ctype, FetchedAt: now, LastUsedAt: now}
	if err := c.db.InTx(ctx, func(tx *store.Tx) error { return tx.PutRemoteMedia(ctx, m) }); err != nil {
		c.files.Remove(ctx, name)
		return store.RemoteMedia{}, err
	}
	c.logger.Debug("remote media cached", "url", rawURL, "bytes", size, "type", ctype)
	return c.db.RemoteMediaByHash(ctx, hash)
}

// extensionOf names cached files by type, so the directory is readable.
func extensionOf(ctype string) string {
	for ext, t := range ContentTypes {
		if t == ctype && ext != ".jpeg" {
			return ext
		}
	}
	if _, sub, ok := strings.Cut(ctype, "/"); ok && sub != "" && !strings.ContainsAny(sub, `/\.`) {
		return "." + sub
	}
	return ""
}

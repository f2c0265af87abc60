package media

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
)

// RemoteDir is the subdirectory of the media directory that holds cached
// remote media. Everything else there is the owner's own uploads.
const RemoteDir = "remote"

// Files is the owner's and the cache's media files in their Store:
// uploads at its top level under random names, cached remote media under
// RemoteDir, emoji under EmojiDir.
type Files struct {
	Store Store
	// thumbs remembers which uploads have a thumbnail, by name: pages ask
	// for every attachment they show, and with S3 each answer costs a
	// request. Names never change meaning, so an answer stays true.
	thumbs *thumbCache
}

// NewFiles is the media files in s.
func NewFiles(s Store) Files { return Files{Store: s, thumbs: &thumbCache{m: map[string]string{}}} }

// LocalFiles is the media files in a directory on disk.
func LocalFiles(dir string) Files { return NewFiles(Dir(dir)) }

// Saved names the files an upload was written to, relative to the media
// directory (slash-separated, as they appear in /media/ URLs).
type Saved struct {
	Path          string
	ThumbnailPath string // empty when there is no thumbnail
}

// Save writes a processed image and its thumbnail under a new random name
// (the thumbnail is that name with "_small"). Names are never reused, so
// the files may be cached for good.
func (f Files) Save(ctx context.Context, p Processed) (Saved, error) {
	name := NewName()
	s := Saved{Path: name + p.Original.Ext}
	if err := f.Write(ctx, s.Path, p.Original.Data); err != nil {
		return Saved{}, err
	}
	if p.Thumbnail.Data == nil {
		return s, nil
	}
	s.ThumbnailPath = name + "_small" + p.Thumbnail.Ext
	if err := f.Write(ctx, s.ThumbnailPath, p.Thumbnail.Data); err != nil {
		f.Remove(ctx, s.Path)
		return Saved{}, err
	}
	return s, nil
}

// ThumbnailOf is the thumbnail's name for an upload's file, as Save names
// it, if that file exists.
func (f Files) ThumbnailOf(ctx context.Context, name string) (string, bool) {
	if thumb, ok := f.thumbs.get(name); ok {
		return thumb, thumb != ""
	}
	base := strings.TrimSuffix(name, path.Ext(name)) + "_small"
	for _, ext := range []string{".jpg", ".png"} {
		_, err := f.Store.Stat(ctx, base+ext)
		if err == nil {
			f.thumbs.put(name, base+ext)
			return base + ext, true
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", false // unknown: not remembered
		}
	}
	f.thumbs.put(name, "")
	return "", false
}

// Write writes a file whole: a reader never sees half of it.
func (f Files) Write(ctx context.Context, name string, body []byte) error {
	_, err := f.Store.Put(ctx, name, bytes.NewReader(body), int64(len(body)), contentTypeOf(name))
	return err
}

// WriteFrom writes a file from r, as Write does, and returns its size. A
// read error (a body over the client's limit, a cut connection) leaves
// nothing behind.
func (f Files) WriteFrom(ctx context.Context, name string, r io.Reader) (int64, error) {
	return f.Store.Put(ctx, name, r, -1, contentTypeOf(name))
}

// Open opens a file for reading.
func (f Files) Open(ctx context.Context, name string) (File, error) { return f.Store.Open(ctx, name) }

// Remove deletes files by name; a file already gone is not an error.
func (f Files) Remove(ctx context.Context, names ...string) error {
	var errs []error
	for _, n := range names {
		if n == "" {
			continue
		}
		f.thumbs.forget(n)
		if err := f.Store.Delete(ctx, n); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// LocalCopy is a path on disk holding a file, for a program that reads
// files (ffmpeg): the file itself when the store is a directory, else a
// temporary copy that done removes.
func (f Files) LocalCopy(ctx context.Context, name string) (path string, done func(), err error) {
	if d, ok := f.Store.(Dir); ok {
		return d.Path(name), func() {}, nil
	}
	return TempCopy(ctx, f.Store, name, "kith-media-*"+filepath.Ext(name))
}

// TempCopy copies an object of a store into a new temporary file, named
// after pattern as os.CreateTemp does, which done removes.
func TempCopy(ctx context.Context, st Store, name, pattern string) (file string, done func(), err error) {
	src, err := st.Open(ctx, name)
	if err != nil {
		return "", nil, err
	}
	defer src.Close()
	tmp, err := os.CreateTemp("", pattern)
	if err != nil {
		return "", nil, err
	}
	done = func() { os.Remove(tmp.Name()) }
	_, err = io.Copy(tmp, src)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		done()
		return "", nil, fmt.Errorf("copy %s: %w", name, err)
	}
	return tmp.Name(), done, nil
}

// contentTypeOf is the type a file is stored with, by its extension.
func contentTypeOf(name string) string { return ContentTypes[strings.ToLower(path.Ext(name))] }

// thumbCache is Files.thumbs: thumbnail names by upload name ("" for
// none), at most thumbCacheSize, started over when full.
type thumbCache struct {
	mu sync.Mutex
	m  map[string]string
}

const thumbCacheSize = 8192

func (c *thumbCache) get(name string) (string, bool) {
	if c == nil {
		return "", false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[name]
	return t, ok
}

func (c *thumbCache) put(name, thumb string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= thumbCacheSize {
		clear(c.m)
	}
	c.m[name] = thumb
}

func (c *thumbCache) forget(name string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, name)
}

// NewName is a random file name (32 hex digits) with no extension.
func NewName() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// ContentTypes maps the extensions kith stores media with to their types.
var ContentTypes = map[string]string{
	".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif", ".webp": "image/webp",
	".avif": "image/avif", ".mp4": "video/mp4", ".webm": "video/webm", ".mp3": "audio/mpeg", ".ogg": "audio/ogg",
	".m4a": "audio/mp4", ".weba": "audio/webm",
}

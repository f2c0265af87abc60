package media

import (
	"bytes"
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
)

// RemoteDir is the subdirectory of the media directory that holds cached
// remote media. Everything else there is the owner's own uploads.
const RemoteDir = "remote"

// Files is the media directory on disk: uploads at its top level under
// random names, cached remote media under RemoteDir.
type Files struct {
	Dir string
}

// Saved names the files an upload was written to, relative to the media
// directory (slash-separated, as they appear in /media/ URLs).
type Saved struct {
	Path          string
	ThumbnailPath string // empty when there is no thumbnail
}

// Save writes a processed image and its thumbnail under a new random name
// (the thumbnail is that name with "_small"). Names are never reused, so
// the files may be cached for good.
func (f Files) Save(p Processed) (Saved, error) {
	name := NewName()
	s := Saved{Path: name + p.Original.Ext}
	if err := f.Write(s.Path, p.Original.Data); err != nil {
		return Saved{}, err
	}
	if p.Thumbnail.Data == nil {
		return s, nil
	}
	s.ThumbnailPath = name + "_small" + p.Thumbnail.Ext
	if err := f.Write(s.ThumbnailPath, p.Thumbnail.Data); err != nil {
		f.Remove(s.Path)
		return Saved{}, err
	}
	return s, nil
}

// ThumbnailOf is the thumbnail's name for an upload's file, as Save names
// it, if that file exists.
func (f Files) ThumbnailOf(name string) (string, bool) {
	base := strings.TrimSuffix(name, path.Ext(name)) + "_small"
	for _, ext := range []string{".jpg", ".png"} {
		if _, err := os.Stat(f.path(base + ext)); err == nil {
			return base + ext, true
		}
	}
	return "", false
}

// Write writes a file atomically (temporary name, then rename), so a
// reader never sees half a file.
func (f Files) Write(name string, body []byte) error {
	_, err := f.WriteFrom(name, bytes.NewReader(body))
	return err
}

// WriteFrom writes a file from r atomically, as Write does, and returns its
// size. A read error (a body over the client's limit, a cut
// connection) leaves nothing behind.
func (f Files) WriteFrom(name string, r io.Reader) (int64, error) {
	full := f.path(name)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return 0, fmt.Errorf("media directory: %w", err)
	}
	// The dot keeps a half-written file out of the usage scan and the
	// media handler.
	tmp, err := os.CreateTemp(filepath.Dir(full), ".write-*")
	if err != nil {
		return 0, fmt.Errorf("write media: %w", err)
	}
	n, err := io.Copy(tmp, r)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), full)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return 0, fmt.Errorf("write media %s: %w", name, err)
	}
	return n, nil
}

// Remove deletes files by name; a file already gone is not an error.
func (f Files) Remove(names ...string) error {
	var errs []error
	for _, n := range names {
		if n == "" {
			continue
		}
		if err := os.Remove(f.path(n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (f Files) path(name string) string { return filepath.Join(f.Dir, filepath.FromSlash(name)) }

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

// FullPath is a file's path on disk, for a program that reads it.
func (f Files) FullPath(name string) string { return f.path(name) }

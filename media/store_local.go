package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Dir is the local Store: a directory on disk (the data directory's
// media/). Writes go to a dot-named temporary file renamed into place, so
// readers, the usage scan and backups never see half a file.
type Dir string

// Put writes a file atomically.
func (d Dir) Put(ctx context.Context, name string, r io.Reader, size int64, contentType string) (int64, error) {
	full, err := d.path(name)
	if err != nil {
		return 0, err
	}
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

// Open opens a regular file inside the directory; os.Root keeps the
// lookup inside it (no "..", no symlinks out).
func (d Dir) Open(ctx context.Context, name string) (File, error) {
	if !validName(name) {
		return nil, fmt.Errorf("media name %q: %w", name, fs.ErrNotExist)
	}
	root, err := os.OpenRoot(string(d))
	if err != nil {
		return nil, err
	}
	defer root.Close()
	f, err := root.Open(filepath.FromSlash(name))
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("media %s: not a file: %w", name, fs.ErrNotExist)
	}
	return localFile{f, Info{Name: name, Size: st.Size(), ModTime: st.ModTime()}}, nil
}

type localFile struct {
	*os.File
	info Info
}

func (f localFile) Info() Info { return f.info }

// Stat describes a file.
func (d Dir) Stat(ctx context.Context, name string) (Info, error) {
	full, err := d.path(name)
	if err != nil {
		return Info{}, err
	}
	st, err := os.Stat(full)
	if err != nil {
		return Info{}, err
	}
	if !st.Mode().IsRegular() {
		return Info{}, fmt.Errorf("media %s: not a file: %w", name, fs.ErrNotExist)
	}
	return Info{Name: name, Size: st.Size(), ModTime: st.ModTime()}, nil
}

// Delete removes a file.
func (d Dir) Delete(ctx context.Context, name string) error {
	full, err := d.path(name)
	if err != nil {
		return err
	}
	if err := os.Remove(full); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// Walk lists the files under the directory whose names start with
// prefix. Dot files (writes in progress) and dot directories (imports
// unpacking) are skipped.
func (d Dir) Walk(ctx context.Context, prefix string, fn func(Info) error) error {
	top := string(d)
	err := filepath.WalkDir(top, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == top {
				return fs.SkipDir // no media yet
			}
			return err
		}
		rel, _ := filepath.Rel(top, p)
		name := filepath.ToSlash(rel)
		if e.IsDir() && p != top && strings.HasPrefix(e.Name(), ".") {
			return fs.SkipDir // an import unpacking its archive
		}
		if e.IsDir() {
			// Only descend where a name with the prefix can be.
			if p != top && !strings.HasPrefix(name+"/", prefix) && !strings.HasPrefix(prefix, name+"/") {
				return fs.SkipDir
			}
			return nil
		}
		if strings.HasPrefix(e.Name(), ".") || !strings.HasPrefix(name, prefix) || !e.Type().IsRegular() {
			return nil
		}
		info, err := e.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed since listed (a prune)
			}
			return err
		}
		if err := fn(Info{Name: name, Size: info.Size(), ModTime: info.ModTime()}); err != nil {
			return err
		}
		return ctx.Err()
	})
	return err
}

// String names the directory.
func (d Dir) String() string { return "local " + string(d) }

// Path is a file's path on disk.
func (d Dir) Path(name string) string { return filepath.Join(string(d), filepath.FromSlash(name)) }

func (d Dir) path(name string) (string, error) {
	if !validName(name) {
		return "", fmt.Errorf("media name %q: %w", name, fs.ErrInvalid)
	}
	return d.Path(name), nil
}

// validName is a relative slash-separated name without "..", "." or empty
// elements.
func validName(name string) bool { return fs.ValidPath(name) && name != "." }

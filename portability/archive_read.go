package portability

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// ErrBadArchive marks an archive refused before anything was changed.
var ErrBadArchive = errors.New("bad archive")

func badArchive(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadArchive}, args...)...)
}

// extracted is the part of an archive an import reads, copied to a
// temporary directory inside the media directory (so media can be moved
// into place by renaming).
type extracted struct {
	dir   string
	files map[string]string // path in the archive → temporary file
}

func (x *extracted) remove() { os.RemoveAll(x.dir) }

// wanted reports whether an import needs an archive entry: the JSON
// documents and media. Everything else is skipped unread (but counted
// against the size caps).
func wanted(name string) bool {
	switch name {
	case "outbox.json", "actor.json", "likes.json", "bookmarks.json":
		return true
	}
	return strings.HasPrefix(name, "media_attachments/")
}

// cleanEntryName checks an entry's path: relative, with no ".." and no
// backslashes, so nothing can be written outside the archive's own tree
// ("zip slip"). It returns the path without a leading "./".
func cleanEntryName(name string) (string, error) {
	n := strings.TrimPrefix(name, "./")
	if n == "" || strings.HasPrefix(n, "/") || strings.Contains(n, `\`) || filepath.IsAbs(n) || strings.Contains(n, "\x00") {
		return "", badArchive("entry %q has an unsafe path", name)
	}
	for _, part := range strings.Split(n, "/") {
		if part == ".." {
			return "", badArchive("entry %q has an unsafe path (it points outside the archive)", name)
		}
	}
	return path.Clean(n), nil
}

// extract reads an archive (zip, or tar.gz by its magic bytes) into a
// temporary directory, refusing unsafe paths, too many entries, and
// entries or a whole bigger than the caps, counted as bytes are actually
// read rather than taken from headers.
func (p *Porter) extract(r io.ReaderAt, size int64) (*extracted, error) {
	magic := make([]byte, 4)
	if _, err := r.ReadAt(magic, 0); err != nil {
		return nil, badArchive("the file is too short to be an archive")
	}
	if err := os.MkdirAll(p.opts.MediaDir, 0o755); err != nil {
		return nil, fmt.Errorf("media directory: %w", err)
	}
	dir, err := os.MkdirTemp(p.opts.MediaDir, ".import-")
	if err != nil {
		return nil, err
	}
	x := &extracted{dir: dir, files: map[string]string{}}
	switch {
	case bytes.Equal(magic, []byte("PK\x03\x04")):
		err = p.extractZip(x, r, size)
	case bytes.Equal(magic[:2], []byte{0x1f, 0x8b}):
		err = p.extractTarGz(x, io.NewSectionReader(r, 0, size))
	default:
		err = badArchive("not a zip or tar.gz file")
	}
	if err != nil {
		x.remove()
		return nil, err
	}
	return x, nil
}

// budget counts entries and bytes against the caps.
type budget struct {
	p       *Porter
	entries int
	total   int64
}

func (b *budget) entry() error {
	b.entries++
	if b.entries > b.p.opts.MaxEntries {
		return badArchive("more than %d files", b.p.opts.MaxEntries)
	}
	return nil
}

// copy writes an entry to a temporary file (or discards it), stopping as
// soon as it passes a cap.
func (b *budget) copy(x *extracted, name string, r io.Reader, keep bool) error {
	var dst io.Writer = io.Discard
	var f *os.File
	if keep {
		var err error
		if f, err = os.CreateTemp(x.dir, "entry-"); err != nil {
			return err
		}
		defer f.Close()
		dst = f
	}
	n, err := io.Copy(dst, io.LimitReader(r, b.p.opts.MaxEntryBytes+1))
	if n > b.p.opts.MaxEntryBytes {
		return badArchive("%s is larger than %d bytes", name, b.p.opts.MaxEntryBytes)
	}
	b.total += n
	if b.total > b.p.opts.MaxArchiveBytes {
		return badArchive("the files add up to more than %d bytes", b.p.opts.MaxArchiveBytes)
	}
	if err != nil {
		return badArchive("%s cannot be read: %v", name, err)
	}
	if keep {
		x.files[name] = f.Name()
	}
	return nil
}

func (p *Porter) extractZip(x *extracted, r io.ReaderAt, size int64) error {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return badArchive("the zip cannot be read: %v", err)
	}
	b := &budget{p: p}
	for _, zf := range zr.File {
		name, err := cleanEntryName(zf.Name)
		if err != nil {
			return err
		}
		if err := b.entry(); err != nil {
			return err
		}
		if zf.FileInfo().IsDir() || !zf.Mode().IsRegular() {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return badArchive("%s cannot be read: %v", name, err)
		}
		err = b.copy(x, name, rc, wanted(name))
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func (p *Porter) extractTarGz(x *extracted, r io.Reader) error {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return badArchive("the gzip stream cannot be read: %v", err)
	}
	defer gz.Close()
	tr := tar.NewReader(gz)
	b := &budget{p: p}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return badArchive("the tar cannot be read: %v", err)
		}
		name, err := cleanEntryName(h.Name)
		if err != nil {
			return err
		}
		if err := b.entry(); err != nil {
			return err
		}
		if h.Typeflag != tar.TypeReg && h.Typeflag != '\x00' { // '\x00': old tars' regular file
			continue // directories, and links that could point anywhere
		}
		if err := b.copy(x, name, tr, wanted(name)); err != nil {
			return err
		}
	}
}

// Package backup writes, checks and restores kith's backup archives: one
// tar.gz holding a consistent snapshot of the database (keys included),
// the media files, the certificates and the config, with a manifest of
// SHA-256 sums. A backup is taken while kith serves.
package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"kith/config"
	"kith/server/web/themes"
	"kith/store"
)

// Names inside an archive.
const (
	manifestName = "manifest.json"
	databaseName = "kith.db"
	configName   = "kith.toml"
)

// maxEntry bounds one file in an archive read back: a forged archive
// cannot fill the disk with one endless entry.
const maxEntry = 64 << 30

// Manifest describes an archive.
type Manifest struct {
	Kith    string    `json:"kith"`
	Schema  int       `json:"schema"`
	Created time.Time `json:"created"`
	Files   []File    `json:"files"`
	// Config maps the config keys that name files (custom_scss,
	// cert_file, key_file) to the archived copies, under config/.
	Config map[string]string `json:"config,omitempty"`
	// Warnings name what the config names but the backup could not find;
	// they are printed, not archived.
	Warnings []string `json:"-"`
}

// File is one archived file.
type File struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Create writes a backup of the data directory to out. The database is
// copied from db with a snapshot, so kith may keep running; configPath
// ("" for none) is stored as kith.toml, with the files it names (the
// custom stylesheet and its partials, TLS files) under config/.
func Create(ctx context.Context, db *store.DB, dataDir, configPath, out, version string) (Manifest, error) {
	if _, err := os.Stat(out); err == nil {
		return Manifest{}, fmt.Errorf("%s already exists; choose a new file name", out)
	}
	tmpDir, err := os.MkdirTemp(filepath.Dir(out), ".kith-backup-")
	if err != nil {
		return Manifest{}, fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(tmpDir)
	snapshot := filepath.Join(tmpDir, databaseName)
	if err := db.Snapshot(ctx, snapshot); err != nil {
		return Manifest{}, err
	}
	m := Manifest{Kith: version, Schema: store.SchemaVersion(), Created: time.Now().UTC()}
	files := []archived{{name: databaseName, path: snapshot}}
	if configPath != "" {
		files = append(files, archived{name: configName, path: configPath})
		cfg, err := config.Load(configPath, themes.CheckNames)
		if err != nil {
			return Manifest{}, err
		}
		named, warnings := configFiles(cfg)
		m.Warnings = warnings
		for _, n := range named {
			files = append(files, n.archived)
			if n.key != "" {
				if m.Config == nil {
					m.Config = map[string]string{}
				}
				m.Config[n.key] = n.name
			}
		}
	}
	for _, dir := range []string{"media", "certs"} {
		more, err := walk(dataDir, dir)
		if err != nil {
			return Manifest{}, err
		}
		files = append(files, more...)
	}
	tmp := out + ".tmp"
	if err := write(tmp, files, &m); err != nil {
		os.Remove(tmp)
		return Manifest{}, err
	}
	return m, os.Rename(tmp, out)
}

type archived struct{ name, path string }

// walk lists the regular files under dataDir/dir.
func walk(dataDir, dir string) ([]archived, error) {
	var out []archived
	root := filepath.Join(dataDir, dir)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == root {
			return filepath.SkipDir
		}
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		// Files being written are dotfiles (".upload-*", ".fetch-*") until
		// renamed into place; the finished file is what a backup wants.
		if strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		rel, err := filepath.Rel(dataDir, p)
		if err != nil {
			return err
		}
		out = append(out, archived{name: filepath.ToSlash(rel), path: p})
		return nil
	})
	return out, err
}

// write makes the tar.gz, filling in the manifest as it goes; the
// manifest is the last entry.
func write(out string, files []archived, m *Manifest) error {
	f, err := os.OpenFile(out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	// The fastest level makes an archive of a database of posts about 10%
	// bigger than the default level does, for well under half the CPU; the
	// backup shares the cores with kith serving requests.
	gz, err := gzip.NewWriterLevel(f, gzip.BestSpeed)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(gz)
	for _, a := range files {
		sum, size, err := addFile(tw, a)
		if errors.Is(err, fs.ErrNotExist) && a.name != databaseName {
			continue // removed since the walk (a media prune); nothing to keep
		}
		if err != nil {
			return err
		}
		m.Files = append(m.Files, File{Name: a.name, Size: size, SHA256: sum})
	}
	manifest, _ := json.MarshalIndent(m, "", "  ")
	if err := tw.WriteHeader(&tar.Header{Name: manifestName, Mode: 0o600, Size: int64(len(manifest)), ModTime: m.Created}); err != nil {
		return err
	}
	if _, err := tw.Write(manifest); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	return f.Sync()
}

func addFile(tw *tar.Writer, a archived) (string, int64, error) {
	src, err := os.Open(a.path)
	if err != nil {
		return "", 0, fmt.Errorf("backup %s: %w", a.name, err)
	}
	defer src.Close()
	info, err := src.Stat()
	if err != nil {
		return "", 0, err
	}
	if err := tw.WriteHeader(&tar.Header{Name: a.name, Mode: 0o600, Size: info.Size(), ModTime: info.ModTime()}); err != nil {
		return "", 0, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tw, h), src)
	if err != nil {
		return "", 0, fmt.Errorf("backup %s: %w", a.name, err)
	}
	if n != info.Size() {
		return "", 0, fmt.Errorf("backup %s: the file changed size while being copied", a.name)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// safeName reports whether an entry name stays inside the directory it is
// extracted to (no absolute paths, no "..").
func safeName(name string) bool {
	clean := path.Clean(name)
	return name != "" && clean == name && !path.IsAbs(clean) && clean != ".." &&
		!strings.HasPrefix(clean, "../") && !strings.Contains(name, "\\")
}

// read goes through an archive, handing each file to fn, and checks every
// file against the manifest. fn may be nil.
func read(archive string, fn func(name string, r io.Reader) error) (Manifest, error) {
	f, err := os.Open(archive)
	if err != nil {
		return Manifest{}, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return Manifest{}, fmt.Errorf("%s is not a kith backup (not gzip): %w", archive, err)
	}
	tr := tar.NewReader(gz)
	sums := map[string]File{}
	var m Manifest
	seenManifest := false
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Manifest{}, fmt.Errorf("%s is damaged: %w", archive, err)
		}
		if hdr.Typeflag != tar.TypeReg || !safeName(hdr.Name) || hdr.Size > maxEntry {
			return Manifest{}, fmt.Errorf("%s holds an entry kith will not restore: %q", archive, hdr.Name)
		}
		if hdr.Name == manifestName {
			if err := json.NewDecoder(io.LimitReader(tr, 16<<20)).Decode(&m); err != nil {
				return Manifest{}, fmt.Errorf("%s: unreadable manifest: %w", archive, err)
			}
			seenManifest = true
			continue
		}
		h := sha256.New()
		r := io.TeeReader(io.LimitReader(tr, maxEntry), h)
		if fn != nil {
			if err := fn(hdr.Name, r); err != nil {
				return Manifest{}, err
			}
		}
		n, err := io.Copy(io.Discard, r) // whatever fn left unread
		if err != nil {
			return Manifest{}, fmt.Errorf("%s is damaged: %w", archive, err)
		}
		_ = n
		sums[hdr.Name] = File{Name: hdr.Name, Size: hdr.Size, SHA256: hex.EncodeToString(h.Sum(nil))}
	}
	if !seenManifest {
		return Manifest{}, fmt.Errorf("%s has no manifest: it is not a complete kith backup", archive)
	}
	return m, checkSums(archive, m, sums)
}

func checkSums(archive string, m Manifest, got map[string]File) error {
	if len(got) != len(m.Files) {
		return fmt.Errorf("%s: the manifest lists %d files, the archive holds %d", archive, len(m.Files), len(got))
	}
	hasDB := false
	for _, want := range m.Files {
		g, ok := got[want.Name]
		if !ok || g.SHA256 != want.SHA256 || g.Size != want.Size {
			return fmt.Errorf("%s: %s does not match its checksum: the archive is damaged", archive, want.Name)
		}
		hasDB = hasDB || want.Name == databaseName
	}
	if !hasDB {
		return fmt.Errorf("%s holds no database", archive)
	}
	return nil
}

func copyTo(dst string, r io.Reader) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

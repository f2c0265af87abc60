package backup

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"kith/config"
	"kith/server/web/themes"
	"kith/store"
)

// Verify checks an archive: every file matches the manifest, the database
// passes SQLite's integrity check, and the instance it holds would start.
// For that last part it restores the database, the config and the files
// the config names into a temporary directory (media stay in the archive)
// and does what kith serve does first: load the config, open (and
// migrate) the database and find the owner, compile the theme, load the
// TLS files. A backup that restores but cannot serve fails here.
func Verify(ctx context.Context, archive string) (Manifest, error) {
	tmpDir, err := os.MkdirTemp("", "kith-verify-")
	if err != nil {
		return Manifest{}, err
	}
	defer os.RemoveAll(tmpDir)
	m, err := read(archive, func(name string, r io.Reader) error {
		if name == databaseName || name == configName || strings.HasPrefix(name, configDir) {
			return copyTo(filepath.Join(tmpDir, filepath.FromSlash(name)), r)
		}
		return nil
	})
	if err != nil {
		return Manifest{}, err
	}
	if m.Schema > store.SchemaVersion() {
		return m, fmt.Errorf("%s was made by a newer kith (schema %d, this one knows %d)", archive, m.Schema, store.SchemaVersion())
	}
	if err := store.CheckIntegrity(ctx, filepath.Join(tmpDir, databaseName)); err != nil {
		return m, err
	}
	if err := dryRun(ctx, tmpDir, m); err != nil {
		return m, fmt.Errorf("%s restores, but kith serve would not start on it: %w", archive, err)
	}
	return m, nil
}

// dryRun starts the instance restored in dir as far as kith serve goes
// before it listens.
func dryRun(ctx context.Context, dir string, m Manifest) error {
	path := filepath.Join(dir, configName)
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		raw = nil // made with the built-in default config: nothing to load
	} else if err != nil {
		return err
	}
	cfg := config.Default()
	if raw != nil {
		if err := os.WriteFile(path, restoredConfig(raw, m), 0o600); err != nil {
			return err
		}
		if cfg, err = config.Load(path, themes.CheckNames); err != nil {
			return fmt.Errorf("the config: %w", err)
		}
	}
	db, err := store.Open(ctx, filepath.Join(dir, databaseName), nil)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Owner(ctx); err != nil {
		return fmt.Errorf("the database has no owner account: %w", err)
	}
	if raw == nil {
		return nil
	}
	if _, err := themes.Compile(themes.OptionsFor(cfg)); err != nil {
		return fmt.Errorf("the theme: %w", archiveNames(err, dir))
	}
	if cfg.Server.TLS == config.TLSFiles {
		if _, err := tls.LoadX509KeyPair(cfg.Server.CertFile, cfg.Server.KeyFile); err != nil {
			return fmt.Errorf("the TLS files: %w", archiveNames(err, dir))
		}
	}
	return nil
}

// archiveNames rewrites the temporary directory out of an error, so it
// names files as the archive does.
func archiveNames(err error, dir string) error {
	return errors.New(strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), ""))
}

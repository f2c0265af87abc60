package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"kith/config"
	"kith/federation"
	"kith/jobs"
	"kith/portability"
	"kith/store"
)

const exportUsage = `export [--config FILE] [--out ARCHIVE.zip] [--csv DIR]

Writes the owner's data in Mastodon's formats: --out the archive (a zip of
actor.json, outbox.json, likes.json, bookmarks.json and media), --csv the
lists (following_accounts.csv, followers.csv, blocked_accounts.csv,
muted_accounts.csv, blocked_domains.csv, bookmarks.csv, lists.csv) into
DIR. Safe to run while kith serves.`

func runExport(ctx context.Context, c cli, args []string) error {
	fs := newFlags(c, "export", exportUsage)
	path := configFlag(fs)
	out := fs.String("out", "", "write the archive (zip) to this file")
	csvDir := fs.String("csv", "", "write the CSV lists into this directory")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" && *csvDir == "" {
		fmt.Fprintln(c.stderr, "kith export: give --out, --csv or both")
		fs.Usage()
		return errUsage
	}
	cfg, err := loadConfig(*path)
	if err != nil {
		return err
	}
	p, db, err := openPorter(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if *out != "" {
		if err := writeStreamAtomic(*out, func(f *os.File) error { return p.WriteArchive(ctx, f) }); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "wrote %s\n", *out)
	}
	if *csvDir != "" {
		if err := os.MkdirAll(*csvDir, 0o700); err != nil {
			return err
		}
		for _, kind := range portability.Kinds {
			name := filepath.Join(*csvDir, kind.FileName())
			if err := writeStreamAtomic(name, func(f *os.File) error { return p.WriteCSV(ctx, kind, f) }); err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "wrote %s\n", name)
		}
	}
	return nil
}

// openPorter opens the database and what exports and imports need. Its
// job runner is never started: a CSV import's rows are applied by the
// running kith serve.
func openPorter(ctx context.Context, cfg config.Config) (*portability.Porter, *store.DB, error) {
	logger := slog.New(slog.DiscardHandler)
	db, err := store.Open(ctx, cfg.DatabasePath(), nil)
	if err != nil {
		return nil, nil, err
	}
	if _, err := db.Owner(ctx); errors.Is(err, store.ErrNotFound) {
		db.Close()
		return nil, nil, errors.New("there is no owner account yet: run kith init or kith serve first")
	}
	runner := jobs.New(db, logger, jobs.Options{})
	fed, err := federation.New(ctx, db, runner, logger, federationOptions(cfg))
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return portability.New(db, fed, nil, logger, portabilityOptions(cfg)), db, nil
}

func portabilityOptions(cfg config.Config) portability.Options {
	return portability.Options{BaseURL: cfg.Server.URL, MediaDir: filepath.Join(cfg.Server.DataDir, "media")}
}

// writeStreamAtomic writes name through a temporary file in the same
// directory, so a failed export leaves no half-written file.
func writeStreamAtomic(name string, write func(*os.File) error) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), name)
}

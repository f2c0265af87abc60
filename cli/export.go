package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"kith/config"
	"kith/portability"
)

const exportUsage = `export [--config FILE] [--out ARCHIVE.zip] [--csv DIR]

Writes the owner's data in Mastodon's formats: --out the archive (a zip of
actor.json, outbox.json, likes.json, bookmarks.json and media), --csv the
lists (following_accounts.csv, followers.csv, blocked_accounts.csv,
muted_accounts.csv, blocked_domains.csv, bookmarks.csv, lists.csv) into
DIR. Safe to run while kith serves.`

func runExport(ctx context.Context, c stdio, args []string) error {
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
	p, a, err := openPorter(ctx, c, *path)
	if err != nil {
		return err
	}
	defer a.Close()
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

// openPorter opens the instance with openAdmin and builds what exports
// and imports need. The caller closes the admin. The job runner is never
// started: a CSV import's rows are applied by the running kith serve.
func openPorter(ctx context.Context, c stdio, configFile string) (*portability.Porter, *admin, error) {
	a, err := openAdmin(ctx, c, configFile, true)
	if err != nil {
		return nil, nil, err
	}
	return portability.New(a.db, a.fed, nil, slog.New(slog.DiscardHandler), a.portabilityOptions()), a, nil
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

// portabilityOptions are the config's, with the admin's media storage.
func (a *admin) portabilityOptions() portability.Options {
	o := portabilityOptions(a.cfg)
	o.Files = a.files
	return o
}

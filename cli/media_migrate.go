package cli

import (
	"context"
	"fmt"
	"path/filepath"

	"kith/config"
	"kith/media"
)

const mediaMigrateUsage = `media migrate --to s3|local [--keep-source] [--config FILE]

Moves every media file (uploads, previews, avatars, headers, emoji, cached
remote media) from the storage [media] storage names to the other one: to
the S3 bucket of [media.s3] (write that table first), or back to the data
directory's media/. Stop kith serve first (this command takes the data
directory's lock); start it again when this is done.

Each file is copied, read back and compared by SHA-256 before it counts
as done; progress is kept in data_dir/media-migrate-to-KIND.state, so a
run that is interrupted (even killed) goes on where it stopped when run
again. Only when every file is verified is storage in the config file
changed (that one line; the rest of the file is kept). Then, unless
--keep-source is given, the files are removed from where they were: with
--to s3, the local files stay until everything is in the bucket and the
config names it.`

func runMediaMigrate(ctx context.Context, c stdio, args []string) error {
	fs := newFlags(c, "media migrate", mediaMigrateUsage)
	to := fs.String("to", "", `"s3" or "local"`)
	keep := fs.Bool("keep-source", false, "keep the files where they were after the switch")
	path, _, err := parseCommand(fs, args, 0)
	if err != nil {
		return err
	}
	if *to != config.StorageS3 && *to != config.StorageLocal {
		fmt.Fprintln(c.stderr, `kith media migrate: --to must be "s3" or "local"`)
		return errUsage
	}
	file := configPath(path)
	if file == "" {
		return fmt.Errorf("media migrate changes the config file: name it with --config (or KITH_CONFIG)")
	}
	cfg, err := loadConfig(file)
	if err != nil {
		return err
	}
	lock, err := lockDataDir(cfg.Server.DataDir)
	if err != nil {
		return err
	}
	defer lock.Release()
	m, err := migrationFor(ctx, cfg, *to)
	if err != nil {
		return err
	}
	if cfg.Media.Storage != *to {
		bar := newMeter(c)
		m.Progress = func(p media.MigrateProgress) {
			if !p.Skipped {
				fmt.Fprintf(c.stdout, "copied %s\n", p.Name)
			}
			bar.show(p.Done, p.Total, fmt.Sprintf("%s copied", humanBytes(p.Bytes)))
		}
		names, err := m.Copy(ctx)
		bar.end()
		if err != nil {
			return fmt.Errorf("media migrate (run it again to go on): %w", err)
		}
		if err := config.SetMediaStorage(file, *to); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "%d files verified in %s; %s now says storage = %q\n", len(names), m.To, file, *to)
	}
	if *keep {
		fmt.Fprintf(c.stdout, "kept the files in %s\n", m.From)
		return nil
	}
	bar := newMeter(c)
	err = m.RemoveSource(ctx, func(done, total int) { bar.show(done, total, "removed from "+m.From.String()) })
	bar.end()
	if err != nil {
		return fmt.Errorf("remove migrated files (run it again to go on): %w", err)
	}
	fmt.Fprintf(c.stdout, "removed the migrated files from %s; start kith serve again\n", m.From)
	return nil
}

// migrationFor is the migration from the config's storage (or, when the
// config names to already, the one that ended there) to to.
func migrationFor(ctx context.Context, cfg config.Config, to string) (media.Migration, error) {
	local := media.Dir(cfg.MediaDir())
	o, err := media.S3OptionsFrom(cfg.Media.S3)
	if err != nil {
		return media.Migration{}, err
	}
	if o.Bucket == "" || o.AccessKey == "" || o.SecretKey == "" {
		return media.Migration{}, fmt.Errorf("media migrate: [media.s3] needs bucket, access_key and secret_key (or secret_key_file)")
	}
	bucket := media.NewS3(o)
	if err := bucket.Check(ctx); err != nil {
		return media.Migration{}, err
	}
	m := media.Migration{From: local, To: bucket}
	if to == config.StorageLocal {
		m.From, m.To = bucket, local
	}
	m.StatePath = filepath.Join(cfg.Server.DataDir, "media-migrate-to-"+to+".state")
	return m, nil
}

// meter redraws a progress line in place on stderr:
// "[#####     ] 12/40 note".
type meter struct {
	c     stdio
	drawn bool
}

func newMeter(c stdio) *meter { return &meter{c: c} }

func (m *meter) show(done, total int, note string) {
	fmt.Fprintf(m.c.stderr, "\r%s %d/%d %s", progressBar(done, total, 30), done, total, note)
	m.drawn = true
}

func (m *meter) end() {
	if m.drawn {
		fmt.Fprintln(m.c.stderr)
	}
}

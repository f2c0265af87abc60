package replication

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/benbjohnson/litestream"

	"kith/store"
)

// Restored says what a restore wrote.
type Restored struct {
	// Files counts the carried files written beside it (the config among
	// them); Config says whether the replica held a config.
	Files  int
	Config bool
}

// Restore rebuilds a data directory from the replica: the database at its
// newest state, or as it was at the time at (when not zero), checked
// whole by SQLite's integrity check, then the config and the other files
// carried in it. dataDir must be empty or not exist. Media are not in the
// replica: with media on S3 they stay where they are; local media must be
// copied over separately.
func Restore(ctx context.Context, opts Options, dataDir string, at time.Time, logger *slog.Logger) (Restored, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if entries, err := os.ReadDir(dataDir); err == nil && len(entries) > 0 {
		return Restored{}, fmt.Errorf("%s is not empty; restore into a new directory (kith never overwrites data)", dataDir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Restored{}, err
	}
	client, err := opts.client(logger)
	if err != nil {
		return Restored{}, err
	}
	if err := check(ctx, client, opts); err != nil {
		return Restored{}, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return Restored{}, err
	}
	replica := litestream.NewReplicaWithClient(nil, client)
	ro := litestream.NewRestoreOptions()
	ro.OutputPath = filepath.Join(dataDir, "kith.db")
	ro.Timestamp = at
	if err := replica.Restore(ctx, ro); err != nil {
		if errors.Is(err, litestream.ErrTxNotAvailable) || errors.Is(err, litestream.ErrNoSnapshots) {
			if at.IsZero() {
				return Restored{}, fmt.Errorf("%s holds no replicated database", opts.Where())
			}
			return Restored{}, fmt.Errorf("%s holds nothing as old as %s: a replica keeps about a day", opts.Where(), at.UTC().Format(time.RFC3339))
		}
		return Restored{}, fmt.Errorf("restore from %s: %w", opts.Where(), err)
	}
	if err := store.CheckIntegrity(ctx, ro.OutputPath); err != nil {
		return Restored{}, fmt.Errorf("the restored database fails its integrity check: %w", err)
	}
	var res Restored
	res.Files, res.Config, err = writeCarried(ctx, ro.OutputPath, dataDir, !at.IsZero(), logger)
	return res, err
}

package replication

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/benbjohnson/litestream"
	"github.com/superfly/ltx"
)

// Probe is what kith doctor learns of replication from outside kith serve:
// the replica's newest position, the local one (Litestream's LTX files
// beside the database), and the last error kith serve recorded.
type Probe struct {
	ReplicaTXID uint64
	ReplicaAt   time.Time // when the replica's newest file was written
	LocalTXID   uint64
	// Behind is how long the oldest local change the replica lacks has
	// waited; 0 when the replica has everything made here.
	Behind time.Duration
	// The last error kith serve met, and when (zero when none).
	LastError   string
	LastErrorAt time.Time
}

// ProbeReplica compares the database at dbPath with its replica. An error
// means the replica could not be read (kith serve would not start with
// it, or it is down).
func ProbeReplica(ctx context.Context, dbPath string, opts Options, now time.Time) (Probe, error) {
	var p Probe
	p.LastError, p.LastErrorAt = readStatusFile(dbPath)
	client, err := opts.client(slog.New(slog.DiscardHandler))
	if err != nil {
		return p, err
	}
	if err := check(ctx, client, opts); err != nil {
		return p, err
	}
	replica := litestream.NewReplicaWithClient(nil, client)
	info, err := replica.MaxLTXFileInfo(ctx, 0)
	if err != nil {
		return p, err
	}
	p.ReplicaTXID, p.ReplicaAt = uint64(info.MaxTXID), info.CreatedAt
	// Compacted levels hold the newest position once level 0 is pruned.
	for level := 1; level <= litestream.SnapshotLevel; level++ {
		if i, err := replica.MaxLTXFileInfo(ctx, level); err == nil && uint64(i.MaxTXID) > p.ReplicaTXID {
			p.ReplicaTXID, p.ReplicaAt = uint64(i.MaxTXID), i.CreatedAt
		}
	}
	dir := filepath.Join(metaPath(dbPath), "ltx", "0")
	entries, _ := os.ReadDir(dir)
	var oldestMissing time.Time
	for _, e := range entries {
		_, maxTXID, err := ltx.ParseFilename(e.Name())
		if err != nil {
			continue
		}
		p.LocalTXID = max(p.LocalTXID, uint64(maxTXID))
		if uint64(maxTXID) > p.ReplicaTXID {
			if info, err := e.Info(); err == nil && (oldestMissing.IsZero() || info.ModTime().Before(oldestMissing)) {
				oldestMissing = info.ModTime()
			}
		}
	}
	if !oldestMissing.IsZero() {
		p.Behind = max(now.Sub(oldestMissing), time.Millisecond)
	}
	return p, nil
}

// statusFile is where kith serve records replication's last error for
// kith doctor, beside Litestream's own files.
func statusFile(dbPath string) string {
	return filepath.Join(metaPath(dbPath), "kith-status.json")
}

// metaPath is the directory where Litestream keeps its files for the
// database at dbPath: .NAME-litestream beside it.
func metaPath(dbPath string) string {
	dir, name := filepath.Split(dbPath)
	return filepath.Join(dir, "."+name+litestream.MetaDirSuffix)
}

type statusRecord struct {
	LastError   string    `json:"last_error"`
	LastErrorAt time.Time `json:"last_error_at"`
}

func writeStatusFile(dbPath, msg string, at time.Time) error {
	b, _ := json.Marshal(statusRecord{LastError: msg, LastErrorAt: at})
	path := statusFile(dbPath)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func readStatusFile(dbPath string) (string, time.Time) {
	b, err := os.ReadFile(statusFile(dbPath))
	if err != nil {
		return "", time.Time{}
	}
	var r statusRecord
	if json.Unmarshal(b, &r) != nil {
		return "", time.Time{}
	}
	return r.LastError, r.LastErrorAt
}

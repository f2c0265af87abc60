package replication

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kith/config"
	"kith/store"
)

// instance is a data directory with a config that replicates to a
// directory, and its database opened as kith serve opens it.
type instance struct {
	dir, replica string
	cfg          config.Config
	db           *store.DB
	repl         *Replicator
}

func startInstance(t *testing.T, logger *slog.Logger) *instance {
	t.Helper()
	ctx := context.Background()
	in := &instance{dir: t.TempDir(), replica: t.TempDir()}
	os.WriteFile(filepath.Join(in.dir, "replica.secret"), []byte("not-used-for-file\n"), 0o600)
	os.MkdirAll(filepath.Join(in.dir, "kith-data", "certs"), 0o700)
	os.WriteFile(filepath.Join(in.dir, "kith-data", "certs", "alice.example"), []byte("-----BEGIN EC PRIVATE KEY-----\ncert cache\n"), 0o600)
	cfgText := fmt.Sprintf(`[server]
url = "https://alice.example"
data_dir = "kith-data"
tls = "auto"

[owner]
username = "alice"

[replication]
url = "file://%s"
secret_key_file = "replica.secret"
`, in.replica)
	cfgPath := filepath.Join(in.dir, "kith.toml")
	os.WriteFile(cfgPath, []byte(cfgText), 0o600)
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	in.cfg = cfg
	in.db, err = store.OpenWith(ctx, cfg.DatabasePath(), nil, store.Options{ExternalCheckpoints: true})
	if err != nil {
		t.Fatal(err)
	}
	opts, err := FromConfig(cfg.Replication)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CarryFiles(ctx, in.db, cfg); err != nil {
		t.Fatal(err)
	}
	in.repl, err = Start(ctx, cfg.DatabasePath(), opts, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.close(t) })
	return in
}

func (in *instance) close(t *testing.T) {
	if in.db == nil {
		return
	}
	in.db.Close()
	if err := in.repl.Close(context.Background()); err != nil {
		t.Errorf("close replication: %v", err)
	}
	in.db = nil
}

// write stores settings first..last, one transaction each.
func (in *instance) write(t *testing.T, first, last int) {
	t.Helper()
	ctx := context.Background()
	for i := first; i <= last; i++ {
		err := in.db.InTx(ctx, func(tx *store.Tx) error {
			return tx.SetSetting(ctx, fmt.Sprintf("replication-test.%05d", i), strings.Repeat("x", 200))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// restoredCount counts the test's settings in a restored database.
func restoredCount(t *testing.T, dbPath string) int {
	t.Helper()
	db, err := store.OpenReadOnly(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	for i := 1; ; i++ {
		if _, err := db.Setting(context.Background(), fmt.Sprintf("replication-test.%05d", i)); errors.Is(err, store.ErrNotFound) {
			return n
		} else if err != nil {
			t.Fatal(err)
		}
		n++
	}
}

// A database replicated to a directory restores into a new data
// directory with every synced commit, passes the integrity check, and
// comes with its config (data_dir pointing at the new directory, the
// secret key file restored beside it) and the certificate cache; a
// restore to a time between two batches holds the first only, and its
// config no longer replicates.
func TestReplicateAndRestoreFile(t *testing.T) {
	ctx := context.Background()
	in := startInstance(t, nil)
	in.write(t, 1, 300)
	if err := in.repl.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	st := in.repl.Status()
	if st.ReplicaTXID == 0 || st.ReplicaTXID != st.LocalTXID || st.Lag != 0 {
		t.Fatalf("after Sync: %+v, want the replica at the local position with no lag", st)
	}
	// Litestream stamps its LTX files with the real clock, so the point
	// in time is read from it too, between two synced batches.
	time.Sleep(20 * time.Millisecond)
	between := time.Now()
	time.Sleep(20 * time.Millisecond)
	in.write(t, 301, 450)
	if err := in.repl.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	in.close(t)

	opts, _ := FromConfig(in.cfg.Replication)
	latest := filepath.Join(t.TempDir(), "restored")
	res, err := Restore(ctx, opts, latest, time.Time{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := restoredCount(t, filepath.Join(latest, "kith.db")); got != 450 {
		t.Errorf("newest restore holds %d commits, want 450", got)
	}
	if !res.Config || res.Files < 3 {
		t.Errorf("restore = %+v, want the config, the secret key file and the certificate", res)
	}
	cfg, err := config.Load(filepath.Join(latest, "kith.toml"))
	if err != nil {
		t.Fatalf("restored config: %v", err)
	}
	if cfg.Server.DataDir != latest || cfg.Replication.URL != in.cfg.Replication.URL {
		t.Errorf("restored config: data_dir %q, replication.url %q; want %q and the replica", cfg.Server.DataDir, cfg.Replication.URL, latest)
	}
	if secret, err := cfg.Replication.Secret(); err != nil || secret != "not-used-for-file" {
		t.Errorf("restored secret key file: %q, %v", secret, err)
	}
	if b, err := os.ReadFile(filepath.Join(latest, "certs", "alice.example")); err != nil || !strings.Contains(string(b), "cert cache") {
		t.Errorf("restored certificate cache: %q, %v", b, err)
	}

	past := filepath.Join(t.TempDir(), "past")
	if _, err := Restore(ctx, opts, past, between, nil); err != nil {
		t.Fatal(err)
	}
	if got := restoredCount(t, filepath.Join(past, "kith.db")); got != 300 {
		t.Errorf("restore at %s holds %d commits, want the first batch's 300", between.Format(time.RFC3339Nano), got)
	}
	cfg, err = config.Load(filepath.Join(past, "kith.toml"))
	if err != nil {
		t.Fatalf("point-in-time config: %v", err)
	}
	if cfg.Replication.URL != "" {
		t.Errorf("a point-in-time restore still replicates to %q", cfg.Replication.URL)
	}
	if _, err := Restore(ctx, opts, latest, time.Time{}, nil); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("restore into a used directory: %v, want a refusal", err)
	}
}

// kith's connections hand checkpoints to Litestream: with replication on,
// a long run of commits leaves every frame in the WAL until Litestream
// checkpoints it after reading, and the replica still restores it all.
func TestCheckpointsAreLitestreams(t *testing.T) {
	ctx := context.Background()
	in := startInstance(t, nil)
	in.write(t, 1, 1500) // well past SQLite's automatic checkpoint at 1000 pages
	if err := in.repl.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	in.close(t)
	opts, _ := FromConfig(in.cfg.Replication)
	dir := filepath.Join(t.TempDir(), "restored")
	if _, err := Restore(ctx, opts, dir, time.Time{}, nil); err != nil {
		t.Fatal(err)
	}
	if got := restoredCount(t, filepath.Join(dir, "kith.db")); got != 1500 {
		t.Errorf("restored %d commits, want 1500", got)
	}
}

func TestSetInSection(t *testing.T) {
	cfg := "[server]\nurl = \"x\"\n\n[media.s3]\nsecret_key_file = \"m\"\n\n[replication]\nurl = \"s3://b/p\"\nsecret_key_file = \"/etc/k\"\n"
	got := string(setInSection([]byte(cfg), "replication", "secret_key_file", "config/replication/secret_key"))
	want := "[server]\nurl = \"x\"\n\n[media.s3]\nsecret_key_file = \"m\"\n\n[replication]\nurl = \"s3://b/p\"\nsecret_key_file = \"config/replication/secret_key\"\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	got = string(setInSection([]byte("[server]\nurl = \"x\"\n"), "replication", "url", ""))
	if !strings.HasSuffix(got, "[replication]\nurl = \"\"\n") {
		t.Errorf("adding a section: %q", got)
	}
}

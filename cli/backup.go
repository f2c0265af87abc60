package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"

	"kith/config"
	"kith/media"
	"kith/portability/backup"
	"kith/replication"
	"kith/store"
)

const backupUsage = `backup [--config FILE] ARCHIVE | backup --verify ARCHIVE | backup --list s3://BUCKET/PREFIX

Writes one archive (tar.gz) of everything kith keeps: a consistent
snapshot of the database (with the keys), media, certificates, the config
and the files it names (the custom stylesheet with the partials it
imports, tls = "files" certificates), while kith keeps serving. --verify
checks an archive instead: every file's checksum, the database's
integrity, and a dry run of the restored instance (config, database,
theme, certificates).

ARCHIVE may be s3://BUCKET/PREFIX: the archive is written locally, then
stored in the bucket as PREFIX/kith-backup-YYYYMMDD-HHMMSS.tar.gz (or as
the key itself when it ends in .tar.gz). --list shows the archives there;
kith restore and --verify take an s3://BUCKET/KEY. The S3 endpoint,
region, path style and keys are [media.s3]'s; AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY and AWS_ENDPOINT_URL in the environment take
precedence. With storage = "s3" the media are in their bucket, not in the
archive.`

func runBackup(ctx context.Context, c stdio, args []string) error {
	fs := newFlags(c, "backup", backupUsage)
	path := configFlag(fs)
	verify := fs.Bool("verify", false, "check an archive instead of writing one")
	list := fs.Bool("list", false, "list the archives under an s3:// prefix")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	archive := fs.Arg(0)
	loc, inS3 := parseS3URL(archive)
	if *list && !inS3 {
		fmt.Fprintln(c.stderr, "kith backup: --list takes an s3://BUCKET/PREFIX")
		return errUsage
	}
	var bucket *media.S3
	if inS3 {
		cfg, err := loadConfig(*path)
		if err != nil {
			return err
		}
		if bucket, err = backupBucket(ctx, cfg, loc); err != nil {
			return err
		}
		if *list {
			return listBackups(ctx, c, bucket, loc)
		}
	}
	if *verify {
		local := archive
		if inS3 {
			file, done, err := media.TempCopy(ctx, bucket, loc.key, "kith-backup-*.tar.gz")
			if err != nil {
				return err
			}
			defer done()
			local = file
		}
		m, err := backup.Verify(ctx, local)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "%s is a good backup: %d files, made %s by kith %s; restored, it starts\n", archive, len(m.Files), m.Created.Format("2006-01-02 15:04 MST"), m.Kith)
		return nil
	}
	cfg, err := loadConfig(*path)
	if err != nil {
		return err
	}
	lowerPriority()
	db, err := store.Open(ctx, cfg.DatabasePath(), nil)
	if err != nil {
		return err
	}
	defer db.Close()
	out, key := archive, ""
	if inS3 {
		key = backupKey(loc, time.Now())
		out = localArchive(cfg, key)
		defer os.Remove(out)
	}
	m, err := backup.Create(ctx, db, cfg.Server.DataDir, cfg.File, out, fullVersion())
	if err != nil {
		return err
	}
	for _, w := range m.Warnings {
		fmt.Fprintf(c.stderr, "warning: %s (not in the backup; kith serve would not start with it either)\n", w)
	}
	if inS3 {
		size, err := uploadBackup(ctx, bucket, out, key)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "wrote s3://%s/%s: %d files, %s\n", loc.bucket, key, len(m.Files), humanBytes(size))
		return nil
	}
	fmt.Fprintf(c.stdout, "wrote %s: %d files\n", archive, len(m.Files))
	return nil
}

// lowerPriority makes this process nice 10: a backup is CPU work (copying,
// checksums, compression) on the cores kith serve answers requests on, and
// should take only what serving leaves. Linux keeps a nice value per
// thread, so every thread gets it; threads started later inherit it. It is
// best effort: where it fails, the backup runs at normal priority.
func lowerPriority() {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		syscall.Setpriority(syscall.PRIO_PROCESS, 0, 10)
		return
	}
	for _, t := range tasks {
		if tid, err := strconv.Atoi(t.Name()); err == nil {
			syscall.Setpriority(syscall.PRIO_PROCESS, tid, 10)
		}
	}
}

const restoreUsage = `restore ARCHIVE --data DIR [--config FILE]
       restore --from s3://BUCKET/PATH|file:///PATH --data DIR [--timestamp T]

Restores an archive made by kith backup into DIR, which must be empty or
not exist. The config comes back as DIR/kith.toml; start it with
kith serve --config DIR/kith.toml. ARCHIVE may be s3://BUCKET/KEY (see
kith backup --help for where the S3 keys come from; --config names the
config file holding [media.s3]).

With --from, rebuilds DIR from a replica that kith serve streamed the
database to ([replication] in the config): the database at its newest
state, or as it was at --timestamp (RFC 3339, e.g. 2026-12-07T14:05:00Z,
within about a day), with the config, the files it names and the
certificates. Media are not in the replica. An S3 replica's keys come
from --access-key and --secret-key-file, or from $AWS_ACCESS_KEY_ID and
$AWS_SECRET_ACCESS_KEY. A point-in-time restore turns replication off in
the restored config, so the copy of the past does not write to the
replica.`

func runRestore(ctx context.Context, c stdio, args []string) error {
	fs := newFlags(c, "restore", restoreUsage)
	dataDir := fs.String("data", "", "directory to restore into (must be empty or not exist)")
	path := configFlag(fs)
	from := fs.String("from", "", "replica URL to restore from (s3://bucket/path or file:///path)")
	at := fs.String("timestamp", "", "with --from: restore the state at this time (RFC 3339) instead of the newest")
	endpoint := fs.String("endpoint", "", "with an s3:// replica: the S3-compatible service's URL (empty for AWS)")
	region := fs.String("region", "us-east-1", "with an s3:// replica: its region")
	pathStyle := fs.Bool("path-style", false, "with an s3:// replica: address objects as http://host/bucket/key")
	accessKey := fs.String("access-key", "", "with an s3:// replica: the access key (default $AWS_ACCESS_KEY_ID)")
	secretFile := fs.String("secret-key-file", "", "with an s3:// replica: a file holding the secret key (default $AWS_SECRET_ACCESS_KEY)")
	var archive string
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		archive, args = args[0], args[1:]
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dataDir == "" || (archive == "") == (*from == "") || (*at != "" && *from == "") {
		fs.Usage()
		return errUsage
	}
	if *from != "" {
		rc := config.Replication{URL: *from, SyncInterval: config.DefaultSyncInterval, Endpoint: *endpoint, Region: *region,
			AccessKey: *accessKey, SecretKeyFile: *secretFile, PathStyle: *pathStyle}
		return restoreReplica(ctx, c, rc, *dataDir, *at)
	}
	if loc, ok := parseS3URL(archive); ok {
		cfg, err := loadConfig(*path)
		if err != nil {
			return err
		}
		bucket, err := backupBucket(ctx, cfg, loc)
		if err != nil {
			return err
		}
		file, done, err := media.TempCopy(ctx, bucket, loc.key, "kith-backup-*.tar.gz")
		if err != nil {
			return err
		}
		defer done()
		archive = file
	}
	m, err := backup.Restore(ctx, archive, *dataDir)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "restored %d files into %s; start it with: kith serve --config %s/kith.toml\n", len(m.Files), *dataDir, *dataDir)
	return nil
}

// restoreReplica is kith restore --from.
func restoreReplica(ctx context.Context, c stdio, rc config.Replication, dataDir, at string) error {
	var when time.Time
	if at != "" {
		var err error
		if when, err = time.Parse(time.RFC3339Nano, at); err != nil {
			return fmt.Errorf("--timestamp %q is not an RFC 3339 time such as 2026-12-07T14:05:00Z", at)
		}
	}
	if rc.AccessKey == "" {
		rc.AccessKey = os.Getenv("AWS_ACCESS_KEY_ID")
	}
	if rc.SecretKeyFile == "" {
		rc.SecretKey = os.Getenv("AWS_SECRET_ACCESS_KEY")
	}
	opts, err := replication.FromConfig(rc)
	if err != nil {
		return err
	}
	res, err := replication.Restore(ctx, opts, dataDir, when, nil)
	if err != nil {
		return err
	}
	what := "the newest state"
	if !when.IsZero() {
		what = "its state at " + when.UTC().Format(time.RFC3339)
	}
	if !res.Config {
		fmt.Fprintf(c.stdout, "restored the database (%s) into %s; the replica held no config: write %s/kith.toml with data_dir = \".\", then start it with: kith serve --config %s/kith.toml\n", what, dataDir, dataDir, dataDir)
		return nil
	}
	fmt.Fprintf(c.stdout, "restored the database (%s) and %d files into %s; start it with: kith serve --config %s/kith.toml\n", what, res.Files, dataDir, dataDir)
	if !when.IsZero() {
		fmt.Fprintln(c.stdout, "replication is off in the restored config (a copy of the past); set [replication] url to replicate it")
	}
	return nil
}

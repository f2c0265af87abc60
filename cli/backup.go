package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"syscall"

	"kith/portability/backup"
	"kith/store"
)

const backupUsage = `backup [--config FILE] ARCHIVE | backup --verify ARCHIVE

Writes one archive (tar.gz) of everything kith keeps: a consistent
snapshot of the database (with the keys), media, certificates, the config
and the files it names (the custom stylesheet with the partials it
imports, tls = "files" certificates), while kith keeps serving. --verify
checks an archive instead: every file's checksum, the database's
integrity, and a dry run of the restored instance (config, database,
theme, certificates).`

func runBackup(ctx context.Context, c stdio, args []string) error {
	fs := newFlags(c, "backup", backupUsage)
	path := configFlag(fs)
	verify := fs.Bool("verify", false, "check an archive instead of writing one")
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
	if *verify {
		m, err := backup.Verify(ctx, archive)
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
	m, err := backup.Create(ctx, db, cfg.Server.DataDir, cfg.File, archive, fullVersion())
	if err != nil {
		return err
	}
	for _, w := range m.Warnings {
		fmt.Fprintf(c.stderr, "warning: %s (not in the backup; kith serve would not start with it either)\n", w)
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

const restoreUsage = `restore ARCHIVE --data DIR

Restores an archive made by kith backup into DIR, which must be empty or
not exist. The config comes back as DIR/kith.toml; start it with
kith serve --config DIR/kith.toml.`

func runRestore(ctx context.Context, c stdio, args []string) error {
	fs := newFlags(c, "restore", restoreUsage)
	dataDir := fs.String("data", "", "directory to restore into (must be empty or not exist)")
	var archive string
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		archive, args = args[0], args[1:]
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if archive == "" || *dataDir == "" {
		fs.Usage()
		return errUsage
	}
	m, err := backup.Restore(ctx, archive, *dataDir)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "restored %d files into %s; start it with: kith serve --config %s/kith.toml\n", len(m.Files), *dataDir, *dataDir)
	return nil
}

package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"time"

	"kith/config"
	"kith/federation"
	"kith/jobs"
	"kith/media"
	"kith/store"
)

// The operator commands (account, domain, statuses, actor, queue, search,
// media, token, export, import) open the database of the data directory
// directly, next to a running kith serve if there is one: SQLite's WAL
// lets both write, one transaction at a time. What they federate is only
// enqueued here; the server's job runner polls the queue and sends it.

// admin is what an operator command works with.
type admin struct {
	cfg   config.Config
	db    *store.DB
	fed   *federation.Federation // nil unless openAdmin was asked for it
	files media.Files            // where media files are ([media] storage)
}

// openAdmin opens the configured instance's database (which must have its
// owner) and, when withFed is set, builds its federation side the way kith
// serve does, with a job runner that never starts: jobs it enqueues wait
// for the server.
func openAdmin(ctx context.Context, c stdio, configFile string, withFed bool) (*admin, error) {
	cfg, err := loadConfig(configFile)
	if err != nil {
		return nil, err
	}
	db, err := openOwnerDB(ctx, configFile)
	if err != nil {
		return nil, err
	}
	files, err := mediaFiles(cfg)
	if err != nil {
		db.Close()
		return nil, err
	}
	a := &admin{cfg: cfg, db: db, files: files}
	if !withFed {
		return a, nil
	}
	level := new(slog.LevelVar)
	level.Set(slog.LevelWarn)
	logger := newLogger(c.stderr, cfg.Log.Format, level)
	runner := jobs.New(db, logger, jobs.Options{})
	if a.fed, err = federation.New(ctx, db, runner, logger, federationOptions(cfg)); err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

func (a *admin) Close() error { return a.db.Close() }

// openCommand adds --config to fs, parses args (wanting n arguments besides
// the flags) and opens the instance with openAdmin. The caller closes it.
func openCommand(ctx context.Context, c stdio, fs *flag.FlagSet, args []string, n int, withFed bool) (*admin, []string, error) {
	path, rest, err := parseCommand(fs, args, n)
	if err != nil {
		return nil, nil, err
	}
	a, err := openAdmin(ctx, c, path, withFed)
	if err != nil {
		return nil, nil, err
	}
	return a, rest, nil
}

// openOwnerDB opens the database of the configured instance, which must
// have its owner.
func openOwnerDB(ctx context.Context, configFile string) (*store.DB, error) {
	cfg, err := loadConfig(configFile)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, cfg.DatabasePath(), nil)
	if err != nil {
		return nil, err
	}
	if _, err := db.Owner(ctx); errors.Is(err, store.ErrNotFound) {
		db.Close()
		return nil, fmt.Errorf("%s has no owner account yet: run 'kith init' or start 'kith serve' once", cfg.Server.DataDir)
	} else if err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// tellDeliveries says when what a command queued goes out: at once when
// kith serve answers on its listen address, else when it starts.
func (a *admin) tellDeliveries(c stdio) {
	if serverListening(a.cfg) {
		fmt.Fprintln(c.stdout, "kith serve is running: it delivers the queued activities now.")
		return
	}
	fmt.Fprintln(c.stdout, "kith serve is not running: the queued activities go out when it starts.")
}

// serverListening reports whether something accepts connections on the
// configured listen address.
func serverListening(cfg config.Config) bool {
	addr := cfg.ListenAddr()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(host, port), 300*time.Millisecond)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

// mediaFiles is the media storage the config names (see media.OpenStore).
func mediaFiles(cfg config.Config) (media.Files, error) {
	st, err := media.OpenStore(cfg)
	if err != nil {
		return media.Files{}, err
	}
	return media.NewFiles(st), nil
}

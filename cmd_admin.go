package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"kith/config"
	"kith/federation"
	"kith/jobs"
	"kith/store"
)

// The operator commands (account, domain, statuses, actor, queue, search,
// media, token, export, import) open the database of the data directory
// directly, next to a running kith serve if there is one: SQLite's WAL
// lets both write, one transaction at a time. What they federate is only
// enqueued here; the server's job runner polls the queue and sends it.

// admin is what an operator command works with.
type admin struct {
	cfg config.Config
	db  *store.DB
	fed *federation.Federation // nil unless openAdmin was asked for it
}

// openAdmin opens the configured instance's database (which must have its
// owner) and, when withFed is set, builds its federation side the way kith
// serve does, with a job runner that never starts: jobs it enqueues wait
// for the server.
func openAdmin(ctx context.Context, c cli, configFile string, withFed bool) (*admin, error) {
	cfg, err := loadConfig(configFile)
	if err != nil {
		return nil, err
	}
	db, err := openOwnerDB(ctx, configFile)
	if err != nil {
		return nil, err
	}
	a := &admin{cfg: cfg, db: db}
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
func openCommand(ctx context.Context, c cli, fs *flag.FlagSet, args []string, n int, withFed bool) (*admin, []string, error) {
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

// parseCommand adds --config to fs and parses args, wanting n arguments
// besides the flags (flags may stand among them when n > 0). It returns the
// --config value and those arguments.
func parseCommand(fs *flag.FlagSet, args []string, n int) (string, []string, error) {
	path := configFlag(fs)
	if n == 0 {
		return *path, nil, parseFlags(fs, args)
	}
	rest, err := parseArgs(fs, args, n)
	return *path, rest, err
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
func (a *admin) tellDeliveries(c cli) {
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

// subcommand is one verb of a command group.
type subcommand struct {
	name string
	run  func(ctx context.Context, c cli, args []string) error
}

// dispatch runs the subcommand named by args[0], or prints usage.
func dispatch(ctx context.Context, c cli, group, usage string, subs []subcommand, args []string) error {
	if len(args) == 0 {
		fmt.Fprintf(c.stderr, "kith %s: missing subcommand\n%s\n", group, usage)
		return errUsage
	}
	if args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(c.stderr, usage)
		return flag.ErrHelp
	}
	for _, s := range subs {
		if s.name == args[0] {
			return s.run(ctx, c, args[1:])
		}
	}
	fmt.Fprintf(c.stderr, "kith %s: unknown subcommand %q\n%s\n", group, args[0], usage)
	return errUsage
}

// parseArgs parses flags placed anywhere among the arguments and returns
// the arguments that are not flags; it wants exactly n of them.
func parseArgs(fs *flag.FlagSet, args []string, n int) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errUsage
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(rest) != n {
		if len(rest) > n {
			fmt.Fprintf(fs.Output(), "unexpected argument %q\n", rest[n])
		} else {
			fmt.Fprintln(fs.Output(), "missing argument")
		}
		fs.Usage()
		return nil, errUsage
	}
	return rest, nil
}

// progress prints "verb done of total what" lines for long commands.
type progress struct {
	c     cli
	verb  string
	what  string
	total int
	done  int
}

func (p *progress) add(n int) {
	p.done += n
	fmt.Fprintf(p.c.stderr, "%s %d of %d %s\n", p.verb, p.done, p.total, p.what)
}

// inBatches runs batch in one transaction after another until one finds
// nothing left to do, counting in p what each did. Small transactions let
// a running kith serve write between them.
func inBatches(ctx context.Context, db *store.DB, p *progress, batch func(tx *store.Tx) (int, error)) error {
	for {
		var n int
		err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			n, err = batch(tx)
			return err
		})
		if err != nil || n == 0 {
			return err
		}
		p.add(n)
	}
}

// friendly turns federation's sentinel errors into plain words for the
// terminal.
func friendly(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, federation.ErrNotFound), errors.Is(err, store.ErrNotFound),
		errors.Is(err, federation.ErrBadRequest), errors.Is(err, federation.ErrForbidden):
		msg := err.Error()
		for _, prefix := range []string{"not found: ", "bad request: ", "forbidden: "} {
			msg = strings.TrimPrefix(msg, prefix)
		}
		return errors.New(msg)
	}
	return err
}

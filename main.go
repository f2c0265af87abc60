// Command kith runs a single-user fediverse server: one process with its
// own SQLite database, job queue and TLS.
//
// main.go only wires things: it reads flags and config, opens the store,
// builds the job runner and the server, and runs them until a signal. The
// subcommands live in cmd_*.go.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
)

// version is kith's release; the VCS revision is appended from build info.
const version = "0.1.0"

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// cli carries the process's streams to the subcommands, so tests can run
// them in-process.
type cli struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, c cli, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the server (the default when no command is given)", runServe},
		{"init", "write a config file and create the owner account", runInit},
		{"config", "check a config file: kith config check [--config FILE]", runConfig},
		{"theme", "compile the configured theme and report errors: kith theme check [--config FILE]", runTheme},
		{"account", "the owner account: kith account password|move|alias|keys|2fa", runAccount},
		{"domain", "blocked domains: kith domain block|unblock|list|purge", runDomain},
		{"statuses", "stored posts: kith statuses prune --days N", runStatuses},
		{"actor", "remote accounts: kith actor refresh HANDLE|URL|--all", runActor},
		{"queue", "background jobs: kith queue list|retry|drop", runQueue},
		{"search", "the search index: kith search reindex", runSearch},
		{"token", "access tokens for scripts and bots: kith token create|list|revoke", runToken},
		{"bench", "measure kith under load on loopback: kith bench inbox|deletes|fanout", runBench},
		{"backup", "write or check a backup archive: kith backup FILE | kith backup --verify FILE", runBackup},
		{"export", "export data in Mastodon's formats: kith export --out FILE.zip [--csv DIR]", runExport},
		{"import", "import Mastodon CSVs or an archive's posts: kith import FILE...", runImport},
		{"media", "look after media files: kith media prune|usage|remove-orphans", runMedia},
		{"restore", "restore a backup into an empty directory: kith restore FILE --data DIR", runRestore},
		{"doctor", "check the database, dead jobs, disk space and certificate, and say what to do", runDoctor},
		{"version", "print the version", runVersion},
		{"help", "show help for kith or for a command", nil},
	}
}

// errUsage marks a mistake in the command line; it exits 2, not 1.
var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := cli{stdin: stdin, stdout: stdout, stderr: stderr}
	name := "serve"
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
		return help(c, nil)
	}
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if name == "help" {
		return help(c, args)
	}
	for _, cmd := range commands() {
		if cmd.name == name && cmd.run != nil {
			err := cmd.run(ctx, c, args)
			switch {
			case err == nil, errors.Is(err, flag.ErrHelp):
				return 0
			case errors.Is(err, errUsage):
				return 2
			default:
				fmt.Fprintf(stderr, "kith %s: %v\n", name, err)
				return 1
			}
		}
	}
	fmt.Fprintf(stderr, "kith: unknown command %q; run 'kith help' for the list\n", name)
	return 2
}

func help(c cli, args []string) int {
	if len(args) > 0 {
		for _, cmd := range commands() {
			if cmd.name == args[0] && cmd.run != nil {
				cmd.run(context.Background(), c, []string{"-h"})
				return 0
			}
		}
		fmt.Fprintf(c.stderr, "kith help: unknown command %q\n", args[0])
		return 2
	}
	fmt.Fprintln(c.stdout, "kith: a single-user fediverse server in one process")
	fmt.Fprintln(c.stdout, "\nUsage: kith [command] [flags]")
	fmt.Fprintln(c.stdout, "\nCommands:")
	for _, cmd := range commands() {
		fmt.Fprintf(c.stdout, "  %-8s %s\n", cmd.name, cmd.summary)
	}
	fmt.Fprintln(c.stdout, "\nRun 'kith COMMAND -h' for a command's flags.")
	fmt.Fprintln(c.stdout, "The config file is --config FILE, else $KITH_CONFIG, else ./kith.toml, else the built-in default.")
	return 0
}

// newFlags makes a flag set whose errors and -h text go to stderr and
// which returns errors instead of exiting.
func newFlags(c cli, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("kith "+name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintf(c.stderr, "Usage: kith %s\n\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses and maps flag errors to errUsage (the flag package has
// already printed them).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	return nil
}

func fullVersion() string {
	v := version
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += "+" + s.Value[:12]
			}
		}
	}
	return v
}

func runVersion(_ context.Context, c cli, args []string) error {
	fs := newFlags(c, "version", "version")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "kith %s\n", fullVersion())
	return nil
}

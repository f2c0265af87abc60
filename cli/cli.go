// Package cli is kith's command line: Run reads the arguments and runs
// one command (serve, init, account, backup, doctor, ...), each in a file
// named after it. kith serve (serve.go) does the wiring: it reads the
// config, opens the store, builds the job runner, federation and server,
// and runs them until a signal. The operator commands open the same
// database beside it (open.go).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"kith/federation"
	"kith/store"
)

// stdio carries the process's standard streams to the subcommands, so
// tests can run them in-process.
type stdio struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, c stdio, args []string) error
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
		{"backup", "write or check a backup archive: kith backup FILE | kith backup --verify FILE", runBackup},
		{"export", "export data in Mastodon's formats: kith export --out FILE.zip [--csv DIR]", runExport},
		{"import", "import Mastodon CSVs or an archive's posts: kith import FILE...", runImport},
		{"media", "look after media files: kith media prune|usage|remove-orphans", runMedia},
		{"emoji", "the owner's custom emoji: kith emoji add|import|list|remove", runEmoji},
		{"restore", "restore a backup or a replica into an empty directory: kith restore FILE|--from URL --data DIR", runRestore},
		{"doctor", "check the database, dead jobs, disk space and certificate, and say what to do", runDoctor},
		{"version", "print the version", runVersion},
		{"help", "show help for kith or for a command", nil},
	}
}

// errUsage marks a mistake in the command line; it exits 2, not 1.
var errUsage = errors.New("usage")

// Run runs the command named by args[0] (serve when there is none) with
// the rest of args, and returns the process's exit code: 0 on success, 2
// for a mistake in the command line, 1 for any other error, which it
// writes to stderr.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := stdio{stdin: stdin, stdout: stdout, stderr: stderr}
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

func help(c stdio, args []string) int {
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

// friendly turns federation's sentinel errors into plain words for the
// terminal.
func friendly(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, federation.ErrNotFound), errors.Is(err, store.ErrNotFound),
		errors.Is(err, federation.ErrBadRequest), errors.Is(err, federation.ErrInvalid), errors.Is(err, federation.ErrForbidden):
		return errors.New(federation.Reason(err))
	}
	return err
}

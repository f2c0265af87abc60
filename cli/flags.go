package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
)

// newFlags makes a flag set whose errors and -h text go to stderr and
// which returns errors instead of exiting.
func newFlags(c stdio, name, usage string) *flag.FlagSet {
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

// subcommand is one verb of a command group.
type subcommand struct {
	name string
	run  func(ctx context.Context, c stdio, args []string) error
}

// dispatch runs the subcommand named by args[0], or prints usage.
func dispatch(ctx context.Context, c stdio, group, usage string, subs []subcommand, args []string) error {
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

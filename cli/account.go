package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"golang.org/x/term"

	"kith/account"
	"kith/store"
)

const accountUsage = `Usage:
  kith account password [--config FILE] [--password-stdin]
  kith account move [--config FILE] HANDLE|URL
  kith account alias add|remove [--config FILE] HANDLE|URL
  kith account alias list [--config FILE]
  kith account keys rotate [--config FILE]
  kith account 2fa status|disable [--config FILE]`

// runAccount manages the owner account: password, moving out, aliases for
// moving in, and the signing key.
func runAccount(ctx context.Context, c stdio, args []string) error {
	if len(args) == 0 || !slices.Contains([]string{"password", "move", "alias", "keys", "2fa", "-h", "--help"}, args[0]) {
		fmt.Fprintln(c.stderr, "kith account: unknown or missing subcommand")
		fmt.Fprintln(c.stderr, accountUsage)
		return errUsage
	}
	return dispatch(ctx, c, "account", accountUsage, []subcommand{
		{"password", runAccountPassword},
		{"move", runAccountMove},
		{"alias", func(ctx context.Context, c stdio, args []string) error {
			return dispatch(ctx, c, "account alias", accountUsage, []subcommand{
				{"add", runAliasAdd}, {"remove", runAliasRemove}, {"list", runAliasList},
			}, args)
		}},
		{"keys", func(ctx context.Context, c stdio, args []string) error {
			return dispatch(ctx, c, "account keys", accountUsage, []subcommand{{"rotate", runKeysRotate}}, args)
		}},
		{"2fa", runAccount2FA}, // account_2fa.go
	}, args)
}

func runAccountPassword(ctx context.Context, c stdio, args []string) error {
	fs := newFlags(c, "account password", "account password [--config FILE] [--password-stdin]\n\nSets the owner's password, signs out every browser and revokes every app's token. Works while kith serve runs.")
	path := configFlag(fs)
	fromStdin := fs.Bool("password-stdin", false, "read the new password from the first line of standard input")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*path)
	if err != nil {
		return err
	}
	pw, err := readNewPassword(c, *fromStdin)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg.DatabasePath(), nil)
	if err != nil {
		return err
	}
	defer db.Close()
	revoked, err := account.SetPassword(ctx, db, pw)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%s has no owner account yet: run 'kith init' or start 'kith serve' once", cfg.Server.DataDir)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "Password changed. Signed out %s and revoked %s.\n",
		countOf(len(revoked.Sessions), "browser session"), countOf(len(revoked.Tokens), "app token"))
	return nil
}

// countOf writes "1 app token", "2 app tokens".
func countOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func runAccountMove(ctx context.Context, c stdio, args []string) error {
	fs := newFlags(c, "account move", `account move [--config FILE] HANDLE|URL

Moves this account to another one (@name@example.org or its URL), which
must already list this account among its aliases ("Moving from a different
account" on Mastodon, or 'kith account alias add' on another kith). Your
followers' servers are sent a Move and follow the new account; the profile
shows where you moved. Running it again re-sends the Move.`)
	a, rest, err := openCommand(ctx, c, fs, args, 1, true)
	if err != nil {
		return err
	}
	defer a.Close()
	target, err := a.fed.MoveTo(ctx, rest[0])
	if err != nil {
		return friendly(err)
	}
	fmt.Fprintf(c.stdout, "Moved to @%s (%s). The Move went to the queue for your followers' servers.\n", target.Handle(), target.URI)
	a.tellDeliveries(c)
	return nil
}

func runAliasAdd(ctx context.Context, c stdio, args []string) error {
	return runAliasChange(ctx, c, "add", args)
}

func runAliasRemove(ctx context.Context, c stdio, args []string) error {
	return runAliasChange(ctx, c, "remove", args)
}

func runAliasChange(ctx context.Context, c stdio, verb string, args []string) error {
	fs := newFlags(c, "account alias "+verb, "account alias "+verb+` [--config FILE] HANDLE|URL

Aliases (alsoKnownAs) are the accounts you also are: an account listed
here can move to this one. The change is federated to your followers.`)
	a, rest, err := openCommand(ctx, c, fs, args, 1, true)
	if err != nil {
		return err
	}
	defer a.Close()
	if verb == "add" {
		alias, err := a.fed.AddAlias(ctx, rest[0])
		if err != nil {
			return friendly(err)
		}
		fmt.Fprintf(c.stdout, "Added alias @%s (%s).\n", alias.Handle(), alias.URI)
	} else {
		uri, err := a.fed.RemoveAlias(ctx, rest[0])
		if err != nil {
			return friendly(err)
		}
		fmt.Fprintf(c.stdout, "Removed alias %s.\n", uri)
	}
	a.tellDeliveries(c)
	return nil
}

func runAliasList(ctx context.Context, c stdio, args []string) error {
	fs := newFlags(c, "account alias list", "account alias list [--config FILE]\n\nLists the account's aliases (alsoKnownAs), one actor URL a line, and where it moved, if it did.")
	a, _, err := openCommand(ctx, c, fs, args, 0, true)
	if err != nil {
		return err
	}
	defer a.Close()
	me, err := a.db.LocalActor(ctx)
	if err != nil {
		return err
	}
	for _, uri := range me.AlsoKnownAs {
		fmt.Fprintln(c.stdout, uri)
	}
	if len(me.AlsoKnownAs) == 0 {
		fmt.Fprintln(c.stderr, "No aliases.")
	}
	if me.MovedTo != "" {
		fmt.Fprintf(c.stderr, "This account moved to %s.\n", me.MovedTo)
	}
	return nil
}

func runKeysRotate(ctx context.Context, c stdio, args []string) error {
	fs := newFlags(c, "account keys rotate", `account keys rotate [--config FILE]

Replaces the owner's RSA key pair (after a leak, say) and federates the
new public key. Other servers fetch it again when a signature no longer
matches the key they knew. A running kith serve signs with the new key
within a second.`)
	a, _, err := openCommand(ctx, c, fs, args, 0, true)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.fed.RotateKeys(ctx); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, "New key pair made; the profile update carrying it went to the queue.")
	a.tellDeliveries(c)
	return nil
}

// readNewPassword reads a password from stdin (for scripts) or asks twice
// on the terminal.
func readNewPassword(c stdio, fromStdin bool) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(c.stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read password: %w", err)
		}
		pw := strings.TrimRight(line, "\r\n")
		return pw, account.CheckNewPassword(pw)
	}
	f, ok := c.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", fmt.Errorf("no terminal to ask for the password on: pass --password-stdin and pipe it in")
	}
	fmt.Fprint(c.stderr, "New password: ")
	pw, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(c.stderr)
	if err != nil {
		return "", err
	}
	if err := account.CheckNewPassword(string(pw)); err != nil {
		return "", err
	}
	fmt.Fprint(c.stderr, "Again: ")
	again, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(c.stderr)
	if err != nil {
		return "", err
	}
	if string(again) != string(pw) {
		return "", fmt.Errorf("the two passwords differ; nothing was changed")
	}
	return string(pw), nil
}

package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"text/tabwriter"

	"kith/server"
	"kith/store"
)

const tokenUsage = `Usage:
  kith token create [--scopes "read write"] [--name NAME] [--config FILE]
  kith token list [--config FILE]
  kith token revoke [--config FILE] APP_ID`

// runToken manages access tokens for the owner's scripts and bots, the
// command-line twin of Settings → Applications.
func runToken(ctx context.Context, c stdio, args []string) error {
	return dispatch(ctx, c, "token", tokenUsage, []subcommand{
		{"create", runTokenCreate},
		{"list", runTokenList},
		{"revoke", runTokenRevoke},
	}, args)
}

func runTokenCreate(ctx context.Context, c stdio, args []string) error {
	fs := newFlags(c, "token create", `token create [--scopes "read write"] [--name NAME] [--config FILE]

Creates an application and an access token that acts as the owner, and
prints the token (shown only now: kith keeps only its hash). Send it as
"Authorization: Bearer TOKEN". Works while kith serve runs.`)
	scopes := fs.String("scopes", "read", "OAuth scopes, space-separated: read, write, follow, push, or granular ones such as read:statuses")
	name := fs.String("name", "kith CLI", "application name, as listed in Settings → Applications")
	a, _, err := openCommand(ctx, c, fs, args, 0, false)
	if err != nil {
		return err
	}
	defer a.Close()
	app, token, err := server.CreateAppToken(ctx, a.db, *name, "", "", *scopes)
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, token)
	fmt.Fprintf(c.stderr, "Application %d (%s), scopes %q. The token is shown only now; 'kith token revoke %d' revokes it.\n",
		app.ID, app.Name, app.Scopes, app.ID)
	return nil
}

func runTokenList(ctx context.Context, c stdio, args []string) error {
	fs := newFlags(c, "token list", "token list [--config FILE]\n\nLists the applications that hold access tokens.")
	a, _, err := openCommand(ctx, c, fs, args, 0, false)
	if err != nil {
		return err
	}
	defer a.Close()
	apps, err := a.db.OAuthApps(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSCOPES\tTOKENS\tLAST USED")
	for _, app := range apps {
		used := "never"
		if !app.LastUsedAt.IsZero() {
			used = app.LastUsedAt.UTC().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\n", app.ID, app.Name, app.Scopes, app.Tokens, used)
	}
	return tw.Flush()
}

func runTokenRevoke(ctx context.Context, c stdio, args []string) error {
	fs := newFlags(c, "token revoke", "token revoke [--config FILE] APP_ID\n\nDeletes an application and every token it holds (see 'kith token list').")
	path := configFlag(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if fs.NArg() != 1 || err != nil {
		fs.Usage()
		return errUsage
	}
	db, err := openOwnerDB(ctx, *path)
	if err != nil {
		return err
	}
	defer db.Close()
	app, err := db.OAuthAppByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no application %d; 'kith token list' shows them", id)
	}
	if err != nil {
		return err
	}
	// kith serve, if it runs, closes the tokens' open streams within a
	// second: each stream re-checks its token.
	if err := db.InTx(ctx, func(tx *store.Tx) error { _, err := tx.DeleteOAuthApp(ctx, id); return err }); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "Revoked %s (application %d) and its tokens.\n", app.Name, id)
	return nil
}

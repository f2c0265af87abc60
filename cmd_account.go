package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"kith/account"
	"kith/store"
)

func runAccount(ctx context.Context, c cli, args []string) error {
	if len(args) == 0 || args[0] != "password" {
		if len(args) == 0 || (args[0] != "-h" && args[0] != "--help") {
			fmt.Fprintln(c.stderr, "kith account: unknown or missing subcommand")
		}
		fmt.Fprintln(c.stderr, "Usage: kith account password [--config FILE] [--password-stdin]")
		return errUsage
	}
	fs := newFlags(c, "account password", "account password [--config FILE] [--password-stdin]\n\nSets the owner's password and signs out every browser. Works while kith serve runs.")
	path := configFlag(fs)
	fromStdin := fs.Bool("password-stdin", false, "read the new password from the first line of standard input")
	if err := parseFlags(fs, args[1:]); err != nil {
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
	if err := account.SetPassword(ctx, db, pw); errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%s has no owner account yet: run 'kith init' or start 'kith serve' once", cfg.Server.DataDir)
	} else if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, "Password changed. Every browser was signed out.")
	return nil
}

// readNewPassword reads a password from stdin (for scripts) or asks twice
// on the terminal.
func readNewPassword(c cli, fromStdin bool) (string, error) {
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

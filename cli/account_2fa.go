package cli

import (
	"context"
	"fmt"
	"strings"

	"kith/store"
)

// kith account 2fa: the state of two-factor sign-in, and the way back in
// for an owner who lost every second factor (phone, passkeys, recovery
// codes). Like the other account commands it opens the database directly
// and works while kith serve runs.

func runAccount2FA(ctx context.Context, c stdio, args []string) error {
	return dispatch(ctx, c, "account 2fa", accountUsage, []subcommand{
		{"status", runAccount2FAStatus},
		{"disable", runAccount2FADisable},
	}, args)
}

func runAccount2FAStatus(ctx context.Context, c stdio, args []string) error {
	fs := newFlags(c, "account 2fa status", "account 2fa status [--config FILE]\n\nShows whether signing in takes a second factor: the authenticator app, passkeys, recovery codes left.")
	a, _, err := openCommand(ctx, c, fs, args, 0, false)
	if err != nil {
		return err
	}
	defer a.Close()
	tf, err := a.db.TwoFactor(ctx)
	if err != nil {
		return err
	}
	keys, err := a.db.Passkeys(ctx, a.cfg.BaseURL().Hostname())
	if err != nil {
		return err
	}
	state := "off: the password alone signs in"
	if tf.On() {
		state = "on: signing in takes the password and a second factor (or a passkey alone)"
	}
	fmt.Fprintf(c.stdout, "Two-factor sign-in: %s\n", state)
	fmt.Fprintf(c.stdout, "Authenticator app: %s\n", map[bool]string{true: "on", false: "off"}[tf.TOTP])
	fmt.Fprintf(c.stdout, "Passkeys: %d\n", tf.Passkeys)
	for _, k := range keys {
		last := "never used"
		if !k.LastUsedAt.IsZero() {
			last = "last used " + k.LastUsedAt.UTC().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(c.stdout, "  %s (added %s, %s)\n", k.Name, k.CreatedAt.UTC().Format("2006-01-02"), last)
	}
	fmt.Fprintf(c.stdout, "Recovery codes left: %d\n", tf.RecoveryCodes)
	return nil
}

func runAccount2FADisable(ctx context.Context, c stdio, args []string) error {
	fs := newFlags(c, "account 2fa disable", `account 2fa disable [--config FILE]

Turns two-factor sign-in off: removes the authenticator app's secret, every
passkey and the recovery codes, and ends sign-ins halfway through. The
password alone signs in afterwards; set up a second factor again under
Settings → Two-factor sign-in. Browsers already signed in stay signed in.`)
	a, _, err := openCommand(ctx, c, fs, args, 0, false)
	if err != nil {
		return err
	}
	defer a.Close()
	var was store.TwoFactor
	err = a.db.InTx(ctx, func(tx *store.Tx) error {
		was, err = tx.DisableTwoFactor(ctx)
		return err
	})
	if err != nil {
		return err
	}
	if !was.TOTP && was.Passkeys == 0 && was.RecoveryCodes == 0 {
		fmt.Fprintln(c.stdout, "Two-factor sign-in was already off.")
		return nil
	}
	var removed []string
	if was.TOTP {
		removed = append(removed, "the authenticator app")
	}
	if was.Passkeys > 0 {
		removed = append(removed, plural(was.Passkeys, "passkey"))
	}
	if was.RecoveryCodes > 0 {
		removed = append(removed, plural(was.RecoveryCodes, "recovery code"))
	}
	fmt.Fprintf(c.stdout, "Two-factor sign-in is off: removed %s. Sign in with the password.\n", joinAnd(removed))
	return nil
}

// plural writes "1 passkey", "2 passkeys".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// joinAnd joins "a", "b" and "c" as "a, b and c".
func joinAnd(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

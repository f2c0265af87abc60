package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// The command line's answers to help, version and mistakes, from Run as
// main calls it.
func TestHelpAndVersion(t *testing.T) {
	// As an operator runs kith: in an empty directory, with no config
	// file named in the environment.
	t.Chdir(t.TempDir())
	t.Setenv("KITH_CONFIG", "")
	tests := []struct {
		args     []string
		wantCode int
		wantOut  string
	}{
		{[]string{"version"}, 0, "kith " + version},
		{[]string{"help"}, 0, "Commands:"},
		{[]string{"--help"}, 0, "Commands:"},
		{[]string{"help", "init"}, 0, "--password-stdin"},
		{[]string{"serve", "-h"}, 0, "SIGHUP"},
		{[]string{"init", "-h"}, 0, "--url"},
		{[]string{"config", "check", "-h"}, 0, "--config"},
		{[]string{"account", "password", "-h"}, 0, "--password-stdin"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"serve", "--no-such-flag"}, 2, "flag provided but not defined"},
		{[]string{"config"}, 2, "Usage: kith config check"},
		{[]string{"account", "delete"}, 2, "unknown or missing subcommand"},
		{[]string{"account", "move", "-h"}, 0, "re-sends the Move"},
		{[]string{"account", "move"}, 2, "missing argument"},
		{[]string{"account", "alias", "add", "-h"}, 0, "alsoKnownAs"},
		{[]string{"account", "alias", "frob"}, 2, "unknown subcommand"},
		{[]string{"account", "keys", "rotate", "-h"}, 0, "RSA key pair"},
		{[]string{"account", "keys"}, 2, "missing subcommand"},
		{[]string{"actor", "refresh", "-h"}, 0, "--all"},
		{[]string{"actor", "refresh", "a", "b"}, 2, "unexpected argument"},
		{[]string{"search", "-h"}, 0, "kith search reindex"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Run(context.Background(), tt.args, strings.NewReader(""), &stdout, &stderr)
			if out := stdout.String() + stderr.String(); code != tt.wantCode || !strings.Contains(out, tt.wantOut) {
				t.Errorf("exit %d, output:\n%s\nwant exit %d and %q", code, out, tt.wantCode, tt.wantOut)
			}
		})
	}
}

package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"kith/account"
	"kith/config"
	"kith/federation"
	"kith/store"
)

const initUsage = `init [--config FILE] [--url URL] [--username NAME] [--password-stdin] [--data-dir DIR]

Writes a config file (default ./kith.toml), creates the data directory,
generates the owner's RSA-2048 key pair and creates the owner account.
On a terminal it asks for what the flags do not give; in a script pass the
flags (without --password-stdin a password is generated and printed once).`

func runInit(ctx context.Context, c stdio, args []string) error {
	fs := newFlags(c, "init", initUsage)
	path := fs.String("config", defaultConfigFile, "config file to write")
	rawURL := fs.String("url", "", "public base URL, e.g. https://social.example.org")
	username := fs.String("username", "", "the owner's username (default admin)")
	dataDir := fs.String("data-dir", "kith-data", "data directory, relative to the config file's directory")
	fromStdin := fs.Bool("password-stdin", false, "read the owner's password from the first line of standard input")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if _, err := os.Stat(*path); err == nil {
		return fmt.Errorf("%s already exists; kith init will not overwrite it (use 'kith account password' to change the password)", *path)
	}
	in := bufio.NewReader(c.stdin)
	tty := isTerminal(c.stdin)
	var err error
	if *rawURL == "" {
		if !tty {
			return fmt.Errorf("--url is required when there is no terminal to ask on")
		}
		if *rawURL, err = prompt(c, in, "Public URL of this server (e.g. https://social.example.org): "); err != nil {
			return err
		}
	}
	if *username == "" {
		*username = "admin"
		if tty {
			if *username, err = prompt(c, in, "Owner username [admin]: "); err != nil {
				return err
			}
			if *username == "" {
				*username = "admin"
			}
		}
	}
	cfgText := initConfigText(*rawURL, strings.TrimPrefix(*username, "@"), *dataDir)
	cfg, err := config.Parse(*path, []byte(cfgText))
	if err != nil {
		return fmt.Errorf("the answers do not make a valid config:\n%w", err)
	}
	if !filepath.IsAbs(cfg.Server.DataDir) {
		cfg.Server.DataDir = filepath.Join(filepath.Dir(*path), cfg.Server.DataDir)
	}

	var password string
	switch {
	case *fromStdin:
		if password, err = readNewPassword(stdio{stdin: in, stdout: c.stdout, stderr: c.stderr}, true); err != nil {
			return err
		}
	case tty:
		if password, err = readNewPassword(c, false); err != nil {
			return err
		}
	}
	generated := password == ""
	if generated {
		password = account.GeneratePassword()
	}
	if err := createOwner(ctx, cfg, password); err != nil {
		return err
	}
	if err := writeFileAtomic(*path, []byte(cfgText), 0o600); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "Wrote %s and created @%s@%s with its data in %s.\n", *path, cfg.Owner.Username, cfg.Domain(), cfg.Server.DataDir)
	if generated {
		fmt.Fprintf(c.stdout, "Owner password (shown only now): %s\n", password)
	}
	fmt.Fprintf(c.stdout, "Start it with: kith serve --config %s\n", *path)
	return nil
}

// createOwner makes the data directory and the owner account in it.
func createOwner(ctx context.Context, cfg config.Config, password string) error {
	if err := os.MkdirAll(cfg.Server.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	db, err := store.Open(ctx, cfg.DatabasePath(), nil)
	if err != nil {
		return err
	}
	defer db.Close()
	err = account.CreateOwner(ctx, db, cfg.Owner.Username, password)
	if errors.Is(err, store.ErrOwnerExists) {
		return fmt.Errorf("%s already holds an owner account; to reuse it write the config by hand, or choose another --data-dir", cfg.Server.DataDir)
	}
	if err != nil {
		return err
	}
	// The VAPID key pair Web Push is signed with; apps see its public key.
	_, _, err = federation.EnsureVAPIDKey(ctx, db)
	return err
}

func initConfigText(rawURL, username, dataDir string) string {
	tls := config.TLSOff
	if u, err := url.Parse(rawURL); err == nil && u.Scheme == "https" && u.Port() == "" {
		tls = config.TLSAuto
	}
	return fmt.Sprintf(`# kith configuration written by kith init. config.example.toml lists every
# key with its default.

[server]
url = %q
data_dir = %q
tls = %q

[owner]
username = %q
`, strings.TrimRight(rawURL, "/"), dataDir, tls, username)
}

func prompt(c stdio, in *bufio.Reader, question string) (string, error) {
	fmt.Fprint(c.stderr, question)
	line, err := in.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimSpace(line), nil
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// writeFileAtomic writes through a temporary file and a rename, so a crash
// never leaves half a file.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".kith-*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

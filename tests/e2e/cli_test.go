package e2e

import (
	"bytes"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	_ "modernc.org/sqlite"
)

func TestInit(t *testing.T) {
	dir, cfgPath, base := initInstance(t)
	data, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), fmt.Sprintf("url = %q", base)) || !strings.Contains(string(data), `username = "alice"`) {
		t.Errorf("written config:\n%s", data)
	}
	if info, _ := os.Stat(cfgPath); info.Mode().Perm() != 0o600 {
		t.Errorf("config mode %v, want 0600", info.Mode().Perm())
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "kith-data", "kith.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var user, hash, priv string
	if err := db.QueryRow(`SELECT username, password_hash, private_key_pem FROM owner`).Scan(&user, &hash, &priv); err != nil {
		t.Fatal(err)
	}
	if user != "alice" || !strings.HasPrefix(hash, "$2") || strings.Contains(hash, "a fine password") || !strings.Contains(priv, "BEGIN PRIVATE KEY") {
		t.Errorf("owner row: user %q hash %q key %.30q", user, hash, priv)
	}

	t.Run("refuses to overwrite", func(t *testing.T) {
		r := kith(t, dir, "another password\n", "init", "--url", base, "--password-stdin")
		if r.code != 1 || !strings.Contains(r.stderr, "will not overwrite") {
			t.Errorf("exit %d stderr %q", r.code, r.stderr)
		}
	})
	t.Run("needs url without a terminal", func(t *testing.T) {
		r := kith(t, t.TempDir(), "", "init")
		if r.code != 1 || !strings.Contains(r.stderr, "--url is required") {
			t.Errorf("exit %d stderr %q", r.code, r.stderr)
		}
	})
	t.Run("bad url", func(t *testing.T) {
		d := t.TempDir()
		r := kith(t, d, "", "init", "--url", "social.example.org")
		if r.code != 1 || !strings.Contains(r.stderr, "server.url") {
			t.Errorf("exit %d stderr %q", r.code, r.stderr)
		}
		if _, err := os.Stat(filepath.Join(d, "kith.toml")); err == nil {
			t.Errorf("a failed init left a config file behind")
		}
	})
	t.Run("short password", func(t *testing.T) {
		r := kith(t, t.TempDir(), "short\n", "init", "--url", base, "--password-stdin")
		if r.code != 1 || !strings.Contains(r.stderr, "at least 8") {
			t.Errorf("exit %d stderr %q", r.code, r.stderr)
		}
	})
	t.Run("generated password printed once", func(t *testing.T) {
		r := kith(t, t.TempDir(), "", "init", "--url", "https://social.example.org")
		if r.code != 0 || !regexp.MustCompile(`password \(shown only now\): \S{20}`).MatchString(r.stdout) {
			t.Errorf("exit %d stdout %q", r.code, r.stdout)
		}
	})
}

func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.toml")
	os.WriteFile(good, []byte("[server]\nurl = \"https://social.example.org\"\ntls = \"auto\"\n"), 0o600)
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("[server]\nurl = \"https://social.example.org\"\ntls = \"sometimes\"\nlisten_on = \":80\"\n"), 0o600)
	broken := filepath.Join(dir, "broken.toml")
	os.WriteFile(broken, []byte("[server\nurl = 1\n"), 0o600)

	tests := []struct {
		name     string
		args     []string
		env      string
		wantCode int
		want     []string
	}{
		{"good", []string{"config", "check", "--config", good}, "", 0, []string{"good.toml: ok", "tls auto"}},
		{"env var", []string{"config", "check"}, good, 0, []string{"good.toml: ok"}},
		{"built-in default", []string{"config", "check"}, "", 0, []string{"built-in default is valid", "http://localhost:8080"}},
		{"bad values", []string{"config", "check", "--config", bad}, "", 1, []string{"bad.toml:3: server.tls:", "bad.toml:4: server.listen_on: unknown key", "2 problem(s)"}},
		{"syntax", []string{"config", "check", "--config", broken}, "", 1, []string{"broken.toml:", "to end table name"}},
		{"missing", []string{"config", "check", "--config", filepath.Join(dir, "none.toml")}, "", 1, []string{"does not exist", "kith init"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("KITH_CONFIG", tt.env)
			cmd := kithCmd(dir, tt.args...)
			cmd.Env = append(os.Environ(), "KITH_CONFIG="+tt.env)
			out, err := cmd.CombinedOutput()
			code := 0
			if err != nil {
				code = err.(interface{ ExitCode() int }).ExitCode()
			}
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d:\n%s", code, tt.wantCode, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestServeLoginPasswordChangeAndShutdown(t *testing.T) {
	dir, cfgPath, base := initInstance(t)
	p := startServe(t, dir)
	p.waitHealthy(t, base)

	if !signIn(t, base, "alice", "a fine password") {
		t.Fatalf("cannot sign in with the init password")
	}
	r := kith(t, dir, "", "token", "create", "--scopes", "read")
	if r.code != 0 {
		t.Fatalf("token create: exit %d: %s", r.code, r.stderr)
	}
	stream := openRevocableStream(t, base, strings.TrimSpace(r.stdout))
	r = kith(t, dir, "the second password\n", "account", "password", "--password-stdin")
	if r.code != 0 {
		t.Fatalf("account password: exit %d: %s", r.code, r.stderr)
	}
	if want := "Signed out 1 browser session and revoked 1 app token."; !strings.Contains(r.stdout, want) {
		t.Errorf("account password says %q, want %q", r.stdout, want)
	}
	requireStreamEnds(t, stream)
	if signIn(t, base, "alice", "a fine password") {
		t.Errorf("the old password still works")
	}
	if !signIn(t, base, "alice", "the second password") {
		t.Errorf("the new password does not work")
	}
	if out := p.output(); strings.Contains(out, "a fine password") || strings.Contains(out, "the second password") {
		t.Errorf("a password reached the log:\n%s", out)
	}

	// SIGHUP applies a new log level; a broken config is reported and the
	// server keeps running on the old one.
	appendFile(t, cfgPath, "\n[log]\nlevel = \"debug\"\n")
	p.cmd.Process.Signal(syscall.SIGHUP)
	p.waitLog(t, "log_level=DEBUG")
	appendFile(t, cfgPath, "\n[bogus]\n")
	p.cmd.Process.Signal(syscall.SIGHUP)
	p.waitLog(t, "reload failed")
	p.waitHealthy(t, base)

	if code := terminate(t, p); code != 0 {
		t.Errorf("exit code after SIGTERM %d, want 0:\n%s", code, p.output())
	}
	if !strings.Contains(p.output(), "shutting down") {
		t.Errorf("no graceful shutdown in the log:\n%s", p.output())
	}
}

func TestServeBuiltInDefault(t *testing.T) {
	// The built-in default listens on localhost:8080; this test needs that
	// port and says so instead of failing when something else holds it.
	ln, err := net.Listen("tcp", "localhost:8080")
	if err != nil {
		t.Skipf("localhost:8080 is in use on this machine (%v); the built-in default cannot be tested here", err)
	}
	ln.Close()
	dir := t.TempDir()
	p := startServe(t, dir)
	p.waitHealthy(t, "http://localhost:8080")
	m := regexp.MustCompile(`Password \(shown only now\): (\S+)`).FindStringSubmatch(p.output())
	if m == nil {
		t.Fatalf("no generated password printed:\n%s", p.output())
	}
	if !signIn(t, "http://localhost:8080", "admin", m[1]) {
		t.Errorf("cannot sign in as admin with the printed password")
	}
	if code := terminate(t, p); code != 0 {
		t.Errorf("exit %d", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "kith-data", "kith.db")); err != nil {
		t.Errorf("no database in ./kith-data: %v", err)
	}
	// A second start reuses the owner and prints no password.
	p2 := startServe(t, dir)
	p2.waitHealthy(t, "http://localhost:8080")
	terminate(t, p2)
	if strings.Contains(p2.output(), "shown only now") {
		t.Errorf("second start printed a new password")
	}
}

func TestServeRefusesBadSetups(t *testing.T) {
	t.Run("port in use", func(t *testing.T) {
		dir, _, base := initInstance(t)
		u, _ := url.Parse(base)
		ln, err := net.Listen("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		r := kith(t, dir, "", "serve")
		if r.code != 1 || !strings.Contains(r.stderr, "the port is in use") {
			t.Errorf("exit %d stderr %q", r.code, r.stderr)
		}
	})
	t.Run("missing data dir", func(t *testing.T) {
		dir, _, _ := initInstance(t)
		os.RemoveAll(filepath.Join(dir, "kith-data"))
		r := kith(t, dir, "", "serve")
		if r.code != 1 || !strings.Contains(r.stderr, "does not exist: create it or run 'kith init'") {
			t.Errorf("exit %d stderr %q", r.code, r.stderr)
		}
	})
	t.Run("data dir is a file", func(t *testing.T) {
		dir, _, _ := initInstance(t)
		os.RemoveAll(filepath.Join(dir, "kith-data"))
		os.WriteFile(filepath.Join(dir, "kith-data"), []byte("x"), 0o600)
		r := kith(t, dir, "", "serve")
		if r.code != 1 || !strings.Contains(r.stderr, "is not a directory") {
			t.Errorf("exit %d stderr %q", r.code, r.stderr)
		}
	})
	t.Run("corrupt database", func(t *testing.T) {
		dir, _, _ := initInstance(t)
		path := filepath.Join(dir, "kith-data", "kith.db")
		garbage := bytes.Repeat([]byte("not sqlite "), 1000)
		os.Remove(path + "-wal")
		os.Remove(path + "-shm")
		os.WriteFile(path, garbage, 0o600)
		r := kith(t, dir, "", "serve")
		if r.code != 1 || !strings.Contains(r.stderr, "not a kith database") || !strings.Contains(r.stderr, "kith restore") {
			t.Errorf("exit %d stderr %q", r.code, r.stderr)
		}
		if got, _ := os.ReadFile(path); !bytes.Equal(got, garbage) {
			t.Errorf("kith changed the corrupt file; it must leave it for recovery")
		}
	})
	t.Run("database from a newer kith", func(t *testing.T) {
		dir, _, _ := initInstance(t)
		path := filepath.Join(dir, "kith-data", "kith.db")
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', 0)`); err != nil {
			t.Fatal(err)
		}
		db.Close()
		r := kith(t, dir, "", "serve")
		if r.code != 1 || !strings.Contains(r.stderr, "newer kith") || !strings.Contains(r.stderr, "9999") {
			t.Errorf("exit %d stderr %q", r.code, r.stderr)
		}
	})
	t.Run("malformed config", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "kith.toml"), []byte("[server]\nurl = \n"), 0o600)
		r := kith(t, dir, "", "serve")
		if r.code != 1 || !strings.Contains(r.stderr, "kith.toml:2") {
			t.Errorf("exit %d stderr %q", r.code, r.stderr)
		}
	})
}

func kithCmd(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command(kithBin, args...)
	cmd.Dir = dir
	return cmd
}

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// signIn posts the login form like a browser and reports success.
func signIn(t *testing.T, base, username, password string) bool {
	t.Helper()
	jar, _ := cookiejar.New(nil) // the kith binary runs on the real clock, as this jar does
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfRE.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf token on the login page")
	}
	resp, err = c.PostForm(base+"/login", url.Values{"csrf_token": {string(m[1])}, "username": {username}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusSeeOther
}

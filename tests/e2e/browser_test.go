package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The browser tests drive kith's web UI in headless Debian chromium through
// npm playwright-core (tests/browser, installed by tests/browser/install.sh).
// Each test function launches one browser: tests/browser/driver.mjs reads
// one JSON command a line ({"step": ..., "args": ...}), runs that step of
// tests/browser/steps.mjs and answers one JSON line with what it saw; the
// Go test starts the kith instances, acts on the other side (bob's API,
// SIGHUP, signed deliveries) and checks the answers.

// browserStepTimeout bounds one step: a few page loads, or a bounded
// number of reloads while a delivery arrives.
const browserStepTimeout = 60 * time.Second

// browserOptionalEnv, when set to 1, turns a missing chromium or
// playwright-core into a skip. By default it is a failure: CI installs
// both with tests/browser/install.sh.
const browserOptionalEnv = "KITH_BROWSER_OPTIONAL"

// browserDir is tests/browser, where the driver and node_modules live.
func browserDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join(repoRoot, "tests", "browser"))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// browser is one running driver.mjs with its chromium.
type browser struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	mu     sync.Mutex
	stderr bytes.Buffer
}

// startBrowser launches chromium with a fresh profile and a scratch HOME.
// hostRules, if not empty, is chromium's --host-resolver-rules.
func startBrowser(t *testing.T, hostRules string) *browser {
	t.Helper()
	b := launchBrowser(t, hostRules)
	b.waitReady()
	return b
}

// launchBrowser starts the driver and its chromium without waiting for
// them, so a test can set up its instances meanwhile; waitReady waits.
func launchBrowser(t *testing.T, hostRules string) *browser {
	t.Helper()
	dir := browserDir(t)
	chromium, err := exec.LookPath("chromium")
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "node_modules", "playwright-core", "package.json"))
	}
	if err != nil {
		if os.Getenv(browserOptionalEnv) == "1" {
			t.Skipf("no browser (%v) and %s=1: browser tests are optional here", err, browserOptionalEnv)
		}
		t.Fatalf("%v: run tests/browser/install.sh (or set %s=1 where browser tests are optional)", err, browserOptionalEnv)
	}
	scratch := t.TempDir()
	b := &browser{t: t, lines: make(chan string, 1)}
	b.cmd = exec.Command("node", "driver.mjs", filepath.Join(scratch, "profile"))
	b.cmd.Dir = dir
	b.cmd.Env = append(os.Environ(), "HOME="+scratch, "XDG_CONFIG_HOME="+filepath.Join(scratch, "config"),
		"CHROMIUM="+chromium, "KITH_HOST_RULES="+hostRules)
	b.cmd.Stderr = lockedWriter{&b.mu, &b.stderr}
	if b.stdin, err = b.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := b.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			b.lines <- sc.Text()
		}
		close(b.lines)
	}()
	t.Cleanup(b.close)
	return b
}

// waitReady waits for the driver's first line, which says the browser is
// up.
func (b *browser) waitReady() {
	b.t.Helper()
	var ready struct{ Ready bool }
	if err := json.Unmarshal([]byte(b.next()), &ready); err != nil || !ready.Ready {
		b.t.Fatalf("browser driver did not start: %v\n%s", err, b.errors())
	}
}

func (b *browser) errors() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stderr.String()
}

// next returns the driver's next line, failing the test if none comes.
func (b *browser) next() string {
	b.t.Helper()
	select {
	case line, ok := <-b.lines:
		if !ok {
			b.t.Fatalf("browser driver exited:\n%s", b.errors())
		}
		return line
	case <-time.After(browserStepTimeout):
		b.t.Fatalf("browser driver: no answer within %v:\n%s", browserStepTimeout, b.errors())
	}
	return ""
}

// close ends the driver by closing its stdin, which closes chromium.
func (b *browser) close() {
	b.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- b.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		b.cmd.Process.Kill()
		<-done
	}
}

// run runs a step and decodes its result into v (if not nil); it returns
// the step's error, a description of what the browser met.
func (b *browser) run(step string, args any, v any) error {
	b.t.Helper()
	cmd, err := json.Marshal(map[string]any{"step": step, "args": args})
	if err != nil {
		b.t.Fatal(err)
	}
	if _, err := b.stdin.Write(append(cmd, '\n')); err != nil {
		b.t.Fatalf("browser driver: %v\n%s", err, b.errors())
	}
	var answer struct {
		Result json.RawMessage
		Error  *string
		MS     int
	}
	line := b.next()
	if err := json.Unmarshal([]byte(line), &answer); err != nil {
		b.t.Fatalf("browser driver: %v in %s", err, line)
	}
	if testing.Verbose() {
		b.t.Logf("browser: %s %.200s: %d ms", step, fmt.Sprint(args), answer.MS)
	}
	if answer.Error != nil {
		return fmt.Errorf("%s", *answer.Error)
	}
	if v != nil {
		if err := json.Unmarshal(answer.Result, v); err != nil {
			b.t.Fatalf("%s: %v in %s", step, err, answer.Result)
		}
	}
	return nil
}

// must runs a step and fails the test at once if it failed.
func (b *browser) must(step string, args any, v any) {
	b.t.Helper()
	if err := b.run(step, args, v); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// browserStatus is steps.mjs's description of an article.status.
type browserStatus struct {
	ID, Classes, BoostedBy, DisplayName, Handle, Permalink, CW, Content string
	Images                                                              []struct {
		Alt, Src string
		Loaded   bool
	}
	Captions []string
	Actions  []struct{ Action, Label, Pressed string }
}

// action returns the status's action form posting to a path ending in
// /name, if it has one.
func (s browserStatus) action(name string) (form struct{ Action, Label, Pressed string }, ok bool) {
	for _, a := range s.Actions {
		if strings.HasSuffix(a.Action, "/"+name) {
			return a, true
		}
	}
	return form, false
}

// testPNG writes a small opaque PNG for uploads and returns its path.
func testPNG(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			img.Set(x, y, color.RGBA{uint8(200 - 2*y), uint8(60 + x), 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "gradient.png")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// startAlice initializes and serves one instance, alice at
// http://alice.test:PORT on 127.0.0.1, with hosts (name → ip:port) added to
// its [federation.hosts]. The config file's text is returned too, for tests
// that rewrite it.
func startAlice(t *testing.T, hosts map[string]string) (alice *fedInstance, cfg string) {
	t.Helper()
	port := freePort(t)
	alice = &fedInstance{name: "alice", host: fmt.Sprintf("alice.test:%d", port), base: fmt.Sprintf("http://127.0.0.1:%d", port), dir: t.TempDir()}
	alice.cfg = filepath.Join(alice.dir, "kith.toml")
	r := kith(t, alice.dir, clientsPassword+"\n", "init", "--config", alice.cfg, "--url", "http://"+alice.host, "--username", "alice", "--password-stdin")
	if r.code != 0 {
		t.Fatalf("kith init: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	cfg = fmt.Sprintf(`[server]
url = "http://%s"
listen = "127.0.0.1:%d"
data_dir = "kith-data"
tls = "off"

[owner]
username = "alice"

[federation]
allow_private_addresses = true

[federation.hosts]
"alice.test" = "127.0.0.1:%d"
`, alice.host, port, port)
	for name, addr := range hosts {
		cfg += fmt.Sprintf("%q = %q\n", name, addr)
	}
	if err := os.WriteFile(alice.cfg, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	alice.proc = startServe(t, alice.dir, "--config", alice.cfg)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("alice's kith serve output:\n%s", alice.proc.output())
		}
	})
	alice.proc.waitHealthy(t, alice.base)
	return alice, cfg
}

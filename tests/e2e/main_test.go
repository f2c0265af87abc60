// Package e2e tests kith as an operator and the fediverse see it: it
// builds the kith binary once, runs its commands as child processes
// against data directories of their own, and talks to the servers they
// start over HTTP, with browsers, Mastodon clients and other kith
// instances.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// kithBin is the kith binary built once for the tests that run it as a
// child process, as an operator would.
var kithBin string

// repoRoot is the repository's root, from this package's directory: the
// drivers in tests/browser and tests/clients, and the tests' output in
// testdata-out/, are named from it.
const repoRoot = "../.."

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kith-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	kithBin = filepath.Join(dir, "kith")
	build := exec.Command("go", "build", "-o", kithBin, "kith")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build kith:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

// kith runs the binary to completion in dir with stdin.
func kith(t testing.TB, dir, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, kithBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "KITH_CONFIG=")
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run kith %v: %v", args, err)
	}
	return result{code, out.String(), errb.String()}
}

func freePort(t testing.TB) int {
	t.Helper()
	// The port is free when we close it; another process could take it
	// before kith binds it, which on a test machine does not happen.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// initInstance runs kith init in a fresh directory and returns the config
// path and the base URL.
func initInstance(t testing.TB) (dir, cfgPath, base string) {
	t.Helper()
	dir = t.TempDir()
	port := freePort(t)
	base = fmt.Sprintf("http://127.0.0.1:%d", port)
	r := kith(t, dir, "a fine password\n", "init", "--url", base, "--username", "alice", "--password-stdin")
	if r.code != 0 {
		t.Fatalf("kith init: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	return dir, filepath.Join(dir, "kith.toml"), base
}

// process is a running `kith serve`.
type process struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	stderr bytes.Buffer
	stdout bytes.Buffer
	done   chan error
}

func (p *process) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stdout.String() + p.stderr.String()
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func startServe(t testing.TB, dir string, args ...string) *process {
	t.Helper()
	return startServeBin(t, kithBin, dir, args...)
}

// startServeBin runs kith serve from the binary bin.
func startServeBin(t testing.TB, bin, dir string, args ...string) *process {
	t.Helper()
	p := &process{done: make(chan error, 1)}
	p.cmd = exec.Command(bin, append([]string{"serve"}, args...)...)
	p.cmd.Dir = dir
	p.cmd.Env = append(os.Environ(), "KITH_CONFIG=")
	p.cmd.Stdout = lockedWriter{&p.mu, &p.stdout}
	p.cmd.Stderr = lockedWriter{&p.mu, &p.stderr}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// waitHealthy polls /healthz until it answers 200, the process exits, or
// the deadline passes. Polling is how an operator's tooling sees a child
// process come up; there is nothing in-process to call.
func (p *process) waitHealthy(t testing.TB, base string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("kith serve exited early (%v):\n%s", err, p.output())
		default:
		}
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("kith serve did not become healthy:\n%s", p.output())
}

// waitExit waits for the process to end and returns its exit code.
func (p *process) waitExit(t testing.TB) int {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(30 * time.Second):
		t.Fatalf("kith serve did not exit:\n%s", p.output())
		return -1
	}
}

// waitLog waits for a line containing want in the process output.
func (p *process) waitLog(t testing.TB, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(p.output(), want) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no %q in output:\n%s", want, p.output())
}

func lines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

func rss(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range lines(string(b)) {
		if strings.HasPrefix(l, "VmRSS:") {
			var kb float64
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(l, "VmRSS:")), "%f", &kb)
			return kb / 1024, nil
		}
	}
	return 0, fmt.Errorf("no VmRSS")
}

func terminate(t testing.TB, p *process) int {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	return p.waitExit(t)
}

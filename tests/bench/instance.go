package bench

import (
	"bytes"
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "modernc.org/sqlite" // the database is read directly, read-only
)

// Instance is a kith made with `kith init` in its own directory and run as
// a child process with `kith serve`, as an operator runs it.
type Instance struct {
	Bin      string // the kith binary
	Dir      string // holds kith.toml and kith-data/
	Config   string
	URL      string // http://127.0.0.1:PORT
	Owner    string // the owner's actor id
	Database string

	// TLS is set when kith serves HTTPS (InstanceOptions.TLS): Fire and
	// the checks here trust its certificate.
	TLS *tls.Config

	opts    InstanceOptions
	client  *http.Client
	started bool // kith serve has served here: from then on the instance keeps its URL
	cmd     *exec.Cmd
	done    chan struct{}
	out     lockedBuffer
}

// InstanceOptions configure NewInstance.
type InstanceOptions struct {
	Hosts       map[string]string // [federation.hosts]
	Concurrency int               // [jobs] concurrency; 0 keeps the default
	ServeArgs   []string          // extra arguments to kith serve (--cpuprofile FILE)
	Config      string            // extra TOML appended to the config
	// TLS serves https:// with tls = "files" and a self-signed
	// certificate for 127.0.0.1 made in the instance's directory.
	TLS bool
}

const benchUser = "owner"

// NewInstance runs kith init in dir and adds the federation settings a
// loopback run needs. It does not start kith.
func NewInstance(ctx context.Context, bin, dir string, opts InstanceOptions) (*Instance, error) {
	in := &Instance{Bin: bin, Dir: dir, Config: filepath.Join(dir, "kith.toml"), opts: opts}
	in.Database = filepath.Join(dir, "kith-data", "kith.db")
	return in, in.init(ctx)
}

// init runs kith init on a free port and appends the run's settings to the
// config it writes.
func (in *Instance) init(ctx context.Context) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	scheme := "http"
	in.client = http.DefaultClient
	if in.opts.TLS {
		scheme = "https"
		cert, err := newTestCert(in.Dir)
		if err != nil {
			return err
		}
		in.TLS, in.client = cert.clientTLS(), cert.httpClient()
	}
	in.URL = fmt.Sprintf("%s://127.0.0.1:%d", scheme, port)
	in.Owner = in.URL + "/users/" + benchUser
	cmd := exec.CommandContext(ctx, in.Bin, "init", "--config", in.Config, "--url", in.URL, "--username", benchUser, "--password-stdin")
	cmd.Dir = in.Dir
	cmd.Env = append(os.Environ(), "KITH_CONFIG=")
	cmd.Stdin = strings.NewReader("a bench password\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("kith init: %v\n%s", err, out)
	}
	if in.opts.TLS {
		if err := in.serveTLS(port); err != nil {
			return err
		}
	}
	var extra strings.Builder
	extra.WriteString("\n[log]\nlevel = \"info\"\n") // the default, as a server runs
	if in.opts.Concurrency > 0 {
		fmt.Fprintf(&extra, "\n[jobs]\nconcurrency = %d\n", in.opts.Concurrency)
	}
	extra.WriteString(in.opts.Config)
	extra.WriteString("\n[federation]\nallow_private_addresses = true\n\n[federation.hosts]\n")
	hosts := make([]string, 0, len(in.opts.Hosts))
	for h := range in.opts.Hosts {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	for _, h := range hosts {
		fmt.Fprintf(&extra, "%q = %q\n", h, in.opts.Hosts[h])
	}
	f, err := os.OpenFile(in.Config, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(extra.String())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// serveTLS turns the [server] table kith init wrote to tls = "files" with
// the instance's certificate, listening on port, and its plain-HTTP
// listener (redirects only) on another free port.
func (in *Instance) serveTLS(port int) error {
	plain, err := freePort()
	if err != nil {
		return err
	}
	data, err := os.ReadFile(in.Config)
	if err != nil {
		return err
	}
	off := "tls = \"off\"\n"
	if !strings.Contains(string(data), off) {
		return fmt.Errorf("bench: no %q in the config kith init wrote", strings.TrimSpace(off))
	}
	files := fmt.Sprintf("tls = \"files\"\ncert_file = %q\nkey_file = %q\nlisten = \"127.0.0.1:%d\"\nhttp_listen = \"127.0.0.1:%d\"\n",
		filepath.Join(in.Dir, "cert.pem"), filepath.Join(in.Dir, "key.pem"), port, plain)
	return os.WriteFile(in.Config, []byte(strings.Replace(string(data), off, files, 1)), 0o600)
}

// reinit makes the instance again on a new port, from nothing: kith serve
// has written the old URL into the database (the owner's actor) before it
// failed to bind.
func (in *Instance) reinit() error {
	if err := os.RemoveAll(filepath.Dir(in.Database)); err != nil {
		return err
	}
	if err := os.Remove(in.Config); err != nil {
		return err
	}
	return in.init(context.Background())
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// errPortTaken is kith serve exiting because another process holds its
// port.
var errPortTaken = errors.New("bench: the instance's port is taken")

// startAttempts bounds how often Start moves a new instance to another port.
const startAttempts = 5

// Start runs kith serve and waits until it serves (at most 20s). The port
// was free when the instance got it, but another process (another test
// package, say) can take it before kith binds it. On the first start,
// before anything refers to the instance's URL, Start then makes the
// instance again on another port; later, it reports the port taken.
func (in *Instance) Start(env ...string) error {
	var err error
	for range startAttempts {
		err = in.start(env)
		if !errors.Is(err, errPortTaken) || in.started {
			break
		}
		if err := in.reinit(); err != nil {
			return err
		}
	}
	if err == nil {
		in.started = true
	}
	return err
}

// start runs kith serve once and waits until its own log says it serves on
// the instance's address and /healthz answers 200. Waiting for its log
// line, not only for an answer on the port, makes sure the answer is this
// child's and not another server's that took the port.
func (in *Instance) start(env []string) error {
	if in.cmd != nil {
		return errors.New("bench: instance already running")
	}
	u, err := url.Parse(in.URL)
	if err != nil {
		return err
	}
	logged := len(in.Output()) // what earlier runs wrote
	in.cmd = exec.Command(in.Bin, append([]string{"serve", "--config", in.Config}, in.opts.ServeArgs...)...)
	in.cmd.Dir = in.Dir
	in.cmd.Env = append(append(os.Environ(), "KITH_CONFIG="), env...)
	in.cmd.Stdout, in.cmd.Stderr = &in.out, &in.out
	if err := in.cmd.Start(); err != nil {
		in.cmd = nil
		return err
	}
	in.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) {
		cmd.Wait()
		close(done)
	}(in.cmd, in.done)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-in.done:
			in.cmd = nil
			if strings.Contains(in.Output()[logged:], "the port is in use") {
				return fmt.Errorf("%w: %s", errPortTaken, u.Host)
			}
			return fmt.Errorf("kith serve exited at start:\n%s", in.Output())
		default:
		}
		if serving(in.Output()[logged:], u.Host) {
			resp, err := in.client.Get(in.URL + "/healthz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return nil
				}
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	in.Kill()
	return fmt.Errorf("kith serve not healthy after 20s:\n%s", in.Output())
}

// serving reports whether kith's output has its "serving" line (logged by
// the server once it listens, in the text format the bench config keeps)
// with addr as the listen address.
func serving(output, addr string) bool {
	for _, l := range strings.Split(output, "\n") {
		if strings.Contains(l, "msg=serving") && strings.Contains(l, " listen="+addr+" ") {
			return true
		}
	}
	return false
}

// PID is the running kith's process id, 0 when it is not running.
func (in *Instance) PID() int {
	if in.cmd == nil {
		return 0
	}
	return in.cmd.Process.Pid
}

// Kill sends SIGKILL to this instance's process (and nothing else) and
// waits for it to exit.
func (in *Instance) Kill() error {
	return in.end(syscall.SIGKILL)
}

// Stop asks kith to shut down (SIGTERM) and waits for it, killing it
// after 20s.
func (in *Instance) Stop() error {
	return in.end(syscall.SIGTERM)
}

func (in *Instance) end(sig syscall.Signal) error {
	if in.cmd == nil {
		return nil
	}
	defer func() { in.cmd = nil }()
	if err := in.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-in.done:
		return nil
	case <-time.After(20 * time.Second):
		in.cmd.Process.Kill()
		<-in.done
		return fmt.Errorf("kith did not exit after %v; killed", sig)
	}
}

// Output is what kith has written to stdout and stderr.
func (in *Instance) Output() string { return in.out.String() }

// Proc is a reading of the process's memory and CPU time.
type Proc struct {
	PeakRSS float64       // MB, VmHWM: the high-water mark since start or ResetPeakRSS
	RSS     float64       // MB, now
	CPU     time.Duration // user + system time since start
}

// clockTick is USER_HZ, which Linux fixes at 100 for /proc.
const clockTick = 10 * time.Millisecond

// ReadProc reads /proc for the running process.
// ResetPeakRSS starts kith's high-water mark (VmHWM) afresh at its
// present RSS, so that the next ReadProc's PeakRSS is the peak since:
// under load, not at start-up.
func (in *Instance) ResetPeakRSS() error {
	pid := in.PID()
	if pid == 0 {
		return errors.New("bench: kith is not running")
	}
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

func (in *Instance) ReadProc() (Proc, error) {
	pid := in.PID()
	if pid == 0 {
		return Proc{}, errors.New("bench: kith is not running")
	}
	var p Proc
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return p, err
	}
	for _, l := range strings.Split(string(status), "\n") {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 64)
		switch name {
		case "VmHWM":
			p.PeakRSS = kb / 1024
		case "VmRSS":
			p.RSS = kb / 1024
		}
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return p, err
	}
	// Fields after the command name, which is in parentheses and may hold
	// spaces: state is the first, utime the 12th, stime the 13th.
	rest := string(stat)
	if i := strings.LastIndexByte(rest, ')'); i >= 0 {
		rest = rest[i+1:]
	}
	f := strings.Fields(rest)
	if len(f) < 13 {
		return p, fmt.Errorf("bench: short /proc/%d/stat", pid)
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	p.CPU = time.Duration(utime+stime) * clockTick
	return p, nil
}

// WALSize is the size of the database's write-ahead log in MB.
func (in *Instance) WALSize() float64 {
	info, err := os.Stat(in.Database + "-wal")
	if err != nil {
		return 0
	}
	return float64(info.Size()) / (1 << 20)
}

// OpenDB opens the instance's database read-only, beside the running kith.
func (in *Instance) OpenDB() (*sql.DB, error) {
	return OpenReadOnly(in.Database)
}

// OpenReadOnly opens a kith database for reading only.
func OpenReadOnly(path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)&_pragma=query_only(1)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// Count runs a COUNT query.
func Count(ctx context.Context, db *sql.DB, query string, args ...any) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, query, args...).Scan(&n)
	return n, err
}

// WaitFor polls cond every 20ms until it is true, returns an error, or
// timeout passes. Across processes there is nothing to call instead.
func WaitFor(timeout time.Duration, cond func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := cond()
		if err != nil || ok {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not done after %v", timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// selfCPU is this process's user and system time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

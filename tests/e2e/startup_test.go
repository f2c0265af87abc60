package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"kith/store"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// idleWait is how long a started kith is left alone before its memory is
// read: the jobs runner has polled and the monitor sampled by then.
const idleWait = 3 * time.Second

// BenchmarkStartup measures `kith serve` on an existing data directory
// (keys made, theme compiled and cached by a first start) from exec to the
// first 200 from /healthz (wall time, and the CPU time kith spent by then),
// and the resident memory once it has been idle
// for idleWait: in all, its anonymous part, and the pages of the kith
// binary it maps. Run:
//
//	go test -run '^$' -bench Startup -benchtime 10x ./tests/e2e
//
// kith runs from a copy of the binary written the way an installer (cp,
// install, a download) writes one. The file the Go linker has just written
// sits in the page cache in large folios, which the kernel maps whole on
// each fault: run from it, kith's binary maps about 20 MB instead of 9
// until the page cache is dropped or the file copied.
//
// The data directory is new, or holds the 50,000 remote actors a server
// that has federated for a while knows, with 20 domains blocked in its
// config (actors=50000).
func BenchmarkStartup(b *testing.B) {
	b.Run("empty", func(b *testing.B) { benchStartup(b, 0, 0) })
	b.Run("actors=50000", func(b *testing.B) { benchStartup(b, 50000, 20) })
}

func benchStartup(b *testing.B, actors, blocked int) {
	dir, cfgPath, base := initInstance(b)
	storeRemoteActors(b, dir, actors)
	blockInConfig(b, cfgPath, blocked)
	bin := installCopy(b, kithBin)
	warm := startServeBin(b, bin, dir) // the first start compiles the theme and caches it
	warm.waitHealthy(b, base)
	terminate(b, warm)
	var starts, cpus, rsses, anons, bins []float64
	for b.Loop() {
		begin := time.Now()
		p := startServeBin(b, bin, dir)
		for {
			resp, err := http.Get(base + "/healthz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Since(begin) > 10*time.Second {
				b.Fatalf("not healthy after 10s:\n%s", p.output())
			}
			time.Sleep(500 * time.Microsecond)
		}
		starts = append(starts, float64(time.Since(begin).Microseconds())/1000)
		b.StopTimer()
		cpu, err := cpuTime(p.cmd.Process.Pid)
		if err != nil {
			b.Fatal(err)
		}
		cpus = append(cpus, float64(cpu.Microseconds())/1000)
		time.Sleep(idleWait)
		m, err := readSmaps(p.cmd.Process.Pid, bin)
		if err != nil {
			b.Fatal(err)
		}
		rsses, anons, bins = append(rsses, m.rss), append(anons, m.anon), append(bins, m.binary)
		terminate(b, p)
		b.StartTimer()
	}
	b.ReportMetric(median(starts), "ms-to-healthz")
	b.ReportMetric(median(cpus), "CPU-ms-to-healthz")
	b.ReportMetric(median(rsses), "idle-RSS-MB")
	b.ReportMetric(median(anons), "idle-anon-MB")
	b.ReportMetric(median(bins), "idle-binary-MB")
}

// storeRemoteActors adds n remote actors to the instance in dir, each with
// a key and a short profile as fetched actors have.
func storeRemoteActors(t testing.TB, dir string, n int) {
	t.Helper()
	if n == 0 {
		return
	}
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "kith-data", "kith.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pem := "-----BEGIN PUBLIC KEY-----\n" + strings.Repeat(strings.Repeat("A", 64)+"\n", 6) + "-----END PUBLIC KEY-----\n"
	err = db.InTx(ctx, func(tx *store.Tx) error {
		for i := range n {
			host := fmt.Sprintf("host%d.example", i%3000)
			uri := fmt.Sprintf("https://%s/users/user%d", host, i)
			_, err := tx.UpsertActor(ctx, store.Actor{URI: uri, Type: "Person", Username: fmt.Sprintf("user%d", i), Domain: host,
				Inbox: uri + "/inbox", SharedInbox: "https://" + host + "/inbox", KeyID: uri + "#main-key", PublicKeyPEM: pem,
				Summary: "<p>" + strings.Repeat("words ", 30) + "</p>"})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// blockInConfig adds n blocked domains to the config file at path.
func blockInConfig(t testing.TB, path string, n int) {
	t.Helper()
	if n == 0 {
		return
	}
	domains := make([]string, n)
	for i := range domains {
		domains[i] = fmt.Sprintf("%q", fmt.Sprintf("blocked%d.example", i))
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = fmt.Fprintf(f, "\n[federation]\nblocked_domains = [%s]\n", strings.Join(domains, ", "))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
}

// cpuTime is the time the process's threads have run on a CPU, from
// /proc/PID/task/*/schedstat (nanoseconds, unlike the ticks of
// /proc/PID/stat). On a loaded machine it says what a start costs when the
// wall time also counts the wait for a core.
func cpuTime(pid int) (time.Duration, error) {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if err != nil {
		return 0, err
	}
	var total time.Duration
	for _, task := range tasks {
		data, err := os.ReadFile(task)
		if err != nil {
			continue // the thread ended
		}
		f := strings.Fields(string(data))
		if len(f) == 0 {
			return 0, fmt.Errorf("%s: %q", task, data)
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %v", task, err)
		}
		total += time.Duration(ns)
	}
	return total, nil
}

// installCopy copies the binary at src into a directory of the test's, in
// 32 KB writes as cp does, and returns the copy's path.
func installCopy(t testing.TB, src string) string {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	dst := filepath.Join(t.TempDir(), "kith")
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.CopyBuffer(out, in, make([]byte, 32<<10))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// memory is a process's resident memory, in MB.
type memory struct {
	rss    float64 // all of it
	anon   float64 // anonymous pages: heaps, stacks
	binary float64 // pages of the executable's file
}

// readSmaps sums /proc/PID/smaps; bin is the executable's path.
func readSmaps(pid int, bin string) (memory, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		return memory{}, err
	}
	var m memory
	inBinary := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if strings.Contains(f[0], "-") && len(f) >= 5 {
			inBinary = len(f) >= 6 && f[5] == bin
			continue
		}
		if len(f) < 2 || (f[0] != "Rss:" && f[0] != "Anonymous:") {
			continue
		}
		kb, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			return memory{}, fmt.Errorf("smaps: %q: %v", sc.Text(), err)
		}
		mb := kb / 1024
		switch {
		case f[0] == "Anonymous:":
			m.anon += mb
		case inBinary:
			m.rss += mb
			m.binary += mb
		default:
			m.rss += mb
		}
	}
	return m, sc.Err()
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

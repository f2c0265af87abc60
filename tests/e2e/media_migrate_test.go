package e2e

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"kith/config"
	s3test "kith/tests/s3"
)

// s3Section is a [media.s3] table for the test server.
func s3Section(s *s3test.Server, extra string) string {
	return fmt.Sprintf("\n[media.s3]\nendpoint = %q\nregion = %q\nbucket = \"kith-media\"\nprefix = \"m/\"\naccess_key = %q\n%spath_style = true\n",
		s.Endpoint(), s3test.Region, s3test.AccessKey, extra)
}

// sums lists the files under dir by name (slash-separated) with their
// SHA-256, skipping dot files.
func sums(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, p)
		sum := sha256.Sum256(b)
		out[filepath.ToSlash(rel)] = hex.EncodeToString(sum[:])
		return nil
	})
	return out
}

// migrateKilled runs kith media migrate --to kind, kills it by PID
// (SIGKILL) once it has reported after copies, and returns the names it
// reported copied.
func migrateKilled(t *testing.T, dir, cfgPath, kind string, after int) []string {
	t.Helper()
	cmd := exec.Command(kithBin, "media", "migrate", "--to", kind, "--config", cfgPath)
	cmd.Dir = dir
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var copied []string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if name, ok := strings.CutPrefix(sc.Text(), "copied "); ok {
			copied = append(copied, name)
			if len(copied) == after {
				cmd.Process.Kill()
				break
			}
		}
	}
	go func() {
		for sc.Scan() {
		}
	}()
	cmd.Wait()
	if len(copied) != after {
		t.Fatalf("migrate --to %s ended after %d files, before it could be killed after %d", kind, len(copied), after)
	}
	return copied
}

// recordedCopies lists the files a migration's state file records as
// copied and verified (lines of "SHA-256 name").
func recordedCopies(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("migration state after a killed run: %v", err)
	}
	var names []string
	for _, l := range lines(string(b)) {
		if _, name, ok := strings.Cut(l, " "); ok {
			names = append(names, name)
		}
	}
	return names
}

// TestMediaMigrateS3AndBack moves a data directory's media to S3 and back
// with the built binary, killing each run (SIGKILL) part way and running
// it again: every file ends up once where the config says, with its
// checksum unchanged, and the config switches only when all is copied.
func TestMediaMigrateS3AndBack(t *testing.T) {
	s3 := s3test.Start(t, "kith-media")
	dir, cfgPath, base := initInstance(t)
	appendFile(t, cfgPath, s3Section(s3, fmt.Sprintf("secret_key = %q\n", s3test.SecretKey)))
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	mediaDir, bucketDir := cfg.MediaDir(), s3.ObjectPath("kith-media", "m")
	const n = 60
	for i := range n {
		name := fmt.Sprintf("%032x.png", i)
		switch i % 3 {
		case 1:
			name = fmt.Sprintf("remote/%02x/%064x.jpg", i, i)
		case 2:
			name = fmt.Sprintf("emoji/e%d-%012x.png", i, i)
		}
		body := make([]byte, 1000+i*997)
		rand.Read(body)
		p := filepath.Join(mediaDir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := sums(t, mediaDir)
	if len(want) != n {
		t.Fatalf("%d files written, want %d", len(want), n)
	}
	storage := func() string {
		c, err := config.Load(cfgPath)
		if err != nil {
			t.Fatal(err)
		}
		return c.Media.Storage
	}

	// Not beside a running server: it would go on writing the old storage.
	p := startServe(t, dir, "--config", cfgPath)
	p.waitHealthy(t, base)
	if r := kith(t, dir, "", "media", "migrate", "--to", "s3", "--config", cfgPath); r.code == 0 || !strings.Contains(r.stderr, "another kith serve") {
		t.Errorf("migrate beside kith serve: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	terminate(t, p)

	for _, leg := range []struct{ to, from, into string }{{"s3", mediaDir, bucketDir}, {"local", bucketDir, mediaDir}} {
		t.Logf("to %s", leg.to)
		printed := migrateKilled(t, dir, cfgPath, leg.to, n/3)
		// The state file, not the output, says what the killed run
		// finished: a kill can land after a file is recorded and before
		// its line is printed.
		first := recordedCopies(t, filepath.Join(cfg.Server.DataDir, "media-migrate-to-"+leg.to+".state"))
		for _, name := range printed {
			if !slices.Contains(first, name) {
				t.Errorf("%s was reported copied but is not in the migration's state", name)
			}
		}
		if got := storage(); got == leg.to {
			t.Fatalf("storage = %q after a killed run, want it unchanged", got)
		}
		if got := sums(t, leg.from); len(got) != n {
			t.Fatalf("the source holds %d files after a killed run, want all %d", len(got), n)
		}
		r := kith(t, dir, "", "media", "migrate", "--to", leg.to, "--config", cfgPath)
		if r.code != 0 {
			t.Fatalf("resumed migrate --to %s: exit %d\n%s%s", leg.to, r.code, r.stdout, r.stderr)
		}
		again := map[string]bool{}
		for _, l := range lines(r.stdout) {
			if name, ok := strings.CutPrefix(l, "copied "); ok {
				again[name] = true
			}
		}
		for _, name := range first {
			if again[name] {
				t.Errorf("%s was copied again after the kill", name)
			}
		}
		if len(first)+len(again) != n {
			t.Errorf("copied %d + %d files, want %d", len(first), len(again), n)
		}
		if !strings.Contains(r.stderr, fmt.Sprintf("%d/%d", n, n)) {
			t.Errorf("no progress %d/%d in:\n%s", n, n, r.stderr)
		}
		if got := storage(); got != leg.to {
			t.Errorf("storage = %q after the migration, want %q", got, leg.to)
		}
		got := sums(t, leg.into)
		if len(got) != n {
			t.Errorf("%d files in %s, want %d", len(got), leg.to, n)
		}
		for name, sum := range want {
			if got[name] != sum {
				t.Errorf("%s: sha256 %q in %s, want %q", name, got[name], leg.to, sum)
			}
		}
		// kith media usage reads the storage the config names now.
		u := kith(t, dir, "", "media", "usage", "--config", cfgPath)
		if u.code != 0 || !strings.Contains(u.stdout, "media in "+leg.to) || !regexp.MustCompile(fmt.Sprintf(`total\s+%d\s`, n)).MatchString(u.stdout) {
			t.Errorf("media usage after moving to %s: exit %d\n%s%s", leg.to, u.code, u.stdout, u.stderr)
		}
		if left := sums(t, leg.from); len(left) != 0 {
			t.Errorf("%d files left where they were", len(left))
		}
		if _, err := os.Stat(filepath.Join(cfg.Server.DataDir, "media-migrate-to-"+leg.to+".state")); err == nil {
			t.Errorf("the state file is still there")
		}
	}
}

// Wrong S3 credentials stop kith serve at start with one clear error,
// and kith doctor names the problem.
func TestServeWrongS3Credentials(t *testing.T) {
	s3 := s3test.Start(t, "kith-media")
	dir, cfgPath, _ := initInstance(t)
	appendFile(t, cfgPath, strings.Replace(s3Section(s3, "secret_key = \"not-the-secret\"\n"), "[media.s3]", "[media.s3]", 1))
	// storage = "s3" goes under [media], which kith init may not write.
	if err := config.SetMediaStorage(cfgPath, config.StorageS3); err != nil {
		t.Fatal(err)
	}
	p := startServe(t, dir, "--config", cfgPath)
	if code := p.waitExit(t); code == 0 {
		t.Fatalf("kith serve started with wrong S3 credentials:\n%s", p.output())
	}
	out := p.output()
	if !strings.Contains(out, "access denied") || strings.Count(out, "access denied") != 1 {
		t.Errorf("want one clear 'access denied' error, got:\n%s", out)
	}
	r := kith(t, dir, "", "doctor", "--config", cfgPath)
	if r.code == 0 || !strings.Contains(r.stdout, "FAIL  media") {
		t.Errorf("kith doctor: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// Mastodon.py uploads an image and posts it to a kith serve whose media
// are in S3: the file lands in the bucket, none in the data directory,
// and kith serves it from there.
func TestMastodonPyMediaOnS3(t *testing.T) {
	needTool(t, "/usr/lib/python3/dist-packages/mastodon/Mastodon.py")
	s3 := s3test.Start(t, "kith-media")
	dir, cfgPath, base := initInstance(t)
	appendFile(t, cfgPath, s3Section(s3, fmt.Sprintf("secret_key = %q\n", s3test.SecretKey)))
	if err := config.SetMediaStorage(cfgPath, config.StorageS3); err != nil {
		t.Fatal(err)
	}
	p := startServe(t, dir, "--config", cfgPath)
	p.waitHealthy(t, base)
	out := runClient(t, []string{"KITH_TEST_VIDEO=" + avTestFile(t, "video.webm")}, "", "/usr/bin/python3", "mastodonpy.py", base, "alice", clientsPassword)
	s := parseSteps(t, out)
	var withMedia struct {
		Media []struct{ ID, Type, URL string }
	}
	if !s.get(t, "status_post_media", &withMedia) || len(withMedia.Media) != 1 {
		t.Fatalf("status_post with media: %+v\n%s", withMedia, p.output())
	}
	u := withMedia.Media[0].URL
	checkMediaFile(t, u)
	name := strings.TrimPrefix(u, base+"/media/")
	if _, err := os.Stat(s3.ObjectPath("kith-media", "m/"+name)); err != nil {
		t.Errorf("%s is not in the bucket: %v", name, err)
	}
	cfg, _ := config.Load(cfgPath)
	if local := sums(t, cfg.MediaDir()); len(local) != 0 {
		t.Errorf("files in the local media directory: %v", local)
	}
}

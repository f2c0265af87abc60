package e2e

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"kith/store"
	s3test "kith/tests/s3"
)

// The replication tests run kith serve replicating its database to a real
// S3 server (versitygw on loopback), post through the API, kill kith with
// SIGKILL and rebuild the instance with kith restore --from on a "second
// box": another data directory, another port.

// replicaSyncInterval is the tests' replication.sync_interval, the default.
const replicaSyncInterval = time.Second

// replicaBucket is the bucket the tests replicate to.
const replicaBucket = "kith-replica"

// metricsToken opens /metrics in these tests.
const metricsToken = "replication-test-metrics-token"

// replicationConfig is the [replication] table for an S3 replica at path,
// with secretFile holding the secret key.
func replicationConfig(s *s3test.Server, path, secretFile string) string {
	return fmt.Sprintf(`
[replication]
url = "s3://%s/%s"
endpoint = %q
region = %q
access_key = %q
secret_key_file = %q
path_style = true

[metrics]
token = %q
`, replicaBucket, path, s.Endpoint(), s3test.Region, s3test.AccessKey, secretFile, metricsToken)
}

// writeSecret writes the test server's secret key to a file and returns
// its path.
func writeSecret(t *testing.T, secret string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "s3-secret")
	if err := os.WriteFile(p, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// ackLog records when each numbered post was answered 200.
type ackLog struct {
	mu    sync.Mutex
	times map[int64]time.Time
	sent  map[int64]time.Time // when its request was sent
}

// postContinuously posts "backup test post N" through the API until
// stopped, one after the other, and returns the log and a stop function.
// Errors after stop (kith killed) end it quietly.
func postContinuously(c *ownerClient) (*ackLog, func()) {
	log := &ackLog{times: map[int64]time.Time{}, sent: map[int64]time.Time{}}
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for n := int64(1); ; n++ {
			select {
			case <-quit:
				return
			default:
			}
			log.mu.Lock()
			log.sent[n] = time.Now()
			log.mu.Unlock()
			if err := c.post(int(n)); err != nil {
				select {
				case <-quit:
				default:
					c.t.Errorf("post %d: %v", n, err)
				}
				return
			}
			log.mu.Lock()
			log.times[n] = time.Now()
			log.mu.Unlock()
		}
	}()
	var once sync.Once
	return log, func() { once.Do(func() { close(quit) }); <-done }
}

// ackedBefore lists the posts answered before t.
func (l *ackLog) ackedBefore(t time.Time) []int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []int64
	for n, at := range l.times {
		if at.Before(t) {
			out = append(out, n)
		}
	}
	return out
}

// sentAfter lists the posts whose requests were sent after t.
func (l *ackLog) sentAfter(t time.Time) []int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []int64
	for n, at := range l.sent {
		if at.After(t) {
			out = append(out, n)
		}
	}
	return out
}

func (l *ackLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.times)
}

// restoreFromS3 runs kith restore --from against the test server.
func restoreFromS3(t *testing.T, s *s3test.Server, path, secretFile, dataDir string, extra ...string) result {
	t.Helper()
	args := append([]string{"restore", "--from", "s3://" + replicaBucket + "/" + path, "--data", dataDir,
		"--endpoint", s.Endpoint(), "--path-style", "--access-key", s3test.AccessKey, "--secret-key-file", secretFile}, extra...)
	return kith(t, t.TempDir(), "", args...)
}

// checkRestoredPosts checks that the restored database passes the
// integrity check, holds posts 1..n with no gap (one point in time), every
// post in must, and none of mustNot.
func checkRestoredPosts(t *testing.T, dbPath string, must, mustNot []int64) []int64 {
	t.Helper()
	if err := store.CheckIntegrity(context.Background(), dbPath); err != nil {
		t.Fatalf("integrity check of the restored database: %v", err)
	}
	nums := restoredPostNumbers(t, dbPath)
	have := map[int64]bool{}
	for i, n := range nums {
		if n != int64(i+1) {
			t.Fatalf("restored posts %v: post %d where %d should be; not a point in time", nums, n, i+1)
		}
		have[n] = true
	}
	for _, n := range must {
		if !have[n] {
			t.Errorf("post %d is missing from the restored database (%d posts restored)", n, len(nums))
		}
	}
	for _, n := range mustNot {
		if have[n] {
			t.Errorf("post %d, sent after the restore's point in time, is in it", n)
		}
	}
	return nums
}

// restoredPostNumbers lists the numbers of the "backup test post N" posts
// in a database, in order.
func restoredPostNumbers(t *testing.T, path string) []int64 {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT content FROM posts WHERE local = 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var nums []int64
	for rows.Next() {
		var content string
		rows.Scan(&content)
		m := numbered.FindStringSubmatch(content)
		if m == nil {
			t.Errorf("restored post %q is not one of the test's", content)
			continue
		}
		n, _ := strconv.ParseInt(m[1], 10, 64)
		nums = append(nums, n)
	}
	slices.Sort(nums)
	return nums
}

// followOver makes from's owner follow to's owner and waits until it is
// accepted.
func followOver(t *testing.T, from *fedInstance, token string, to *fedInstance) {
	t.Helper()
	var found struct{ Accounts []struct{ ID, Acct string } }
	apiGet(t, from.base, token, "/api/v2/search?resolve=true&type=accounts&q="+url.QueryEscape(to.handle()), &found)
	if len(found.Accounts) == 0 {
		t.Fatalf("%s cannot find %s", from.name, to.handle())
	}
	id := found.Accounts[0].ID
	var rel struct{ Following, Requested bool }
	apiPostForm(t, from.base, token, "/api/v1/accounts/"+id+"/follow", url.Values{}, &rel)
	deadline := time.Now().Add(fedDeadline)
	for {
		var rels []struct{ Following bool }
		apiGet(t, from.base, token, "/api/v1/accounts/relationships?id[]="+id, &rels)
		if len(rels) == 1 && rels[0].Following {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not follow %s within %v: %+v", from.name, to.handle(), fedDeadline, rels)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// listenLine matches the listen key of a config.
var listenLine = regexp.MustCompile(`(?m)^listen = .*$`)

// TestReplicationKillAndRestore: alice replicates to S3 while she posts
// continuously through the API; she is killed with SIGKILL; kith restore
// --from rebuilds her on a second box (new data directory, new port):
// every post answered more than the sync interval before the kill is
// there, the database passes the integrity check, and a restore to a
// time in the middle holds exactly a prefix that ends there. The restored
// alice, with the config and token from the replica, posts; once bob's
// server maps alice's name to the new box (the DNS change), bob, who
// followed her before the move, sees the post.
func TestReplicationKillAndRestore(t *testing.T) {
	s := s3test.Start(t, replicaBucket)
	secret := writeSecret(t, s3test.SecretKey)
	n := startFedNetwork(t, "alice", "bob")
	alice, bob := n[0], n[1]
	terminate(t, alice.proc)
	appendFile(t, alice.cfg, replicationConfig(s, "alice", secret))
	alice.proc = startServe(t, alice.dir, "--config", alice.cfg)
	alice.proc.waitHealthy(t, alice.base)
	aliceToken := alice.token(t, "read write follow")
	bobToken := bob.token(t, "read write follow")
	followOver(t, bob, bobToken, alice)

	log, stop := postContinuously(&ownerClient{t: t, base: alice.base, token: aliceToken})
	time.Sleep(2 * time.Second)
	middle := time.Now()
	time.Sleep(2 * time.Second)
	killedAt := time.Now()
	alice.proc.cmd.Process.Kill()
	stop()
	alice.proc.waitExit(t)
	if log.count() < 50 {
		t.Fatalf("only %d posts were answered before the kill", log.count())
	}
	if !strings.Contains(alice.proc.output(), "replicating the database") {
		t.Errorf("alice's log does not say she replicates:\n%s", alice.proc.output())
	}

	box2 := filepath.Join(t.TempDir(), "second-box")
	r := restoreFromS3(t, s, "alice", secret, box2)
	if r.code != 0 {
		t.Fatalf("kith restore --from: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	nums := checkRestoredPosts(t, filepath.Join(box2, "kith.db"), log.ackedBefore(killedAt.Add(-replicaSyncInterval)), nil)
	t.Logf("%d posts answered before the kill, %d restored; %d answered more than %v before it", log.count(), len(nums),
		len(log.ackedBefore(killedAt.Add(-replicaSyncInterval))), replicaSyncInterval)

	past := filepath.Join(t.TempDir(), "past")
	r = restoreFromS3(t, s, "alice", secret, past, "--timestamp", middle.UTC().Format(time.RFC3339Nano))
	if r.code != 0 {
		t.Fatalf("kith restore --from --timestamp: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	pastNums := checkRestoredPosts(t, filepath.Join(past, "kith.db"), log.ackedBefore(middle.Add(-replicaSyncInterval)), log.sentAfter(middle))
	if len(pastNums) >= len(nums) {
		t.Errorf("the restore at %s holds %d posts, the newest %d: not the past", middle.Format(time.RFC3339Nano), len(pastNums), len(nums))
	}

	// The second box: the restored config on a new port.
	cfgPath := filepath.Join(box2, "kith.toml")
	cfgText, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	port2 := freePort(t)
	cfgText = listenLine.ReplaceAll(cfgText, []byte(fmt.Sprintf("listen = \"127.0.0.1:%d\"", port2)))
	os.WriteFile(cfgPath, cfgText, 0o600)
	alice2 := &fedInstance{name: "alice", host: alice.host, base: fmt.Sprintf("http://127.0.0.1:%d", port2), dir: box2, cfg: cfgPath}
	alice2.proc = startServe(t, box2, "--config", cfgPath)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("restored alice's output:\n%s", alice2.proc.output())
		}
	})
	alice2.proc.waitHealthy(t, alice2.base)

	// The DNS change: bob's server now finds alice.test on the second box.
	terminate(t, bob.proc)
	bobCfg, _ := os.ReadFile(bob.cfg)
	bobCfg = regexp.MustCompile(`(?m)^"alice\.test" = .*$`).ReplaceAll(bobCfg, []byte(fmt.Sprintf(`"alice.test" = "127.0.0.1:%d"`, port2)))
	os.WriteFile(bob.cfg, bobCfg, 0o600)
	bob.proc = startServe(t, bob.dir, "--config", bob.cfg)
	bob.proc.waitHealthy(t, bob.base)

	var posted struct{ ID string }
	apiPostForm(t, alice2.base, aliceToken, "/api/v1/statuses", url.Values{"status": {"posted from the second box"}, "visibility": {"public"}}, &posted)
	waitHomeStatus(t, bob, bobToken, "posted from the second box")
}

// TestReplicationRefusesWrongKeys: wrong keys, or a bucket that does not
// exist, stop kith serve at start with one clear message that carries the
// S3 server's answer; nothing is served.
func TestReplicationRefusesWrongKeys(t *testing.T) {
	s := s3test.Start(t, replicaBucket)
	for _, tc := range []struct {
		name, secret, bucket, want string
	}{
		{"wrong secret", "not-the-secret-key-0000", replicaBucket, "SignatureDoesNotMatch"},
		{"no such bucket", s3test.SecretKey, "no-such-bucket", "NoSuchBucket"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, cfgPath, _ := initInstance(t)
			cfg := strings.Replace(replicationConfig(s, "alice", writeSecret(t, tc.secret)), "s3://"+replicaBucket+"/", "s3://"+tc.bucket+"/", 1)
			appendFile(t, cfgPath, cfg)
			r := kith(t, dir, "", "serve", "--config", cfgPath)
			if r.code != 1 {
				t.Fatalf("kith serve with %s: exit %d, want 1\n%s%s", tc.name, r.code, r.stdout, r.stderr)
			}
			for _, want := range []string{"replica s3://" + tc.bucket + "/alice", "refuses kith", tc.want} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("kith serve's message lacks %q:\n%s", want, r.stderr)
				}
			}
			if n := strings.Count(r.stderr, "\n"); n > 2 {
				t.Errorf("kith serve wrote %d lines, want one clear error:\n%s", n, r.stderr)
			}
		})
	}
}

// metric reads one sample of /metrics.
func metric(t *testing.T, base, name string) (float64, bool) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+metricsToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			return f, err == nil
		}
	}
	return 0, false
}

// adminPage signs in as initInstance's owner and returns /admin.
func adminPage(t *testing.T, base string) string {
	t.Helper()
	c := &http.Client{Jar: newJar()}
	m := csrfRE.FindStringSubmatch(getPage(t, c, base+"/login"))
	if m == nil {
		t.Fatal("no csrf token on the login page")
	}
	resp, err := c.PostForm(base+"/login", url.Values{"csrf_token": {m[1]}, "username": {"alice"}, "password": {clientsPassword}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return getPage(t, c, base+"/admin")
}

// replicaLine is the dashboard's line about the replica.
var replicaLine = regexp.MustCompile(`(?s)<p class="replica" id="replica"[^>]*>.*?</p>`)

// replicaOutage is how long TestReplicationOutage stops the S3 server.
const replicaOutage = 30 * time.Second

// TestReplicationOutage: the S3 server is stopped for 30 seconds while the
// owner keeps posting. kith keeps answering; the log and kith doctor say
// the replica cannot be written; the lag shows on /metrics. When the
// server is back, replication catches up by itself (the lag returns to 0,
// kith doctor is ok and shows the last error, as does the dashboard), and
// after a SIGKILL the restored database holds every post.
func TestReplicationOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("stops the S3 server for 30 seconds")
	}
	s := s3test.Start(t, replicaBucket)
	secret := writeSecret(t, s3test.SecretKey)
	dir, cfgPath, base := initInstance(t)
	appendFile(t, cfgPath, replicationConfig(s, "alice", secret))
	r := kith(t, dir, "", "token", "create", "--config", cfgPath, "--scopes", "read write", "--name", "writer")
	token := strings.TrimSpace(r.stdout)
	p := startServe(t, dir, "--config", cfgPath)
	p.waitHealthy(t, base)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("kith serve's output:\n%s", p.output())
		}
	})

	log, stop := postContinuously(&ownerClient{t: t, base: base, token: token})
	time.Sleep(time.Second)
	s.Stop()
	outageStart := time.Now()
	time.Sleep(replicaOutage / 2)
	lag, ok := metric(t, base, "kith_replication_lag_seconds")
	if !ok || lag < 5 {
		t.Errorf("kith_replication_lag_seconds %v (found %v) halfway through the outage, want the outage's length so far", lag, ok)
	}
	line := replicaLine.FindString(adminPage(t, base))
	if !strings.Contains(line, "data-failing") || !strings.Contains(line, "behind") || !strings.Contains(line, "Last error") {
		t.Errorf("the dashboard's replica line during the outage: %q, want it behind and failing with the error", line)
	}
	d := kith(t, dir, "", "doctor", "--config", cfgPath)
	if d.code != 1 || !strings.Contains(d.stdout, "FAIL  replica") {
		t.Errorf("kith doctor during the outage: exit %d, want 1 with a FAIL replica line:\n%s%s", d.code, d.stdout, d.stderr)
	}
	time.Sleep(replicaOutage - time.Since(outageStart))
	s.Start()
	stop()
	last := log.count()
	allAcked := time.Now()

	deadline := time.Now().Add(2 * replicaOutage)
	for {
		lag, _ := metric(t, base, "kith_replication_lag_seconds")
		synced, _ := metric(t, base, "kith_replication_last_sync_timestamp_seconds")
		if lag == 0 && synced > float64(allAcked.UnixMilli())/1000 {
			t.Logf("caught up %v after the S3 server came back", time.Since(allAcked).Round(100*time.Millisecond))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("replication did not catch up within %v of the S3 server's return: lag %v, last sync %v", 2*replicaOutage, lag, synced)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(p.output(), "replication is behind") || !strings.Contains(p.output(), "replication caught up") {
		t.Errorf("kith serve's log does not tell of the outage and the catch-up:\n%s", p.output())
	}
	line = replicaLine.FindString(adminPage(t, base))
	if strings.Contains(line, "data-failing") || !strings.Contains(line, "up to date") || !strings.Contains(line, "Last error") {
		t.Errorf("the dashboard's replica line after the catch-up: %q, want it up to date, showing the last error", line)
	}
	d = kith(t, dir, "", "doctor", "--config", cfgPath)
	if !strings.Contains(d.stdout, "ok    replica") || !strings.Contains(d.stdout, "last error") {
		t.Errorf("kith doctor after the catch-up: want an ok replica line with the last error:\n%s%s", d.stdout, d.stderr)
	}

	p.cmd.Process.Kill()
	p.waitExit(t)
	restored := filepath.Join(t.TempDir(), "restored")
	if r := restoreFromS3(t, s, "alice", secret, restored); r.code != 0 {
		t.Fatalf("kith restore --from: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	all := log.ackedBefore(allAcked)
	nums := checkRestoredPosts(t, filepath.Join(restored, "kith.db"), all, nil)
	t.Logf("%d posts, %d of them during the %v outage; %d restored", last, len(log.ackedBefore(allAcked))-len(log.ackedBefore(outageStart)), replicaOutage, len(nums))
}

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// The client tests drive a real `kith serve` with real Mastodon clients:
// toot and Mastodon.py (Debian packages) and masto.js (npm), installed by
// tests/clients/install.sh. Each subtest has its own instance. The scripts
// in tests/clients print one JSON object of step results; a step that
// failed carries "error" with the request and kith's answer, and the test
// reports it as is.

const clientsPassword = "a fine password" // initInstance's

// clientsTimeout bounds one client run: each starts an interpreter and
// makes a few dozen loopback requests, a second or two of work.
const clientsTimeout = 90 * time.Second

func TestClients(t *testing.T) {
	t.Run("toot", testToot)
	t.Run("Mastodon.py", testMastodonPy)
	t.Run("masto.js", testMastoJS)
}

// clientsDir is tests/clients, where the scripts and node_modules live.
func clientsDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join(repoRoot, "tests", "clients"))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// needTool fails the test, rather than skip it, when install.sh has not run:
// CI runs it before the tests, and a skipped client test passes silently.
func needTool(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%v: run tests/clients/install.sh", err)
	}
}

// serveForClient starts a fresh instance and returns its directory and base URL.
func serveForClient(t *testing.T) (dir, base string) {
	t.Helper()
	t.Parallel()
	dir, _, base = initInstance(t)
	p := startServe(t, dir)
	p.waitHealthy(t, base)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("kith serve output:\n%s", p.output())
		}
	})
	return dir, base
}

// runClient runs a client command with env added and returns its stdout,
// failing the test with both outputs if it exits non-zero.
func runClient(t *testing.T, env []string, stdin string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), clientsTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = clientsDir(t)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

// steps is a script's output: each step's result by name.
type steps map[string]json.RawMessage

func parseSteps(t *testing.T, out string) steps {
	t.Helper()
	var s steps
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("client output is not one JSON object: %v\n%s", err, out)
	}
	return s
}

// get decodes step name into v. It reports false, with the step's error,
// when the step failed or did not run.
func (s steps) get(t *testing.T, name string, v any) bool {
	t.Helper()
	raw, ok := s[name]
	if !ok {
		t.Errorf("%s: did not run", name)
		return false
	}
	var failed struct {
		Error   *string `json:"error"`
		Skipped *string `json:"skipped"`
	}
	json.Unmarshal(raw, &failed)
	if failed.Error != nil {
		t.Errorf("%s: %s", name, *failed.Error)
		return false
	}
	if failed.Skipped != nil {
		// Only streaming may be skipped, and only while kith has no
		// streaming endpoint: the scripts check that before skipping.
		t.Logf("%s: SKIPPED: %s", name, *failed.Skipped)
		return false
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Errorf("%s: %v in %s", name, err, raw)
		return false
	}
	return true
}

// apiGet fetches a Mastodon API path with a token and decodes the JSON.
func apiGet(t *testing.T, base, token, path string, v any) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", path, resp.StatusCode, body.String())
	}
	if err := json.Unmarshal(body.Bytes(), v); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, body.String())
	}
}

type apiStatus struct {
	ID         string `json:"id"`
	Content    string `json:"content"`
	Visibility string `json:"visibility"`
}

// ownStatuses lists the owner's statuses as another client would see them.
func ownStatuses(t *testing.T, dir, base string) []apiStatus {
	t.Helper()
	r := kith(t, dir, "", "token", "create", "--scopes", "read", "--name", "client test check")
	if r.code != 0 {
		t.Fatalf("token create: exit %d: %s", r.code, r.stderr)
	}
	token := strings.TrimSpace(r.stdout)
	var me struct {
		ID string `json:"id"`
	}
	apiGet(t, base, token, "/api/v1/accounts/verify_credentials", &me)
	var statuses []apiStatus
	apiGet(t, base, token, "/api/v1/accounts/"+me.ID+"/statuses", &statuses)
	return statuses
}

// newToot returns a runner of toot with its own config directory. toot
// keeps its config under XDG_CONFIG_HOME; --debug writes each request and
// answer to TOOT_LOG_FILE, printed if the test fails.
func newToot(t *testing.T) func(stdin string, args ...string) string {
	t.Helper()
	scratch := t.TempDir()
	logFile := filepath.Join(scratch, "toot.log")
	env := []string{"XDG_CONFIG_HOME=" + scratch, "HOME=" + scratch, "TOOT_LOG_FILE=" + logFile, "COLUMNS=120"}
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(logFile)
			t.Logf("toot debug log:\n%s", b)
		}
	})
	return func(stdin string, args ...string) string {
		t.Helper()
		return runClient(t, env, stdin, "toot", append(args, "--debug", "--verbose", "--no-color")...)
	}
}

var tootURLRE = regexp.MustCompile(`Toot posted: (\S+)`)

// testToot logs in with toot's password-grant login, then posts and reads.
func testToot(t *testing.T) {
	needTool(t, "/usr/bin/toot")
	dir, base := serveForClient(t)
	instance := strings.TrimPrefix(base, "http://")

	toot := newToot(t)

	out := toot(clientsPassword+"\n", "login_cli", "--instance", instance, "--email", "alice", "--disable-https")
	if !strings.Contains(out, "Successfully logged in") {
		t.Fatalf("toot login_cli: no success message:\n%s", out)
	}

	out = toot("", "whoami")
	if !strings.Contains(out, "@alice") || !strings.Contains(out, "Statuses: 0") {
		t.Errorf("toot whoami: want @alice with 0 statuses:\n%s", out)
	}

	out = toot("", "post", "hello from toot")
	m := tootURLRE.FindStringSubmatch(out)
	if m == nil || !strings.HasPrefix(m[1], base+"/") {
		t.Fatalf("toot post: want \"Toot posted: %s/...\":\n%s", base, out)
	}

	out = toot("", "timeline")
	if !strings.Contains(out, "hello from toot") {
		t.Errorf("toot timeline: no \"hello from toot\":\n%s", out)
	}

	statuses := ownStatuses(t, dir, base)
	if len(statuses) != 1 || !strings.Contains(statuses[0].Content, "hello from toot") {
		t.Errorf("the owner's statuses = %+v, want the one toot posted", statuses)
	}
}

// testMastodonPy runs tests/clients/mastodonpy.py and checks its steps.
func testMastodonPy(t *testing.T) {
	needTool(t, "/usr/lib/python3/dist-packages/mastodon/Mastodon.py")
	dir, base := serveForClient(t)
	// Debian's packages are importable only from Debian's python3; the
	// python3 first on PATH may be another.
	out := runClient(t, []string{"KITH_TEST_VIDEO=" + avTestFile(t, "video.webm")}, "", "/usr/bin/python3", "mastodonpy.py", base, "alice", clientsPassword)
	s := parseSteps(t, out)

	var version struct {
		Worked              bool
		Major, Minor, Patch int
		AtLeast4            bool `json:"at_least_4"`
	}
	if s.get(t, "version", &version) && (!version.Worked || !version.AtLeast4) {
		t.Errorf("Mastodon.py version check: %+v, want a 4.x version read from /api/v1/instance", version)
	}
	var me struct{ ID, Username, Acct string }
	if s.get(t, "verify_credentials", &me) && (me.Username != "alice" || me.Acct != "alice") {
		t.Errorf("verify_credentials: %+v, want alice", me)
	}
	var post apiStatus
	if s.get(t, "status_post", &post) && (post.Visibility != "unlisted" || !strings.Contains(post.Content, "hello from Mastodon.py")) {
		t.Errorf("status_post: %+v, want unlisted \"hello from Mastodon.py\"", post)
	}
	// A status is plain text, as on Mastodon: markup is shown as typed.
	var plain struct{ Content, Source string }
	const plainText = "Use <br> for line breaks; 3 < 5 and a <b>bold</b> tag"
	if s.get(t, "status_post_plain", &plain) &&
		(plain.Content != "<p>Use &lt;br&gt; for line breaks; 3 &lt; 5 and a &lt;b&gt;bold&lt;/b&gt; tag</p>" || plain.Source != plainText) {
		t.Errorf("status_post of plain text: %+v, want it escaped and its source as typed", plain)
	}
	var fav struct {
		ID              string
		Favourited      bool
		FavouritesCount int `json:"favourites_count"`
	}
	if s.get(t, "status_favourite", &fav) && (fav.ID != post.ID || !fav.Favourited || fav.FavouritesCount != 1) {
		t.Errorf("status_favourite: %+v, want status %s favourited once", fav, post.ID)
	}
	var home struct{ IDs []string }
	if s.get(t, "timeline_home", &home) && !slices.Contains(home.IDs, post.ID) {
		t.Errorf("timeline_home: ids %v lack the new status %s", home.IDs, post.ID)
	}
	var notes struct{ Count int }
	s.get(t, "notifications", &notes) // a list is all there is: nobody else is here to notify alice

	var media struct{ ID, Type, URL, Description string }
	if s.get(t, "media_post", &media) && (media.Type != "image" || media.Description != "a red square") {
		t.Errorf("media_post: %+v, want an image described \"a red square\"", media)
	}
	var withMedia struct {
		ID    string
		Media []struct{ ID, Type, URL string }
	}
	if s.get(t, "status_post_media", &withMedia) {
		if len(withMedia.Media) != 1 || withMedia.Media[0].ID != media.ID {
			t.Errorf("status_post with media_ids: attachments %+v, want %s", withMedia.Media, media.ID)
		} else {
			checkMediaFile(t, withMedia.Media[0].URL)
		}
	}
	var video struct {
		ID, Type, URL string
		PreviewURL    string `json:"preview_url"`
		Original      struct {
			Width, Height int
			FrameRate     string `json:"frame_rate"`
			Duration      float64
		}
		StatusMedia []string `json:"status_media"`
	}
	if s.get(t, "media_post_video", &video) {
		o := video.Original
		if video.Type != "video" || o.Width != 64 || o.Height != 48 || o.FrameRate != "10/1" || o.Duration < 0.9 ||
			video.PreviewURL == "" || len(video.StatusMedia) != 1 || video.StatusMedia[0] != video.ID {
			t.Errorf("media_post_video: %+v, want a 64x48 video at 10/1 with a preview, posted", video)
		}
	}

	var stream struct{ Posted, Received string }
	if s.get(t, "stream_user", &stream) && stream.Received != stream.Posted {
		t.Errorf("stream_user: %+v, want the update of the status posted", stream)
	}

	var deleted struct {
		ID   string
		Text string
		Gone bool
	}
	if s.get(t, "status_delete", &deleted) && (deleted.ID != post.ID || deleted.Text != "hello from Mastodon.py" || !deleted.Gone) {
		t.Errorf("status_delete: %+v, want %s deleted with its source text and then 404", deleted, post.ID)
	}

	for _, st := range ownStatuses(t, dir, base) {
		if st.ID == post.ID {
			t.Errorf("the deleted status %s is still listed", post.ID)
		}
	}
}

// checkMediaFile fetches an attachment's URL like an app showing it.
func checkMediaFile(t *testing.T, url string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Errorf("media url: %v", err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "image/") {
		t.Errorf("GET %s: status %d, Content-Type %q; want 200 and an image", url, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// testMastoJS runs tests/clients/masto.mjs with a token from kith token create.
func testMastoJS(t *testing.T) {
	cdir := clientsDir(t)
	needTool(t, filepath.Join(cdir, "node_modules", "masto", "package.json"))
	dir, base := serveForClient(t)
	r := kith(t, dir, "", "token", "create", "--scopes", "read write follow", "--name", "masto.js")
	if r.code != 0 {
		t.Fatalf("token create: exit %d: %s", r.code, r.stderr)
	}
	token := strings.TrimSpace(r.stdout)
	// Node 20 has a WebSocket only behind this flag; masto's streaming
	// client needs one.
	out := runClient(t, nil, "", "node", "--experimental-websocket", "--no-warnings", "masto.mjs", base, token)
	s := parseSteps(t, out)

	var me struct{ ID, Username, Acct string }
	if s.get(t, "verify_credentials", &me) && me.Username != "alice" {
		t.Errorf("verifyCredentials: %+v, want alice", me)
	}
	var post apiStatus
	if s.get(t, "status_create", &post) && (post.Visibility != "public" || !strings.Contains(post.Content, "hello from masto.js")) {
		t.Errorf("statuses.create: %+v, want public \"hello from masto.js\"", post)
	}
	var home struct{ IDs []string }
	if s.get(t, "timeline_home", &home) && !slices.Contains(home.IDs, post.ID) {
		t.Errorf("timelines.home.list: ids %v lack the new status %s", home.IDs, post.ID)
	}
	var fav struct {
		ID              string
		Favourited      bool
		FavouritesCount int
	}
	if s.get(t, "favourite", &fav) && (fav.ID != post.ID || !fav.Favourited || fav.FavouritesCount != 1) {
		t.Errorf("statuses.$select(id).favourite: %+v, want %s favourited once", fav, post.ID)
	}
	var instance struct {
		Domain, Version, Streaming string
		MaxCharacters              int
	}
	if s.get(t, "instance", &instance) {
		host := strings.TrimPrefix(base, "http://")
		if instance.Domain != host || !strings.HasPrefix(instance.Version, "4.") || instance.Streaming != "ws://"+host || instance.MaxCharacters == 0 {
			t.Errorf("v2.instance.fetch: %+v, want domain %s, a 4.x version, streaming ws://%s, a character limit", instance, host, host)
		}
	}
	var stream struct {
		Event    string
		Stream   []string
		Received string
		Posted   []string
	}
	if s.get(t, "streaming", &stream) && (stream.Event != "update" || !slices.Contains(stream.Posted, stream.Received) || !slices.Contains(stream.Stream, "user")) {
		t.Errorf("streaming user.subscribe: %+v, want an update of a status posted, on stream user", stream)
	} else if len(stream.Posted) > 1 {
		t.Logf("streaming: no update for the first %d of the statuses posted after subscribing %v", len(stream.Posted)-1, stream.Posted)
	}
}

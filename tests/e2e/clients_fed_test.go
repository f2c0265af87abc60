package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The federation client tests run two kith instances as child processes,
// alice at http://alice.test:PA and bob at http://bob.test:PB, each
// listening on 127.0.0.1 and resolving both names to loopback through
// [federation.hosts]. A real client drives alice; bob is driven through
// his API with a token from `kith token create`. Deliveries go through each
// instance's job queue, so the checks of what reached the other side poll
// its API with a bounded deadline.

// fedDeadline bounds one wait for a delivery between the two instances.
const fedDeadline = 20 * time.Second

// fedInstance is one of the pair.
type fedInstance struct {
	name, host string // "alice", "alice.test:PA"
	dir, cfg   string
	base       string // http://127.0.0.1:PORT, where clients connect
	proc       *process
}

// handle is the owner's fediverse handle, @alice@alice.test:PA.
func (f *fedInstance) handle() string { return "@" + f.name + "@" + f.host }

// token creates an access token for the owner with scopes.
func (f *fedInstance) token(t *testing.T, scopes string) string {
	t.Helper()
	r := kith(t, f.dir, "", "token", "create", "--config", f.cfg, "--scopes", scopes, "--name", "federation test")
	if r.code != 0 {
		t.Fatalf("%s: token create: exit %d: %s", f.name, r.code, r.stderr)
	}
	return strings.TrimSpace(r.stdout)
}

// startFedPair initializes and serves alice and bob, federating with each
// other over loopback.
func startFedPair(t *testing.T) (alice, bob *fedInstance) {
	t.Helper()
	n := startFedNetwork(t, "alice", "bob")
	return n[0], n[1]
}

// startFedNetwork initializes and serves one instance per name, each
// reaching the others as NAME.test through [federation.hosts].
func startFedNetwork(t *testing.T, names ...string) []*fedInstance {
	t.Helper()
	var all []*fedInstance
	hosts := ""
	for _, name := range names {
		port := freePort(t)
		f := &fedInstance{name: name, host: fmt.Sprintf("%s.test:%d", name, port), base: fmt.Sprintf("http://127.0.0.1:%d", port), dir: t.TempDir()}
		f.cfg = filepath.Join(f.dir, "kith.toml")
		hosts += fmt.Sprintf("%q = \"127.0.0.1:%d\"\n", name+".test", port)
		all = append(all, f)
	}
	for _, f := range all {
		r := kith(t, f.dir, clientsPassword+"\n", "init", "--config", f.cfg, "--url", "http://"+f.host, "--username", f.name, "--password-stdin")
		if r.code != 0 {
			t.Fatalf("%s: kith init: exit %d\n%s%s", f.name, r.code, r.stdout, r.stderr)
		}
		// init wrote url, data_dir, tls and owner; the file is rewritten
		// whole with the listener and the federation settings added.
		cfg := fmt.Sprintf(`[server]
url = "http://%s"
listen = "%s"
data_dir = "kith-data"
tls = "off"

[owner]
username = %q

[federation]
allow_private_addresses = true

[federation.hosts]
%s`, f.host, strings.TrimPrefix(f.base, "http://"), f.name, hosts)
		if err := os.WriteFile(f.cfg, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range all {
		f.proc = startServe(t, f.dir, "--config", f.cfg)
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("%s's kith serve output:\n%s", f.name, f.proc.output())
			}
		})
	}
	for _, f := range all {
		f.proc.waitHealthy(t, f.base)
	}
	return all
}

type fedNotification struct {
	ID      string
	Type    string
	Account struct{ Acct string }
	Status  *struct{ ID, URI, Content string }
}

// waitNotifications polls f's notifications until want accepts them, and
// returns them; it fails the test with the last list seen at the deadline.
func waitNotifications(t *testing.T, f *fedInstance, token, what string, want func([]fedNotification) bool) []fedNotification {
	t.Helper()
	deadline := time.Now().Add(fedDeadline)
	for {
		var notes []fedNotification
		apiGet(t, f.base, token, "/api/v1/notifications", &notes)
		if want(notes) {
			return notes
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s: not within %v; notifications: %+v", f.name, what, fedDeadline, notes)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// hasNotification reports whether notes hold one of type typ from acct.
func hasNotification(notes []fedNotification, typ, acct string) bool {
	for _, n := range notes {
		if n.Type == typ && strings.EqualFold(n.Account.Acct, acct) {
			return true
		}
	}
	return false
}

// apiPostForm posts a form to a Mastodon API path with a token and decodes
// the JSON answer, failing the test with kith's answer if it is not 200.
func apiPostForm(t *testing.T, base, token, path string, form url.Values, v any) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s %s: status %d: %s", path, form.Encode(), resp.StatusCode, body.String())
	}
	if err := json.Unmarshal(body.Bytes(), v); err != nil {
		t.Fatalf("POST %s: %v in %s", path, err, body.String())
	}
}

func TestClientsFederation(t *testing.T) {
	t.Run("Mastodon.py", testMastodonPyFederation)
	t.Run("toot", testTootFederation)
	t.Run("masto.js conversations", testMastoJSConversations)
}

// testMastodonPyFederation runs tests/clients/mastodonpy_fed.py against
// alice: find bob, follow him, see his post, favourite and reblog it; then
// checks on bob's instance that he was notified of both.
func testMastodonPyFederation(t *testing.T) {
	needTool(t, "/usr/lib/python3/dist-packages/mastodon/Mastodon.py")
	t.Parallel()
	alice, bob := startFedPair(t)
	bobToken := bob.token(t, "read write follow")

	out := runClient(t, nil, "", "/usr/bin/python3", "mastodonpy_fed.py",
		alice.base, "alice", clientsPassword, bob.handle(), bob.base, bobToken)
	s := parseSteps(t, out)
	fail := func() { t.Fatalf("Mastodon.py output:\n%s", out) }

	bobAcct := strings.TrimPrefix(bob.handle(), "@")
	var search struct {
		Accounts []struct{ ID, Acct, Username, URL string }
	}
	if !s.get(t, "search_v2", &search) {
		fail()
	}
	found := false
	for _, a := range search.Accounts {
		found = found || (strings.EqualFold(a.Acct, bobAcct) && a.Username == "bob")
	}
	if !found {
		t.Fatalf("search_v2(%q, resolve=True): accounts %+v, want acct %s", bob.handle(), search.Accounts, bobAcct)
	}
	var rel struct {
		ID                   string
		Following, Requested bool
	}
	if !s.get(t, "account_follow", &rel) {
		fail()
	}
	if !s.get(t, "relationship_following", &rel) || !rel.Following {
		t.Fatalf("account_relationships after the follow: %+v, want following", rel)
	}
	var posted struct{ ID, URI, URL, Content string }
	if !s.get(t, "bob_status_post", &posted) {
		fail()
	}
	var seen struct{ ID, URI, Acct, Content string }
	if !s.get(t, "timeline_home", &seen) {
		fail()
	}
	if seen.URI != posted.URI || !strings.EqualFold(seen.Acct, bobAcct) || !strings.Contains(seen.Content, "hello alice, from bob") {
		t.Errorf("alice's timeline_home has %+v, want bob's %+v by %s", seen, posted, bobAcct)
	}
	var fav struct {
		ID              string
		Favourited      bool
		FavouritesCount int `json:"favourites_count"`
	}
	if s.get(t, "status_favourite", &fav) && (fav.ID != seen.ID || !fav.Favourited || fav.FavouritesCount < 1) {
		t.Errorf("status_favourite: %+v, want %s favourited", fav, seen.ID)
	}
	var reblog struct {
		ID, Acct  string
		ReblogID  string `json:"reblog_id"`
		Reblogged bool
	}
	if s.get(t, "status_reblog", &reblog) && (reblog.ReblogID != seen.ID || !reblog.Reblogged || reblog.Acct != "alice") {
		t.Errorf("status_reblog: %+v, want alice's reblog of %s", reblog, seen.ID)
	}
	if t.Failed() {
		fail()
	}

	// On bob's instance: alice's follow, favourite and reblog arrived.
	aliceAcct := strings.TrimPrefix(alice.handle(), "@")
	notes := waitNotifications(t, bob, bobToken, "a favourite and a reblog from "+aliceAcct, func(n []fedNotification) bool {
		return hasNotification(n, "favourite", aliceAcct) && hasNotification(n, "reblog", aliceAcct)
	})
	for _, n := range notes {
		if (n.Type == "favourite" || n.Type == "reblog") && (n.Status == nil || n.Status.ID != posted.ID) {
			t.Errorf("bob's %s notification is about %+v, want his status %s", n.Type, n.Status, posted.ID)
		}
	}
	if !hasNotification(notes, "follow", aliceAcct) {
		t.Errorf("bob's notifications %+v lack alice's follow", notes)
	}
}

// testTootFederation has toot, logged in to alice, follow bob by his
// handle; bob then mentions alice, and toot's notifications show it.
func testTootFederation(t *testing.T) {
	needTool(t, "/usr/bin/toot")
	t.Parallel()
	alice, bob := startFedPair(t)
	bobToken := bob.token(t, "read write follow")
	aliceToken := alice.token(t, "read")

	toot := newToot(t)

	instance := strings.TrimPrefix(alice.base, "http://")
	out := toot(clientsPassword+"\n", "login_cli", "--instance", instance, "--email", "alice", "--disable-https")
	if !strings.Contains(out, "Successfully logged in") {
		t.Fatalf("toot login_cli: no success message:\n%s", out)
	}

	// toot follow searches (v2, resolve=true, type=accounts) for the handle
	// and follows the account whose acct matches it.
	out = toot("", "follow", bob.handle())
	if !strings.Contains(out, "You are now following "+bob.handle()) {
		t.Fatalf("toot follow %s: no confirmation:\n%s", bob.handle(), out)
	}

	// bob's instance accepts; the Accept comes back to alice.
	aliceAcct := strings.TrimPrefix(alice.handle(), "@")
	bobAcct := strings.TrimPrefix(bob.handle(), "@")
	var found []struct{ ID, Acct string }
	apiGet(t, alice.base, aliceToken, "/api/v1/accounts/search?resolve=false&q="+url.QueryEscape(bobAcct), &found)
	if len(found) == 0 {
		t.Fatalf("alice's instance does not know %s after toot follow", bobAcct)
	}
	deadline := time.Now().Add(fedDeadline)
	for {
		var rels []struct{ Following, Requested bool }
		apiGet(t, alice.base, aliceToken, "/api/v1/accounts/relationships?id[]="+found[0].ID, &rels)
		if len(rels) == 1 && rels[0].Following {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("alice's relationship with %s: %+v, want following within %v", bobAcct, rels, fedDeadline)
		}
		time.Sleep(50 * time.Millisecond)
	}
	waitNotifications(t, bob, bobToken, "alice's follow", func(n []fedNotification) bool {
		return hasNotification(n, "follow", aliceAcct)
	})

	// bob mentions alice.
	var mention apiStatus
	apiPostForm(t, bob.base, bobToken, "/api/v1/statuses",
		url.Values{"status": {alice.handle() + " a mention from bob's instance"}}, &mention)
	waitNotifications(t, alice, aliceToken, "bob's mention", func(n []fedNotification) bool {
		return hasNotification(n, "mention", bobAcct)
	})

	out = toot("", "notifications")
	for _, want := range []string{
		"@" + bobAcct + " mentioned you in",
		"a mention from bob's instance",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("toot notifications: no %q:\n%s", want, out)
		}
	}
	out = toot("", "notifications", "--mentions")
	if !strings.Contains(out, "a mention from bob's instance") {
		t.Errorf("toot notifications --mentions: no bob's mention:\n%s", out)
	}
}

package e2e

import (
	"database/sql"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMigrationCommands moves an account across three running instances
// with the operator commands only: carol (the new account) lists alice
// (the old one) as an alias with kith account alias add; alice runs kith
// account move; bob, who followed alice, follows carol instead. Running
// the move again changes nothing on bob's side. The commands run next to
// each kith serve, whose job runner picks up what they queued.
func TestMigrationCommands(t *testing.T) {
	n := startFedNetwork(t, "alice", "bob", "carol")
	alice, bob, carol := n[0], n[1], n[2]
	bobToken := bob.token(t, "read write follow")

	aliceOnBob := resolveAccount(t, bob, bobToken, alice.handle())
	apiPostForm(t, bob.base, bobToken, "/api/v1/accounts/"+aliceOnBob+"/follow", url.Values{}, &struct{}{})
	waitFor(t, "bob follows alice", func() bool { return following(t, bob, bobToken, aliceOnBob) })

	run := func(f *fedInstance, want string, args ...string) {
		t.Helper()
		r := kith(t, f.dir, "", append(args, "--config", f.cfg)...)
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Fatalf("%s: kith %s: exit %d\n%s%s", f.name, strings.Join(args, " "), r.code, r.stdout, r.stderr)
		}
	}
	// Moving before the new account lists the old one fails, clearly.
	r := kith(t, alice.dir, "", "account", "move", carol.handle(), "--config", alice.cfg)
	if r.code != 1 || !strings.Contains(r.stderr, "does not list this account") {
		t.Fatalf("move without the alias: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	run(carol, "Added alias @alice@"+alice.host, "account", "alias", "add", alice.handle())
	run(carol, "http://"+alice.host+"/users/alice", "account", "alias", "list")
	run(alice, "kith serve is running", "account", "move", carol.handle())

	carolOnBob := resolveAccount(t, bob, bobToken, carol.handle())
	waitFor(t, "bob follows carol", func() bool { return following(t, bob, bobToken, carolOnBob) })
	waitFor(t, "bob no longer follows alice", func() bool { return !following(t, bob, bobToken, aliceOnBob) })
	// Note: Mastodon has no "move" notification; kith's API lists it only
	// when asked for by type, as Akkoma does.
	moves := func() int {
		var notes []fedNotification
		apiGet(t, bob.base, bobToken, "/api/v1/notifications?types[]=move", &notes)
		c := 0
		for _, n := range notes {
			if n.Type == "move" && strings.EqualFold(n.Account.Acct, strings.TrimPrefix(alice.handle(), "@")) {
				c++
			}
		}
		return c
	}
	if got := moves(); got != 1 {
		t.Errorf("bob has %d move notifications, want 1", got)
	}

	// The Move again: delivered and applied, and nothing changes.
	run(alice, "Moved to @carol@"+carol.host, "account", "move", carol.handle())
	waitFor(t, "alice's queue to empty", func() bool { return !queueHas(t, alice, "deliver") })
	waitFor(t, "bob's inbox queue to empty", func() bool { return !queueHas(t, bob, "inbox") })
	if !following(t, bob, bobToken, carolOnBob) || following(t, bob, bobToken, aliceOnBob) {
		t.Errorf("after the second Move bob's follows changed")
	}
	if got := moves(); got != 1 {
		t.Errorf("after the second Move bob has %d move notifications, want 1", got)
	}

	// The new account's key changes while its server runs; bob still
	// takes its posts.
	run(carol, "kith serve is running", "account", "keys", "rotate")
	newKey := queryString(t, carol, `SELECT public_key_pem FROM owner`)
	waitFor(t, "bob stores carol's new key", func() bool {
		return queryString(t, bob, `SELECT public_key_pem FROM actors WHERE uri = ?`, "http://"+carol.host+"/users/carol") == newKey
	})
	carolToken := carol.token(t, "read write")
	var st struct{ URI string }
	apiPostForm(t, carol.base, carolToken, "/api/v1/statuses", url.Values{"status": {"hello from the new home"}}, &st)
	waitFor(t, "bob gets carol's post signed with the new key", func() bool {
		var home []struct{ URI string }
		apiGet(t, bob.base, bobToken, "/api/v1/timelines/home", &home)
		return len(home) > 0 && home[0].URI == st.URI
	})

	run(bob, "Refreshed @carol@"+carol.host, "actor", "refresh", carol.handle())
	run(bob, "Refreshed 2 of 2 remote accounts", "actor", "refresh", "--all")
	run(carol, "Removed alias http://"+alice.host+"/users/alice", "account", "alias", "remove", "http://"+alice.host+"/users/alice")
	r = kith(t, carol.dir, "", "account", "alias", "remove", alice.handle(), "--config", carol.cfg)
	if r.code != 1 || !strings.Contains(r.stderr, "is not an alias") {
		t.Errorf("removing it again: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, f := range n {
		if queueHas(t, f, "dead") {
			t.Errorf("%s has dead jobs", f.name)
		}
	}
}

// queryString reads one string from f's database, next to its running
// server.
func queryString(t *testing.T, f *fedInstance, q string, args ...any) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(f.dir, "kith-data", "kith.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var s string
	if err := db.QueryRow(q, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %s: %v", f.name, q, err)
	}
	return s
}

// resolveAccount finds an account by handle through f's search, fetching
// it if need be, and returns its id there.
func resolveAccount(t *testing.T, f *fedInstance, token, handle string) string {
	t.Helper()
	var res struct{ Accounts []struct{ ID string } }
	apiGet(t, f.base, token, "/api/v2/search?resolve=true&type=accounts&q="+url.QueryEscape(handle), &res)
	if len(res.Accounts) != 1 {
		t.Fatalf("%s: search %s: %d accounts", f.name, handle, len(res.Accounts))
	}
	return res.Accounts[0].ID
}

// following reports whether f's owner follows account id (accepted).
func following(t *testing.T, f *fedInstance, token, id string) bool {
	t.Helper()
	var rel []struct{ Following bool }
	apiGet(t, f.base, token, "/api/v1/accounts/relationships?id[]="+id, &rel)
	return len(rel) == 1 && rel[0].Following
}

// queueHas reports whether kith queue list on f shows a job of a kind or
// a dead job ("dead").
func queueHas(t *testing.T, f *fedInstance, what string) bool {
	t.Helper()
	args := []string{"queue", "list", "--config", f.cfg}
	if what == "dead" {
		args = append(args, "--dead")
	}
	r := kith(t, f.dir, "", args...)
	if r.code != 0 {
		t.Fatalf("%s: queue list: exit %d %s", f.name, r.code, r.stderr)
	}
	for _, l := range lines(r.stdout)[1:] {
		if fields := strings.Fields(l); what == "dead" || (len(fields) > 1 && fields[1] == what) {
			return true
		}
	}
	return false
}

// waitFor polls cond until it holds, for work other processes do on their
// own schedule, failing the test at fedDeadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(fedDeadline)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", fedDeadline, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

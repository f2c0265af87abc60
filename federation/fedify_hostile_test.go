package federation_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"kith/server"
	"kith/store"
	"kith/tests/fedify"
	"kith/tests/hostile"
)

// hostileProfile is the peer's hostile profile: the actor properties of
// the corpus's cases, one case's each.
var hostileProfile = []struct{ key, from string }{
	{"name", "actor-display-name"},
	{"summary", "actor-name-script"},
	{"attachment", "actor-fields"},
	{"url", "actor-urls-javascript"},
	{"icon", "actor-urls-javascript"},
	{"image", "actor-urls-mixed"},
	{"tag", "actor-emoji"},
}

// TestFedifyHostile sends the hostile corpus from a real Fedify peer:
// alice follows the peer, the peer takes a hostile profile and sends an
// Update, then every case without an actor of its own as a public Create,
// the last few mentioning alice. Whatever Fedify's vocabulary accepts must
// come out of kith's API as the corpus requires (tests/hostile).
func TestFedifyHostile(t *testing.T) {
	t.Parallel()
	corpus, err := hostile.Corpus()
	if err != nil {
		t.Fatal(err)
	}
	peer := fedify.Start(t, fedify.Options{})
	n := newNetworkWithHosts(t, map[string]string{"peer.test": peer.Addr()}, "alice")
	alice := n.nodes[0]
	ctx := context.Background()
	aliceURI := alice.fed.URLs().Actor()

	if _, err := alice.fed.Follow(ctx, peer.ActorURL()); err != nil {
		t.Fatal(err)
	}
	var peerActor store.Actor
	n.settleUntil("the peer to accept alice", func() bool {
		peerActor, err = alice.db.ActorByURI(ctx, peer.ActorURL())
		if err != nil {
			return false
		}
		f, err := alice.db.FollowBetween(ctx, alice.db.OwnerID(), peerActor.ID)
		return err == nil && f.State == store.FollowAccepted
	})

	// The hostile profile, property by property: Fedify may refuse some.
	profile := map[string]any{}
	for _, p := range hostileProfile {
		v := caseNamed(t, corpus, p.from).Actor[p.key]
		try := maps.Clone(profile)
		try[p.key] = v
		if err := peer.SetProfile(try); err != nil {
			t.Logf("Fedify refused the profile's %s from case %s: %v", p.key, p.from, err)
			continue
		}
		profile = try
	}
	if len(profile) < 4 {
		t.Fatalf("Fedify took only %d hostile profile properties: %v", len(profile), slices.Sorted(maps.Keys(profile)))
	}
	n.settleUntil("alice to refetch the peer's profile", func() bool {
		a, err := alice.db.ActorByURI(ctx, peer.ActorURL())
		return err == nil && a.DisplayName != peerActor.DisplayName
	})
	k := hostile.NewChecker()
	// What the peer serves is what kith must show: Fedify may write a
	// property differently from how the corpus has it.
	served := peer.Lookup(t, peer.ActorURL())
	k.Account(peer.ActorURL(), &hostile.Case{Name: "fedify-profile", Actor: served})

	var sent []*hostile.Case
	var refused []string
	sentURIs := map[string]string{} // note id → case name
	var actorless []hostile.Case
	for _, c := range corpus {
		if c.Actor == nil {
			actorless = append(actorless, c)
		}
	}
	followers := peer.ActorURL() + "/followers"
	mentions := 0
	for i, c := range actorless {
		cc := []string{followers}
		if i >= len(actorless)-5 { // the last few mention alice
			cc = append(cc, aliceURI)
		}
		id, obj, err := peer.Object(c.Note, []string{"https://www.w3.org/ns/activitystreams#Public"}, cc)
		if err != nil {
			refused = append(refused, c.Name)
			t.Logf("Fedify refused case %s: %v", c.Name, err)
			continue
		}
		if len(cc) > 1 {
			mentions++
		}
		// Expected values come from what the delivery carried: Fedify
		// rewrites some URLs (lower-case schemes, no leading blanks,
		// relative ones resolved against the note's id).
		sc := &hostile.Case{Name: c.Name, Text: c.Text, Note: obj}
		k.Status(id, sc)
		sent = append(sent, sc)
		sentURIs[id] = c.Name
	}
	t.Logf("Fedify sent %d cases and refused %d: %q", len(sent), len(refused), refused)
	if len(sent) < 12 {
		t.Fatalf("Fedify sent only %d cases", len(sent))
	}
	ids := map[string]int64{}
	n.settleUntil("alice to store the peer's posts", func() bool {
		for uri, c := range sentURIs {
			if p, ok := postOn(alice, uri); ok {
				ids[c] = p.ID
			}
		}
		return len(ids) == len(sent)
	})

	base := "http://" + alice.ln.Addr().String()
	_, token, err := server.CreateAppToken(ctx, alice.db, "hostile test", "", "urn:ietf:wg:oauth:2.0:oob", "read write follow")
	if err != nil {
		t.Fatal(err)
	}
	var problems []string
	check := func(path string) any {
		v := apiJSON(t, base, token, path)
		problems = append(problems, k.Check("GET "+path, v)...)
		return v
	}
	for _, id := range ids {
		check("/api/v1/statuses/" + strconv.FormatInt(id, 10))
	}
	account := strconv.FormatInt(peerActor.ID, 10)
	check("/api/v1/accounts/" + account)
	check("/api/v1/accounts/" + account + "/statuses?limit=40")
	check("/api/v1/timelines/home?limit=40")
	notes := check("/api/v1/notifications?limit=40")
	got := 0
	for _, nt := range notes.([]any) {
		if nt.(map[string]any)["type"] == "mention" {
			got++
		}
	}
	if got != mentions {
		t.Errorf("alice has %d mention notifications, want %d: one per case sent mentioning her", got, mentions)
	}
	for _, line := range problems {
		t.Error(line)
	}
	for _, c := range sent {
		if k.Seen[c.Name] == 0 {
			t.Errorf("case %s: sent by Fedify, but no status of it on alice's API", c.Name)
		}
	}
}

func caseNamed(t *testing.T, corpus []hostile.Case, name string) hostile.Case {
	t.Helper()
	for _, c := range corpus {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no case %s in the corpus", name)
	return hostile.Case{}
}

// apiJSON reads a Mastodon API path with a token.
func apiJSON(t *testing.T, base, token, path string) any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d, %v", path, resp.StatusCode, err)
	}
	return v
}

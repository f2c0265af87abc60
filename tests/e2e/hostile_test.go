package e2e

import (
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"kith/tests/hostile"
)

// The hostile corpus (tests/hostile/corpus.json) delivered through alice's
// signed inbox, as remote servers would send it. deliverHostileCorpus
// leaves it on alice for the checks of every surface: the API and its
// stream, the owner's public pages, feeds and ActivityPub documents here,
// and the browser tests.

// hostileRun is the corpus as it landed on alice.
type hostileRun struct {
	Corpus []hostile.Case
	Token  string // alice's owner token, "read write follow"
	Actors map[string]*fakeActor
	// Accounts, Statuses and URIs map a case name to its actor's account
	// id, its status id on alice and its note's id.
	Accounts, Statuses, URIs map[string]string
	// Visibility is "public" for most cases, "direct" for Direct.
	Visibility map[string]string
	Direct     string            // the case sent to alice alone
	Mentioning []string          // the public cases that mention alice
	Boosts     map[string]string // boosted case name → alice's reblog status id
	Favourited string            // the case alice favourited
	Reply      string            // alice's public reply to a hostile post, mentioning the hostile profiles
}

// Which cases alice addresses how. The names are corpus cases.
var (
	hostileDirect     = "cw-html"
	hostileBoosts     = []string{"script-tag", "hostile-attachments", "poll-one-of", "alt-text", "emoji-shortcodes", "hashtag-script", "mention-hrefs", "note-url-javascript", "actor-display-name", "actor-fields", "actor-urls-javascript"}
	hostileFavourite  = "poll-any-of"
	hostileReplyTo    = "actor-urls-javascript"
	hostileMentioning = 4 // the last cases mention alice
)

// deliverHostileCorpus creates the corpus's fake actors (one shared, one
// per case with an actor), makes alice follow them, and delivers every
// case as a signed Create: public, every fourth one a reply to the case
// before, the last few mentioning alice, hostileDirect as a direct message.
// Then alice boosts a few of them, favourites one and answers one, so
// remote data reaches her profile, her feeds and her outbox.
func deliverHostileCorpus(t *testing.T, alice *fedInstance) hostileRun {
	t.Helper()
	corpus, err := hostile.Corpus()
	if err != nil || len(corpus) < 40 {
		t.Fatalf("hostile corpus: %v (%d cases)", err, len(corpus))
	}
	run := hostileRun{Corpus: corpus, Token: alice.token(t, "read write follow"), Direct: hostileDirect,
		Actors: map[string]*fakeActor{}, Accounts: map[string]string{}, Statuses: map[string]string{},
		URIs: map[string]string{}, Visibility: map[string]string{}, Boosts: map[string]string{}}
	shared := newFakeActor(t, "", "hostile", map[string]any{"name": "Hostile corpus"})
	for _, c := range corpus {
		run.Actors[c.Name] = shared
		if c.Actor != nil {
			run.Actors[c.Name] = newFakeActor(t, "", strings.ReplaceAll(c.Name, "-", "_"), c.Actor)
		}
	}
	accounts := followFakeActors(t, alice, run.Token, slices.Collect(maps.Values(run.Actors)))
	for name, a := range run.Actors {
		run.Accounts[name] = accounts[a.uri]
	}

	aliceURI := "http://" + alice.host + "/users/alice"
	for i, c := range corpus {
		a := run.Actors[c.Name]
		note := a.note(i, "")
		maps.Copy(note, c.Note)
		if i%4 == 3 {
			note["inReplyTo"] = run.URIs[corpus[i-1].Name]
		}
		run.Visibility[c.Name] = "public"
		mention := map[string]any{"type": "Mention", "href": aliceURI, "name": "@alice@" + alice.host}
		switch {
		case c.Name == hostileDirect:
			note["to"], note["cc"] = []string{aliceURI}, []string{}
			note["tag"] = append(asList(note["tag"]), mention)
			run.Visibility[c.Name] = "direct"
		case i >= len(corpus)-hostileMentioning:
			note["cc"] = []string{a.uri + "/followers", aliceURI}
			note["tag"] = append(asList(note["tag"]), mention)
			run.Mentioning = append(run.Mentioning, c.Name)
		}
		run.URIs[c.Name] = note["id"].(string)
		a.deliver(t, alice, a.create(note))
	}
	run.findStatuses(t, alice)

	for _, name := range hostileBoosts {
		var boost struct{ ID string }
		apiPostForm(t, alice.base, run.Token, "/api/v1/statuses/"+run.Statuses[name]+"/reblog", nil, &boost)
		run.Boosts[name] = boost.ID
	}
	run.Favourited = hostileFavourite
	var fav struct{ ID string }
	apiPostForm(t, alice.base, run.Token, "/api/v1/statuses/"+run.Statuses[hostileFavourite]+"/favourite", nil, &fav)
	// The reply mentions every actor with a hostile profile: kith writes
	// their links into alice's own post, her feeds and her outbox.
	var handles []string
	for _, c := range corpus {
		if a := run.Actors[c.Name]; c.Actor != nil {
			handles = append(handles, "@"+a.username+"@"+a.host)
		}
	}
	var reply struct{ ID string }
	apiPostForm(t, alice.base, run.Token, "/api/v1/statuses", url.Values{
		"status":         {strings.Join(handles, " ") + " alice answers the hostile corpus"},
		"in_reply_to_id": {run.Statuses[hostileReplyTo]},
		"visibility":     {"public"},
	}, &reply)
	run.Reply = reply.ID
	return run
}

// followFakeActors makes alice follow each actor (each answers with an
// Accept) and returns their account ids on alice by actor id.
func followFakeActors(t *testing.T, alice *fedInstance, token string, actors []*fakeActor) map[string]string {
	t.Helper()
	ids := map[string]string{}
	for _, a := range actors {
		if ids[a.uri] != "" {
			continue
		}
		var found struct{ Accounts []struct{ ID, Acct string } }
		apiGet(t, alice.base, token, "/api/v2/search?type=accounts&resolve=true&q="+url.QueryEscape(a.uri), &found)
		if len(found.Accounts) != 1 {
			t.Fatalf("search %s: accounts %+v, want the one actor", a.uri, found.Accounts)
		}
		ids[a.uri] = found.Accounts[0].ID
		var rel struct{ Following, Requested bool }
		apiPostForm(t, alice.base, token, "/api/v1/accounts/"+ids[a.uri]+"/follow", nil, &rel)
		a.deliver(t, alice, map[string]any{
			"@context": "https://www.w3.org/ns/activitystreams",
			"id":       a.uri + "#accepts/1",
			"type":     "Accept",
			"actor":    a.uri,
			"object":   map[string]any{"type": "Follow", "actor": "http://" + alice.host + "/users/alice", "object": a.uri},
		})
	}
	deadline := time.Now().Add(fedDeadline)
	for uri, id := range ids {
		for {
			var rels []struct{ Following bool }
			apiGet(t, alice.base, token, "/api/v1/accounts/relationships?id[]="+id, &rels)
			if len(rels) == 1 && rels[0].Following {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("alice does not follow %s within %v: %+v", uri, fedDeadline, rels)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return ids
}

// findStatuses waits until alice has stored every case, the public ones on
// her home timeline and the direct one among her notifications, and
// records their status ids.
func (run *hostileRun) findStatuses(t *testing.T, alice *fedInstance) {
	t.Helper()
	byURI := map[string]string{}
	for name, uri := range run.URIs {
		byURI[uri] = name
	}
	deadline := time.Now().Add(fedDeadline)
	for {
		for _, path := range []string{"/api/v1/timelines/home", "/api/v1/notifications"} {
			for _, v := range apiPages(t, alice.base, run.Token, path) {
				st, _ := v.(map[string]any)
				if n, ok := st["status"].(map[string]any); ok { // a notification
					st = n
				}
				uri, _ := st["uri"].(string)
				if name := byURI[uri]; name != "" {
					run.Statuses[name] = st["id"].(string)
				}
			}
		}
		if len(run.Statuses) == len(run.Corpus) {
			return
		}
		if time.Now().After(deadline) {
			var missing []string
			for _, c := range run.Corpus {
				if run.Statuses[c.Name] == "" {
					missing = append(missing, c.Name)
				}
			}
			t.Fatalf("alice has not shown %d cases within %v: %q", len(missing), fedDeadline, missing)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// apiPages reads every page of a Mastodon API list, following max_id.
func apiPages(t *testing.T, base, token, path string) []any {
	t.Helper()
	var all []any
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	maxID := ""
	for range 20 {
		var page []any
		q := path + sep + "limit=40"
		if maxID != "" {
			q += "&max_id=" + maxID
		}
		apiGet(t, base, token, q, &page)
		if len(page) == 0 {
			return all
		}
		all = append(all, page...)
		last, _ := page[len(page)-1].(map[string]any)
		next, _ := last["id"].(string)
		if next == "" || next == maxID {
			return all
		}
		maxID = next
	}
	t.Fatalf("GET %s: more than 20 pages", path)
	return nil
}

// asList is a property holding nothing, one value or an array, as a list.
func asList(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return slices.Clone(v)
	default:
		return []any{v}
	}
}

// hostileChecker knows which case each status and account of run came from.
func (run *hostileRun) checker() *hostile.Checker {
	k := hostile.NewChecker()
	for i := range run.Corpus {
		c := &run.Corpus[i]
		k.Status(run.URIs[c.Name], c)
		if c.Actor != nil {
			k.Account(run.Actors[c.Name].uri, c)
		}
	}
	return k
}

// reportProblems fails the test with each problem, or with a count past the first
// few dozen so one broken rule does not bury the others.
func reportProblems(t *testing.T, problems []string) {
	t.Helper()
	for i, p := range problems {
		if i == 60 {
			t.Errorf("... and %d more", len(problems)-i)
			return
		}
		t.Error(p)
	}
}

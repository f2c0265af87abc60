package e2e

import (
	"cmp"
	"fmt"
	"html"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"kith/tests/hostile"
)

// What TestBrowserHostile adds to deliverHostileCorpus so that every page
// has remote data to show, on the hostile instance and its clean twin
// alike: hostile actors following alice and asking to, liking and
// boosting her reply, editing a post she boosted and answering her reply;
// alice bookmarking and favouriting their posts and muting one of them.
// And the clean twin itself: the same deliveries with harmless words.

// Which cases' actors do what. The names are corpus cases.
var (
	hostileFollowers  = []string{"script-tag", "actor-display-name", "actor-name-script", "actor-fields", "actor-urls-javascript", "actor-emoji"}
	hostileRequester  = "actor-urls-mixed"    // follows once alice approves followers
	hostileLiker      = "actor-name-script"   // favourites alice's reply
	hostileAnnouncer  = "actor-emoji"         // boosts alice's reply
	hostileUpdated    = "hostile-attachments" // boosted by alice, then edited
	hostileAnswer     = "unclosed-anchor"     // its note comes back as an answer to alice's reply
	hostileMuted      = "actor-urls-encoded"  // alice mutes its actor
	hostileTag        = "fine_tag"            // a tag page with remote posts for the owner
	hostileTagged     = "hashtag-hrefs"       // the case tagged hostileTag
	hostileFavourites = []string{"script-tag", "unclosed-inline", "stray-closers", "misnested", "actor-fields"}
)

// hostileExtras is what hostileInteractions added to a run.
type hostileExtras struct {
	Descendant     string // the status id of the answer to alice's reply
	DescendantCase string // the case whose note it repeats
}

// hostileInteractions has run's actors and alice act on each other as
// described above, and waits until f shows all of it.
func hostileInteractions(t *testing.T, f *fedInstance, run hostileRun) hostileExtras {
	t.Helper()
	aliceURI := "http://" + f.host + "/users/alice"
	var reply struct{ URI string }
	apiGet(t, f.base, run.Token, "/api/v1/statuses/"+run.Reply, &reply)
	send := func(name string, act map[string]any) {
		a := run.Actors[name]
		act["@context"], act["actor"] = "https://www.w3.org/ns/activitystreams", a.uri
		a.deliver(t, f, act)
	}
	for _, name := range hostileFollowers {
		send(name, map[string]any{"id": run.Actors[name].uri + "#follows/alice", "type": "Follow", "object": aliceURI})
	}
	// The inbox takes the follows in the background: lock only once it has.
	var me struct{ ID string }
	apiGet(t, f.base, run.Token, "/api/v1/accounts/verify_credentials", &me)
	for deadline := time.Now().Add(fedDeadline); ; time.Sleep(50 * time.Millisecond) {
		var followers []struct{ ID string }
		apiGet(t, f.base, run.Token, "/api/v1/accounts/"+me.ID+"/followers?limit=40", &followers)
		if len(followers) >= len(hostileFollowers) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d followers within %v, want %d", f.host, len(followers), fedDeadline, len(hostileFollowers))
		}
	}
	apiSend(t, http.MethodPatch, f.base, run.Token, "/api/v1/accounts/update_credentials", url.Values{"locked": {"true"}})
	send(hostileRequester, map[string]any{"id": run.Actors[hostileRequester].uri + "#follows/alice", "type": "Follow", "object": aliceURI})
	send(hostileLiker, map[string]any{"id": run.Actors[hostileLiker].uri + "#likes/1", "type": "Like", "object": reply.URI})
	announcer := run.Actors[hostileAnnouncer]
	send(hostileAnnouncer, map[string]any{"id": announcer.uri + "/boosts/1", "type": "Announce", "object": reply.URI,
		"to": []string{"https://www.w3.org/ns/activitystreams#Public"}, "cc": []string{announcer.uri + "/followers", aliceURI},
		"published": time.Now().UTC().Format(time.RFC3339)})

	edited := run.noteOf(t, f, hostileUpdated)
	edited["updated"] = time.Now().UTC().Format(time.RFC3339)
	edited["content"] = fmt.Sprint(edited["content"], "<p>edited</p>") // kith tells alice only of new text
	send(hostileUpdated, map[string]any{"id": edited["id"].(string) + "#updates/1", "type": "Update", "object": edited,
		"to": edited["to"], "cc": edited["cc"]})

	a := run.Actors[hostileAnswer]
	answer := a.note(len(run.Corpus), "")
	maps.Copy(answer, run.caseNamed(hostileAnswer).Note)
	answer["id"], answer["inReplyTo"] = a.uri+"/statuses/answer", reply.URI
	answer["cc"] = []string{a.uri + "/followers", aliceURI}
	answer["tag"] = append(asList(answer["tag"]), map[string]any{"type": "Mention", "href": aliceURI, "name": "@alice@" + f.host})
	a.deliver(t, f, a.create(answer))

	var ok struct{ ID string }
	for _, c := range run.Corpus {
		if run.Visibility[c.Name] == "public" {
			apiPostForm(t, f.base, run.Token, "/api/v1/statuses/"+run.Statuses[c.Name]+"/bookmark", nil, &ok)
		}
	}
	for _, name := range hostileFavourites {
		apiPostForm(t, f.base, run.Token, "/api/v1/statuses/"+run.Statuses[name]+"/favourite", nil, &ok)
	}
	apiPostForm(t, f.base, run.Token, "/api/v1/accounts/"+run.Accounts[hostileMuted]+"/mute", url.Values{"notifications": {"false"}}, &ok)

	return waitInteractions(t, f, run, answer["id"].(string))
}

// waitInteractions waits until f has stored the answer to alice's reply
// and notified her of every interaction, then marks her notifications
// read, so no page shows an unread badge that the first visit to
// /notifications would take away halfway through the pages.
func waitInteractions(t *testing.T, f *fedInstance, run hostileRun, answer string) hostileExtras {
	t.Helper()
	x := hostileExtras{DescendantCase: hostileAnswer}
	for deadline := time.Now().Add(fedDeadline); ; time.Sleep(50 * time.Millisecond) {
		var ctx struct{ Descendants []struct{ ID, URI string } }
		apiGet(t, f.base, run.Token, "/api/v1/statuses/"+run.Reply+"/context", &ctx)
		for _, d := range ctx.Descendants {
			if d.URI == answer {
				x.Descendant = d.ID
			}
		}
		counts, newest := map[string]int{}, ""
		for _, v := range apiPages(t, f.base, run.Token, "/api/v1/notifications") {
			n, _ := v.(map[string]any)
			typ, _ := n["type"].(string)
			counts[typ]++
			if newest == "" {
				newest, _ = n["id"].(string)
			}
		}
		if x.Descendant != "" && counts["follow"] >= len(hostileFollowers) && counts["follow_request"] >= 1 &&
			counts["favourite"] >= 1 && counts["reblog"] >= 1 && counts["update"] >= 1 {
			var markers map[string]any
			apiPostForm(t, f.base, run.Token, "/api/v1/markers", url.Values{"notifications[last_read_id]": {newest}}, &markers)
			return x
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: within %v: answer %q, notifications %v", f.host, fedDeadline, x.Descendant, counts)
		}
	}
}

// caseNamed is the case of run called name.
func (run *hostileRun) caseNamed(name string) hostile.Case {
	for _, c := range run.Corpus {
		if c.Name == name {
			return c
		}
	}
	panic("no case " + name)
}

// noteOf rebuilds the note of a case as f stored it, for an Update: the
// case's properties over a plain note with its id, date and audience.
func (run *hostileRun) noteOf(t *testing.T, f *fedInstance, name string) map[string]any {
	t.Helper()
	var st struct {
		CreatedAt string `json:"created_at"`
	}
	apiGet(t, f.base, run.Token, "/api/v1/statuses/"+run.Statuses[name], &st)
	a := run.Actors[name]
	note := a.note(0, "")
	maps.Copy(note, run.caseNamed(name).Note)
	note["id"], note["published"] = run.URIs[name], st.CreatedAt
	return note
}

// caseOf maps each status id of run (posts, alice's boosts of them, the
// answer to alice) to the name of its case.
func (run *hostileRun) caseOf(x hostileExtras) map[string]string {
	m := map[string]string{}
	for name, id := range run.Statuses {
		m[id] = name
	}
	for name, id := range run.Boosts {
		m[id] = name
	}
	if x.Descendant != "" {
		m[x.Descendant] = x.DescendantCase
	}
	return m
}

// apiSend sends a form with method and fails the test unless kith
// answers 200.
func apiSend(t *testing.T, method, base, token, path string, form url.Values) {
	t.Helper()
	req, _ := http.NewRequest(method, base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: status %d", method, path, resp.StatusCode)
	}
}

// deliverCleanTwin gives clean what deliverHostileCorpus gave the hostile
// instance, with every case made harmless (cleanCase): the same actors
// (by username), follows, replies (as the hostile instance stored them),
// audiences, mentions, boosts, favourite and reply of alice, in the same
// order, so every page has the same shape on both.
//
// deliverHostileCorpus takes no corpus, hence this replay of what it did;
// it reads run and the hostile instance f, not the harness's rules.
func deliverCleanTwin(t *testing.T, f *fedInstance, run hostileRun, clean *fedInstance) hostileRun {
	t.Helper()
	twin := hostileRun{Token: clean.token(t, "read write follow"), Direct: run.Direct, Favourited: run.Favourited,
		Mentioning: run.Mentioning, Actors: map[string]*fakeActor{}, Accounts: map[string]string{},
		Statuses: map[string]string{}, URIs: map[string]string{}, Visibility: map[string]string{}, Boosts: map[string]string{}}
	twin.Corpus = make([]hostile.Case, len(run.Corpus))
	for i, c := range run.Corpus {
		twin.Corpus[i] = cleanCase(c)
	}
	twin.followTwinActors(t, clean, run)
	parent := run.parents(t, f)
	aliceURI := "http://" + clean.host + "/users/alice"
	mention := map[string]any{"type": "Mention", "href": aliceURI, "name": "@alice@" + clean.host}
	for i, c := range twin.Corpus {
		a := twin.Actors[c.Name]
		note := a.note(i, "")
		maps.Copy(note, c.Note)
		if p := parent[c.Name]; p != "" {
			note["inReplyTo"] = twin.URIs[p]
		}
		twin.Visibility[c.Name] = run.Visibility[c.Name]
		switch {
		case c.Name == run.Direct:
			note["to"], note["cc"] = []string{aliceURI}, []string{}
			note["tag"] = append(asList(note["tag"]), mention)
		case slices.Contains(run.Mentioning, c.Name):
			note["cc"] = []string{a.uri + "/followers", aliceURI}
			note["tag"] = append(asList(note["tag"]), mention)
		}
		twin.URIs[c.Name] = note["id"].(string)
		a.deliver(t, clean, a.create(note))
	}
	twin.findStatuses(t, clean)
	boosted := slices.SortedFunc(maps.Keys(run.Boosts), func(a, b string) int { return byID(run.Boosts[a], run.Boosts[b]) })
	for _, name := range boosted { // in the order alice boosted them there
		var boost struct{ ID string }
		apiPostForm(t, clean.base, twin.Token, "/api/v1/statuses/"+twin.Statuses[name]+"/reblog", nil, &boost)
		twin.Boosts[name] = boost.ID
	}
	var ok struct{ ID string }
	apiPostForm(t, clean.base, twin.Token, "/api/v1/statuses/"+twin.Statuses[run.Favourited]+"/favourite", nil, &ok)
	apiPostForm(t, clean.base, twin.Token, "/api/v1/statuses", url.Values{
		"status": {"alice answers the clean twin"}, "in_reply_to_id": {twin.Statuses[parent[""]]}, "visibility": {"public"},
	}, &ok)
	twin.Reply = ok.ID
	return twin
}

// followTwinActors gives the twin an actor for each of run's, with the
// same username and a harmless profile, and has alice follow them in the
// order the hostile instance numbered them, so lists of accounts come in
// the same order.
func (twin *hostileRun) followTwinActors(t *testing.T, clean *fedInstance, run hostileRun) {
	t.Helper()
	actors := map[*fakeActor]*fakeActor{}
	var list []*fakeActor
	for _, name := range slices.SortedFunc(maps.Keys(run.Accounts), func(a, b string) int { return byID(run.Accounts[a], run.Accounts[b]) }) {
		a := run.Actors[name]
		if actors[a] == nil {
			actors[a] = newFakeActor(t, "", a.username, cleanProfile(a.profile))
			list = append(list, actors[a])
		}
		twin.Actors[name] = actors[a]
	}
	accounts := followFakeActors(t, clean, twin.Token, list)
	for name, a := range twin.Actors {
		twin.Accounts[name] = accounts[a.uri]
	}
}

// byID orders numeric ids as numbers.
func byID(a, b string) int {
	x, _ := strconv.ParseInt(a, 10, 64)
	y, _ := strconv.ParseInt(b, 10, 64)
	return cmp.Compare(x, y)
}

// parents maps each case that answers another to that case, as f stored
// them, and "" to the case alice's reply answers.
func (run *hostileRun) parents(t *testing.T, f *fedInstance) map[string]string {
	t.Helper()
	nameOf := map[string]string{}
	for name, id := range run.Statuses {
		nameOf[id] = name
	}
	parent := map[string]string{}
	for name, id := range run.Statuses {
		var st struct {
			InReplyToID *string `json:"in_reply_to_id"`
		}
		apiGet(t, f.base, run.Token, "/api/v1/statuses/"+id, &st)
		if st.InReplyToID != nil {
			parent[name] = nameOf[*st.InReplyToID]
		}
	}
	var st struct {
		InReplyToID string `json:"in_reply_to_id"`
	}
	apiGet(t, f.base, run.Token, "/api/v1/statuses/"+run.Reply, &st)
	parent[""] = nameOf[st.InReplyToID]
	return parent
}

// validHashtag is a hashtag kith keeps: letters, digits and underscores.
var validHashtag = regexp.MustCompile(`^#[\p{L}\p{N}_]+$`)

// cleanCase is c with harmless words in every field another server
// writes and no URL, keeping what gives its post its place and shape:
// type, content warning and sensitivity, poll (options renamed), valid
// hashtags, dates. Attachments are left out (pageSkeleton skips them).
func cleanCase(c hostile.Case) hostile.Case {
	note := map[string]any{"content": "<p>" + html.EscapeString(c.Text) + "</p>"}
	for k, v := range c.Note {
		switch k {
		case "type", "sensitive", "endTime", "closed", "updated", "votersCount":
			note[k] = v
		case "summary", "name":
			if s, _ := v.(string); s != "" {
				note[k] = "harmless " + k
			}
		case "oneOf", "anyOf":
			var options []any
			for i, o := range hostile.Objects(c.Note, k) {
				options = append(options, map[string]any{"type": "Note", "name": fmt.Sprintf("option %d", i+1), "replies": o["replies"]})
			}
			note[k] = options
		case "tag":
			var tags []any
			for _, tag := range hostile.Objects(c.Note, k) {
				if name, _ := tag["name"].(string); tag["type"] == "Hashtag" && validHashtag.MatchString(name) {
					tags = append(tags, map[string]any{"type": "Hashtag", "name": name, "href": "http://tags.example/" + url.PathEscape(name[1:])})
				}
			}
			if tags != nil {
				note[k] = tags
			}
		}
	}
	c.Note = note
	if c.Actor != nil {
		c.Actor = cleanProfile(c.Actor)
	}
	return c
}

// cleanProfile keeps an actor's name and bio, made harmless, and drops
// the rest (fields, pictures, URLs, emoji).
func cleanProfile(p map[string]any) map[string]any {
	out := map[string]any{}
	if s, _ := p["name"].(string); s != "" {
		out["name"] = "Harmless name"
	}
	if s, _ := p["summary"].(string); s != "" {
		out["summary"] = "<p>harmless bio</p>"
	}
	return out
}

package e2e

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"kith/server/servertest"
	"kith/tests/hostile"
)

// TestHostileCorpus delivers the hostile corpus to alice through her
// signed inbox and checks everything that shows it, without a browser: the
// Mastodon API (timelines, statuses and threads, accounts, notifications,
// search, conversations, favourites) and its user stream, then as a visitor
// her profile page, her boosts' pages, her RSS and Atom feeds and her
// ActivityPub outbox. Plain-text fields must come back as sent, HTML fields
// sanitized and well-formed, every URL absolute http(s) (tests/hostile).
func TestHostileCorpus(t *testing.T) {
	t.Parallel()
	alice, _ := startAlice(t, nil)
	token := alice.token(t, "read write follow")
	var clean struct{ ID string }
	apiPostForm(t, alice.base, token, "/api/v1/statuses", url.Values{"status": {"a clean post before the corpus"}}, &clean)
	baseProfile := visitorPage(t, alice, "/@alice")
	baseStatus := visitorPage(t, alice, "/@alice/"+clean.ID)
	stream := openUserStream(t, alice, token)

	run := deliverHostileCorpus(t, alice)
	k := run.checker()

	t.Run("API", func(t *testing.T) { checkHostileAPI(t, alice, run, k) })
	t.Run("stream", func(t *testing.T) { checkHostileStream(t, run, k, stream) })
	t.Run("pages", func(t *testing.T) { checkHostilePages(t, alice, run, baseProfile, baseStatus) })
	t.Run("feeds", func(t *testing.T) {
		for _, path := range []string{"/@alice.rss", "/@alice.atom"} {
			reportProblems(t, feedProblems(path, visitorPage(t, alice, path), "alice answers the hostile corpus"))
		}
	})
	t.Run("outbox", func(t *testing.T) { checkHostileOutbox(t, alice, run) })
	for _, c := range run.Corpus {
		if k.Seen[c.Name] == 0 {
			t.Errorf("case %s: no status of it was checked", c.Name)
		}
	}
}

// checkHostileAPI reads every API surface that lists remote statuses and
// accounts with alice's owner token.
func checkHostileAPI(t *testing.T, alice *fedInstance, run hostileRun, k *hostile.Checker) {
	var problems []string
	check := func(path string, v any) { problems = append(problems, k.Check("GET "+path, v)...) }
	for _, path := range []string{"/api/v1/timelines/home", "/api/v1/timelines/public", "/api/v1/notifications",
		"/api/v1/conversations", "/api/v1/favourites"} {
		check(path, apiPages(t, alice.base, run.Token, path))
	}
	seenAccounts := map[string]bool{}
	for _, c := range run.Corpus {
		for _, path := range []string{"/api/v1/statuses/" + run.Statuses[c.Name], "/api/v1/statuses/" + run.Statuses[c.Name] + "/context"} {
			var v any
			apiGet(t, alice.base, run.Token, path, &v)
			check(path, v)
		}
		if id := run.Accounts[c.Name]; !seenAccounts[id] {
			seenAccounts[id] = true
			var v any
			apiGet(t, alice.base, run.Token, "/api/v1/accounts/"+id, &v)
			check("/api/v1/accounts/"+id, v)
			check("/api/v1/accounts/"+id+"/statuses", apiPages(t, alice.base, run.Token, "/api/v1/accounts/"+id+"/statuses"))
		}
	}
	// Search finds hostile accounts by display name, statuses by their
	// words and hashtags by name; what it finds passes the same checks.
	for _, s := range []struct{ q, list, want string }{
		{"Mallory", "accounts", run.Actors["actor-display-name"].uri},
		{"h31 alt text", "statuses", run.URIs["alt-text"]},
		{"fine_tag", "hashtags", "fine_tag"},
		{"café", "hashtags", "café"},
		{"<script>", "", ""},
		{"javascript:", "", ""},
	} {
		var v map[string]any
		path := "/api/v2/search?resolve=false&q=" + url.QueryEscape(s.q)
		apiGet(t, alice.base, run.Token, path, &v)
		check(path, v)
		found := s.list == ""
		for _, o := range objectList(v[s.list]) {
			found = found || o["uri"] == s.want || o["name"] == s.want
		}
		if !found {
			problems = append(problems, "GET "+path+": no "+s.list+" "+s.want)
		}
		for _, tag := range objectList(v["hashtags"]) {
			if name, _ := tag["name"].(string); !hostile.ValidHashtag(name) {
				problems = append(problems, "GET "+path+": hashtag "+name+", which must have been dropped")
			}
		}
	}
	reportProblems(t, problems)

	var favs []map[string]any
	apiGet(t, alice.base, run.Token, "/api/v1/favourites", &favs)
	if len(favs) != 1 || favs[0]["uri"] != run.URIs[run.Favourited] {
		t.Errorf("favourites: %d statuses, want the one of case %s", len(favs), run.Favourited)
	}
	notes := apiPages(t, alice.base, run.Token, "/api/v1/notifications")
	for _, name := range append([]string{run.Direct}, run.Mentioning...) {
		found := false
		for _, n := range objectList(notes) {
			st, _ := n["status"].(map[string]any)
			found = found || (n["type"] == "mention" && st != nil && st["uri"] == run.URIs[name])
		}
		if !found {
			t.Errorf("notifications: no mention carrying case %s", name)
		}
	}
}

func objectList(v any) []map[string]any {
	var out []map[string]any
	list, _ := v.([]any)
	for _, e := range list {
		if o, ok := e.(map[string]any); ok {
			out = append(out, o)
		}
	}
	return out
}

// userStream collects the events of alice's user stream as they come.
type userStream struct {
	mu     sync.Mutex
	events []servertest.SSEEvent
}

// openUserStream opens /api/v1/streaming/user and collects its events
// until the test ends.
func openUserStream(t *testing.T, alice *fedInstance, token string) *userStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, alice.base+"/api/v1/streaming/user", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Fatalf("GET /api/v1/streaming/user: status %d: %s", resp.StatusCode, b)
	}
	s := &userStream{}
	go servertest.ScanSSE(resp.Body, func(e servertest.SSEEvent) {
		s.mu.Lock()
		s.events = append(s.events, e)
		s.mu.Unlock()
	})
	return s
}

func (s *userStream) snapshot() []servertest.SSEEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]servertest.SSEEvent(nil), s.events...)
}

// checkHostileStream waits for an update event of every public case and a
// notification of every mention, then checks every payload.
func checkHostileStream(t *testing.T, run hostileRun, k *hostile.Checker, s *userStream) {
	want := map[string]bool{}
	for _, c := range run.Corpus {
		if run.Visibility[c.Name] == "public" {
			want["update "+run.URIs[c.Name]] = true
		}
	}
	for _, name := range run.Mentioning {
		want["notification "+run.URIs[name]] = true
	}
	deadline := time.Now().Add(fedDeadline)
	var events []servertest.SSEEvent
	for {
		events = s.snapshot()
		missing := map[string]bool{}
		for w := range want {
			missing[w] = true
		}
		for _, e := range events {
			var v map[string]any
			json.Unmarshal([]byte(e.Data), &v)
			if st, ok := v["status"].(map[string]any); ok && e.Name == "notification" {
				v = st
			}
			delete(missing, e.Name+" "+stringOf(v["uri"]))
		}
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("user stream: %d events, none for %d of the deliveries within %v, e.g. %v", len(events), len(missing), fedDeadline, firstKey(missing))
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	var problems []string
	for i, e := range events {
		if e.Data == "" {
			continue
		}
		var v any
		if err := json.Unmarshal([]byte(e.Data), &v); err != nil {
			if e.Name == "delete" {
				continue // the payload is a bare id
			}
			t.Errorf("stream event %d %s: %v in %q", i, e.Name, err, e.Data)
			continue
		}
		problems = append(problems, k.Check("stream "+e.Name, v)...)
	}
	reportProblems(t, problems)
}

func stringOf(v any) string {
	s, _ := v.(string)
	return s
}

func firstKey(m map[string]bool) string {
	for k := range m {
		return k
	}
	return ""
}

// visitorPage fetches a page of alice's as a visitor, without a session.
func visitorPage(t *testing.T, alice *fedInstance, path string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, alice.base+path, nil)
	req.Host = alice.host
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", path, resp.StatusCode, b)
	}
	return string(b)
}

// checkHostilePages reads alice's profile, which shows her boosts, and the
// page of her reply, whose thread shows the hostile post it answers, as a
// visitor. (A boost has no page of its own: /@alice/ID of a boost is 404.)
func checkHostilePages(t *testing.T, alice *fedInstance, run hostileRun, baseProfile, baseStatus string) {
	var problems []string
	texts := func(where, page string, names ...string) {
		text := hostile.Text(page)
		for _, name := range names {
			for _, c := range run.Corpus {
				if c.Name == name && !strings.Contains(text, c.Text) {
					problems = append(problems, where+": the text "+c.Text+" of case "+name+" is not shown")
				}
			}
		}
	}
	profile := visitorPage(t, alice, "/@alice")
	problems = append(problems, hostile.Page("/@alice", profile, baseProfile)...)
	texts("/@alice", profile, hostileBoosts...)
	path := "/@alice/" + run.Reply
	page := visitorPage(t, alice, path)
	problems = append(problems, hostile.Page(path, page, baseStatus)...)
	texts(path, page, hostileReplyTo)
	reportProblems(t, problems)
}

// feedProblems checks an RSS or Atom feed: every link and URL attribute
// absolute http(s), the HTML of each item sanitized and well-formed, and
// want among the items.
func feedProblems(where, doc, want string) []string {
	var problems []string
	d := xml.NewDecoder(strings.NewReader(doc))
	var stack []string
	found := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return append(problems, where+": "+err.Error())
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			stack = append(stack, tok.Name.Local)
			for _, a := range tok.Attr {
				if (a.Name.Local == "href" || a.Name.Local == "url" || a.Name.Local == "src") && !hostile.IsHTTP(a.Value) {
					problems = append(problems, where+": <"+tok.Name.Local+" "+a.Name.Local+"="+a.Value+">: not an absolute http(s) URL")
				}
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				continue
			}
			text := strings.TrimSpace(string(tok))
			switch stack[len(stack)-1] {
			case "link", "url", "uri", "comments":
				if text != "" && !hostile.IsHTTP(text) {
					problems = append(problems, where+": <"+stack[len(stack)-1]+">"+text+": not an absolute http(s) URL")
				}
			case "description", "content", "summary":
				if len(stack) > 2 { // an item's, not the channel's
					problems = append(problems, hostile.HTML(where+": <"+stack[len(stack)-1]+">", text)...)
					found = found || strings.Contains(hostile.Text(text), want)
				}
			}
		}
	}
	if !found {
		problems = append(problems, where+": no item with "+want)
	}
	return problems
}

// checkHostileOutbox reads alice's outbox as an ActivityPub client: the
// Announces of the boosted hostile posts and the Create of her reply, every
// URL http(s), every content sanitized and well-formed.
func checkHostileOutbox(t *testing.T, alice *fedInstance, run hostileRun) {
	get := func(u string) map[string]any {
		t.Helper()
		parsed, err := url.Parse(u)
		if err != nil {
			t.Fatalf("outbox link %q: %v", u, err)
		}
		req, _ := http.NewRequest(http.MethodGet, alice.base+parsed.RequestURI(), nil)
		req.Header.Set("Accept", "application/activity+json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d, %v", u, resp.StatusCode, err)
		}
		return v
	}
	outbox := get("http://" + alice.host + "/users/alice/outbox")
	problems := hostile.ActivityURLs("outbox", outbox)
	next := stringOf(outbox["first"])
	if first, ok := outbox["first"].(map[string]any); ok {
		next = stringOf(first["id"])
	}
	announced := map[string]bool{}
	for pages := 0; next != "" && pages < 5; pages++ {
		page := get(next)
		problems = append(problems, hostile.ActivityURLs(next, page)...)
		for _, item := range objectList(page["orderedItems"]) {
			if item["type"] == "Announce" {
				announced[stringOf(item["object"])] = true
			}
			if obj, ok := item["object"].(map[string]any); ok {
				problems = append(problems, hostile.HTML(next+": "+stringOf(obj["id"])+" content", stringOf(obj["content"]))...)
			}
		}
		next = stringOf(page["next"])
	}
	for name := range run.Boosts {
		if !announced[run.URIs[name]] {
			problems = append(problems, "outbox: no Announce of case "+name+" ("+run.URIs[name]+")")
		}
	}
	reportProblems(t, problems)
}

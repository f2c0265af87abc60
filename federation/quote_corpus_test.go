package federation_test

import (
	"context"
	"io"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"kith/federation"
	"kith/server"
	"kith/store"
	"kith/tests/hostile"
)

// TestQuoteHostileCorpus: every case of the hostile corpus, as a post that
// another post quotes (in the older quoteUrl form, so it is shown
// embedded), comes out of the API (status.quote.quoted_status) and the
// owner's pages as the corpus requires (tests/hostile).
func TestQuoteHostileCorpus(t *testing.T) {
	corpus, err := hostile.Corpus()
	if err != nil {
		t.Fatal(err)
	}
	n, alice, peer := newPeerNetwork(t, nil)
	ctx := context.Background()
	keys := fakeKeys()
	mallory := peer.addActor(t, "http://remote.test/users/mallory", keys[0])
	carol := peer.addActor(t, "http://other.test/users/carol", keys[1])
	k := hostile.NewChecker()
	quoting := map[string]string{} // quoting post id → case name
	for i, c := range corpus {
		id := "http://other.test/notes/" + strconv.Itoa(i)
		note := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "type": "Note", "attributedTo": carol.id,
			"to": []string{"https://www.w3.org/ns/activitystreams#Public"}, "published": "2026-01-02T03:04:05Z"}
		maps.Copy(note, c.Note)
		note["id"] = id
		peer.put(t, id, federation.ActivityJSON, note)
		k.Status(id, &c)
		q := mallory.id + "/notes/q" + strconv.Itoa(i)
		if got := mallory.deliver(t, n, alice.fed.URLs().SharedInbox(), quoteNote(mallory.id, alice, q, "quoteUrl", id, "")); got != http.StatusAccepted {
			t.Fatalf("case %s: delivery %d", c.Name, got)
		}
		quoting[q] = c.Name
	}
	n.settle()

	base := "http://" + alice.ln.Addr().String()
	_, token, err := server.CreateAppToken(ctx, alice.db, "hostile quotes", "", "urn:ietf:wg:oauth:2.0:oob", "read")
	if err != nil {
		t.Fatal(err)
	}
	var problems []string
	for uri, name := range quoting {
		p, q := quoteOn(t, alice, uri)
		if !q.Shown() {
			t.Errorf("case %s: the quote is not shown: %+v", name, q)
			continue
		}
		path := "/api/v1/statuses/" + strconv.FormatInt(p.ID, 10)
		problems = append(problems, k.Check("GET "+path, apiJSON(t, base, token, path))...)
	}

	// alice quotes each case too, and carol's server allows it: a
	// visitor sees the quoted post inside alice's public post.
	quoteAllowed := func(quoted string) store.Post {
		t.Helper()
		mine, err := alice.fed.Post(ctx, federation.NewPost{Text: "look", Quote: quoted})
		if err != nil {
			t.Fatal(err)
		}
		stamp := quoted + "/stamp"
		peer.put(t, stamp, federation.ActivityJSON, stampDoc(stamp, carol.id, mine.URI, quoted))
		carol.deliver(t, n, alice.fed.URLs().Inbox(), map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
			"id": stamp + "/accept", "type": "Accept", "actor": carol.id, "object": mine.Quote.RequestURI, "result": stamp})
		n.settle()
		if _, q := quoteOn(t, alice, mine.URI); !q.Shown() {
			t.Fatalf("alice's quote of %s after carol's Accept: %+v", quoted, q)
		}
		return mine
	}
	clean := "http://other.test/notes/clean"
	peer.put(t, clean, federation.ActivityJSON, map[string]any{"id": clean, "type": "Note", "attributedTo": carol.id,
		"content": "<p>a clean post</p>", "to": []string{"https://www.w3.org/ns/activitystreams#Public"}})
	mallory.deliver(t, n, alice.fed.URLs().SharedInbox(), quoteNote(mallory.id, alice, mallory.id+"/notes/clean", "quoteUrl", clean, ""))
	n.settle()
	baseline := visitorGet(t, base, "/@alice/"+strconv.FormatInt(quoteAllowed(clean).ID, 10))
	if !strings.Contains(baseline, "a clean post") {
		t.Fatalf("the visitor's page of alice's quote lacks the quoted post")
	}
	for i, c := range corpus {
		mine := quoteAllowed("http://other.test/notes/" + strconv.Itoa(i))
		page := visitorGet(t, base, "/@alice/"+strconv.FormatInt(mine.ID, 10))
		problems = append(problems, hostile.Page("alice's quote of case "+c.Name, page, baseline)...)
		if !strings.Contains(hostile.Text(quotedBlock(page)), c.Text) {
			t.Errorf("case %s: the visitor's page does not show the quoted post's text %q", c.Name, c.Text)
		}
	}
	for _, line := range problems {
		t.Error(line)
	}
	for _, c := range corpus {
		if k.Seen[c.Name] == 0 {
			t.Errorf("case %s: no quoted status of it in the API", c.Name)
		}
	}
}

// visitorGet reads a page as a visitor.
func visitorGet(t *testing.T, base, path string) string {
	t.Helper()
	resp, err := http.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	body := string(b)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", path, resp.StatusCode)
	}
	return body
}

// quotedBlock is the quoted post's part of a page.
func quotedBlock(page string) string {
	start := strings.Index(page, `<blockquote class="status-quote"`)
	if start < 0 {
		return ""
	}
	end := strings.Index(page[start:], "</blockquote>")
	if end < 0 {
		return page[start:]
	}
	return page[start : start+end]
}

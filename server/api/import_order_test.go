package api_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"kith/server/servertest"
)

// archiveOf is a Mastodon export archive whose outbox holds one public
// Create per post, in the order given; posts are {text, published}.
func archiveOf(t *testing.T, posts [][2]string) []byte {
	t.Helper()
	const actor = "https://old.example/users/al"
	var items []string
	for i, p := range posts {
		id := fmt.Sprintf("%s/statuses/%d", actor, i+1)
		items = append(items, fmt.Sprintf(`{"id":%q,"type":"Create","actor":%q,"published":%q,
			"to":["https://www.w3.org/ns/activitystreams#Public"],"cc":[%q],
			"object":{"id":%q,"type":"Note","content":"<p>%s</p>","published":%q,"attributedTo":%q,
			"to":["https://www.w3.org/ns/activitystreams#Public"],"cc":[%q]}}`,
			id+"/activity", actor, p[1], actor+"/followers", id, p[0], p[1], actor, actor+"/followers"))
	}
	files := map[string]string{
		"actor.json": `{"id":"` + actor + `","type":"Person","preferredUsername":"al","followers":"` + actor + `/followers","outbox":"outbox.json"}`,
		"outbox.json": `{"id":"outbox.json","type":"OrderedCollection","totalItems":` + fmt.Sprint(len(posts)) +
			`,"orderedItems":[` + strings.Join(items, ",") + `]}`,
		"likes.json":     `{"type":"OrderedCollection","orderedItems":[]}`,
		"bookmarks.json": `{"type":"OrderedCollection","orderedItems":[]}`,
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"actor.json", "outbox.json", "likes.json", "bookmarks.json"} {
		w, _ := zw.Create(name)
		w.Write([]byte(files[name]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// inOrder returns the words of want in the order they first appear in s,
// leaving out those missing.
func inOrder(s string, want []string) []string {
	var out []string
	for len(s) > 0 {
		best, at := "", len(s)
		for _, w := range want {
			if i := strings.Index(s, w); i >= 0 && i < at {
				best, at = w, i
			}
		}
		if best == "" {
			break
		}
		out = append(out, best)
		s = s[at+len(best):]
	}
	return out
}

// Imported posts keep their dates and are listed by them: below the posts
// made before the import, and in date order among themselves, on the
// profile page, in the API and in the outbox.
func TestImportedPostsListedByDate(t *testing.T) {
	in, _ := servertest.DataInstance(t)
	api := newTokenClient(t, in, "read write")
	api.mustCall(t, http.StatusOK, "POST", "/api/v1/statuses", map[string]any{"status": "recentpost"})
	owner := api.mustCall(t, http.StatusOK, "GET", "/api/v1/accounts/verify_credentials", nil).object(t)

	// The archive lists them out of order.
	archive := archiveOf(t, [][2]string{
		{"middlepost", "2020-06-01T00:00:00Z"},
		{"oldestpost", "2019-01-01T00:00:00Z"},
		{"newestpost", "2021-03-04T05:06:07Z"},
	})
	c := in.Browser(t)
	csrf := in.SignIn(t, c)
	resp, body := servertest.Upload(t, c, in.HTTP.URL+"/settings/data/import", csrf, "archive.zip", archive)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "Imported+3+posts") {
		t.Fatalf("archive upload: status %d, location %q\n%s", resp.StatusCode, loc, body)
	}
	words := []string{"recentpost", "newestpost", "middlepost", "oldestpost"}
	want := fmt.Sprint(words)

	statuses := api.mustCall(t, http.StatusOK, "GET", fmt.Sprintf("/api/v1/accounts/%s/statuses", owner["id"]), nil).body
	if got := fmt.Sprint(inOrder(statuses, words)); got != want {
		t.Errorf("API account statuses: got %s, want %s", got, want)
	}
	// Paging by max_id walks down through the imported posts.
	var paged []string
	path := fmt.Sprintf("/api/v1/accounts/%s/statuses?limit=1", owner["id"])
	for range 5 {
		list := api.mustCall(t, http.StatusOK, "GET", path, nil).list(t)
		if len(list) == 0 {
			break
		}
		paged = append(paged, inOrder(list[0]["content"].(string), words)...)
		path = fmt.Sprintf("/api/v1/accounts/%s/statuses?limit=1&max_id=%s", owner["id"], list[0]["id"])
	}
	if got := fmt.Sprint(paged); got != want {
		t.Errorf("API paged by max_id: got %s, want %s", got, want)
	}

	_, profile := servertest.Get(t, in.Browser(t), in.HTTP.URL+"/@"+owner["username"].(string))
	if got := fmt.Sprint(inOrder(profile, words)); got != want {
		t.Errorf("profile page: got %s, want %s", got, want)
	}

	_, outbox := servertest.Get(t, in.Browser(t), in.HTTP.URL+"/users/"+owner["username"].(string)+"/outbox?page=true")
	var page struct {
		OrderedItems []json.RawMessage `json:"orderedItems"`
	}
	if err := json.Unmarshal([]byte(outbox), &page); err != nil {
		t.Fatalf("outbox page: %v\n%s", err, outbox)
	}
	var got []string
	for _, item := range page.OrderedItems {
		got = append(got, inOrder(string(item), words)...)
	}
	if fmt.Sprint(got) != want {
		t.Errorf("outbox: got %v, want %s", got, want)
	}
}

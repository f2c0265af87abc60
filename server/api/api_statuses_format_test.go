package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"kith/server/core"
	"kith/server/servertest"
)

// noteContent fetches a post's ActivityPub Note, as a remote server
// would, and returns its content.
func noteContent(t *testing.T, in *servertest.Instance, uri string) string {
	t.Helper()
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	resp, body := servertest.GetAccept(t, in.HTTP.URL+u.Path, "application/activity+json")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s as ActivityPub: status %d", u.Path, resp.StatusCode)
	}
	var note struct {
		Content string `json:"content"`
	}
	if err := json.Unmarshal([]byte(body), &note); err != nil {
		t.Fatalf("the Note: %v\n%s", err, body)
	}
	return note.Content
}

func TestStatusPlainText(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write")
	servertest.AddRemoteActor(t, in, "bob", "remote.example")
	const rel = `rel="nofollow noreferrer noopener" target="_blank"`
	tests := []struct {
		name, status, want string
	}{
		{"markup is text", "Use <br> for line breaks; 3 < 5 and a <b>bold</b> tag",
			`<p>Use &lt;br&gt; for line breaks; 3 &lt; 5 and a &lt;b&gt;bold&lt;/b&gt; tag</p>`},
		{"ampersand", "fish & chips &amp; peas", `<p>fish &amp; chips &amp;amp; peas</p>`},
		{"code", `if (a < b && c > d) { document.write("<script>alert(1)</script>") }`,
			`<p>if (a &lt; b &amp;&amp; c &gt; d) { document.write(&#34;&lt;script&gt;alert(1)&lt;/script&gt;&#34;) }</p>`},
		{"Markdown is text", "*not* **bold**, `not code`", "<p>*not* **bold**, `not code`</p>"},
		{"url with & and <", "read https://example.com/search?q=a&lang=en<3",
			`<p>read <a href="https://example.com/search?q=a&amp;lang=en" ` + rel + `><span class="invisible">https://</span>` +
				`<span>example.com/search?q=a&amp;lang=en</span><span class="invisible"></span></a>&lt;3</p>`},
		{"line break and blank line", "one\ntwo\n\nthree", `<p>one<br/>two</p><p>three</p>`},
		{"mention and hashtag", "hi @bob@remote.example, see #KithNews",
			`<p>hi <span class="h-card"><a class="u-url mention" href="https://remote.example/@bob" ` + rel + `>@<span>bob</span></a></span>, see ` +
				`<a class="mention hashtag" href="` + in.Srv.Fed.URLs().Tag("kithnews") + `" rel="tag">#<span>KithNews</span></a></p>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.mustCall(t, 200, "POST", "/api/v1/statuses", url.Values{"status": {tt.status}}).object(t)
			if got["content"] != tt.want {
				t.Errorf("content\n got %v\nwant %s", got["content"], tt.want)
			}
			if note := noteContent(t, in, got["uri"].(string)); note != tt.want {
				t.Errorf("the Note's content\n got %s\nwant %s", note, tt.want)
			}
			src := c.mustCall(t, 200, "GET", "/api/v1/statuses/"+got["id"].(string)+"/source", nil).object(t)
			if src["text"] != tt.status || src["content_type"] != "text/plain" {
				t.Errorf("source: text %q content_type %v, want %q text/plain", src["text"], src["content_type"], tt.status)
			}
		})
	}
	t.Run("mention and hashtag are the post's", func(t *testing.T) {
		got := c.mustCall(t, 200, "POST", "/api/v1/statuses", url.Values{"status": {"@bob@remote.example #Cats"}}).object(t)
		mentions, tags := got["mentions"].([]any), got["tags"].([]any)
		if len(mentions) != 1 || mentions[0].(map[string]any)["acct"] != "bob@remote.example" ||
			len(tags) != 1 || tags[0].(map[string]any)["name"] != "cats" {
			t.Errorf("mentions %v tags %v", mentions, tags)
		}
	})
}

func TestStatusSourceRoundTrip(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write")
	text := "Line one  with  spaces\tand a tab\n\n\n  indented <i>line</i> & \"quotes\" 'here'\r\n*stars* _under_ `ticks` [x](y) # not a heading\nünïcödé ✓ https://example.com/?a=1&b=2"
	for _, contentType := range []string{"text/plain", "text/markdown"} {
		t.Run(contentType, func(t *testing.T) {
			id := c.mustCall(t, 200, "POST", "/api/v1/statuses", url.Values{"status": {text}, "content_type": {contentType}}).object(t)["id"].(string)
			src := c.mustCall(t, 200, "GET", "/api/v1/statuses/"+id+"/source", nil).object(t)
			if src["text"] != text || src["content_type"] != contentType {
				t.Errorf("source: text %q content_type %v, want %q %s", src["text"], src["content_type"], text, contentType)
			}
			deleted := c.mustCall(t, 200, "DELETE", "/api/v1/statuses/"+id, nil).object(t)
			if deleted["text"] != text {
				t.Errorf("delete answered text %q, want %q", deleted["text"], text)
			}
		})
	}
}

func TestStatusEditKeepsFormat(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write")
	tests := []struct {
		name               string
		create, edit       url.Values
		wantContent        string
		wantType           string
		wantOriginalOutput string
	}{
		{"plain stays plain", url.Values{"status": {"a <b>first</b>"}}, url.Values{"status": {"*second*"}},
			"<p>*second*</p>", "text/plain", "<p>a &lt;b&gt;first&lt;/b&gt;</p>"},
		{"Markdown stays Markdown", url.Values{"status": {"*first*"}, "content_type": {"text/markdown"}}, url.Values{"status": {"*second* <b>x</b>"}},
			"<p><em>second</em> &lt;b&gt;x&lt;/b&gt;</p>", "text/markdown", "<p><em>first</em></p>"},
		{"an edit may change it", url.Values{"status": {"*first*"}, "content_type": {"text/markdown"}},
			url.Values{"status": {"*second*"}, "content_type": {"text/plain"}}, "<p>*second*</p>", "text/plain", "<p><em>first</em></p>"},
		{"only the format changes", url.Values{"status": {"**same**"}}, url.Values{"content_type": {"text/markdown"}},
			"<p><strong>same</strong></p>", "text/markdown", "<p>**same**</p>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			created := c.mustCall(t, 200, "POST", "/api/v1/statuses", tt.create).object(t)
			if got := strings.TrimSpace(created["content"].(string)); got != tt.wantOriginalOutput {
				t.Errorf("created: content %q, want %q", got, tt.wantOriginalOutput)
			}
			base := "/api/v1/statuses/" + created["id"].(string)
			edited := c.mustCall(t, 200, "PUT", base, tt.edit).object(t)
			if got := strings.TrimSpace(edited["content"].(string)); got != tt.wantContent {
				t.Errorf("edited: content %q, want %q", got, tt.wantContent)
			}
			if src := c.mustCall(t, 200, "GET", base+"/source", nil).object(t); src["content_type"] != tt.wantType {
				t.Errorf("source content_type %v, want %s", src["content_type"], tt.wantType)
			}
		})
	}
}

func TestStatusContentTypeRefused(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write")
	id := c.mustCall(t, 200, "POST", "/api/v1/statuses", url.Values{"status": {"x"}, "content_type": {"TEXT/Markdown"}}).object(t)["id"].(string)
	for _, tt := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/v1/statuses", url.Values{"status": {"x"}, "content_type": {"text/html"}}},
		{"POST", "/api/v1/statuses", map[string]any{"status": "x", "content_type": "text/bbcode"}},
		{"POST", "/api/v1/statuses", url.Values{"status": {"x"}, "content_type": {"markdown"}, "scheduled_at": {"2099-01-01T00:00:00Z"}}},
		{"PUT", "/api/v1/statuses/" + id, url.Values{"status": {"y"}, "content_type": {"text/x.misskeymarkdown"}}},
	} {
		res := c.call(t, tt.method, tt.path, tt.body)
		if res.status != 422 || !strings.Contains(res.body, "content_type must be text/plain or text/markdown") {
			t.Errorf("%s %s %v: status %d %s, want 422 naming content_type", tt.method, tt.path, tt.body, res.status, res.body)
		}
	}
	if src := c.mustCall(t, 200, "GET", "/api/v1/statuses/"+id+"/source", nil).object(t); src["text"] != "x" || src["content_type"] != "text/markdown" {
		t.Errorf("after a refused edit: source %v, want x as text/markdown", src)
	}
}

func TestScheduledStatusKeepsFormat(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write")
	at := in.Clock.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	for _, v := range []url.Values{
		{"status": {"<b>plain</b>"}, "scheduled_at": {at}},
		{"status": {"*marked*"}, "scheduled_at": {at}, "content_type": {"text/markdown"}},
	} {
		c.mustCall(t, 200, "POST", "/api/v1/statuses", v)
	}
	in.Clock.Add(2 * time.Hour)
	if err := in.Srv.Fed.PublishScheduled(context.Background()); err != nil {
		t.Fatal(err)
	}
	var contents []string
	for _, s := range c.mustCall(t, 200, "GET", "/api/v1/accounts/"+core.APIID(in.DB.OwnerID())+"/statuses", nil).list(t) {
		contents = append(contents, strings.TrimSpace(s["content"].(string)))
	}
	slices.Sort(contents)
	if want := []string{"<p>&lt;b&gt;plain&lt;/b&gt;</p>", "<p><em>marked</em></p>"}; !slices.Equal(contents, want) {
		t.Errorf("published %q, want %q", contents, want)
	}
}

func TestUpdateCredentialsNoteIsPlainText(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write")
	note := "I write <b>Go</b> & *Rust*\nsee https://example.com\n\n#kith"
	want := `<p>I write &lt;b&gt;Go&lt;/b&gt; &amp; *Rust*<br/>see <a href="https://example.com" rel="nofollow noreferrer noopener" target="_blank">` +
		`<span class="invisible">https://</span><span>example.com</span><span class="invisible"></span></a></p>` +
		`<p><a class="mention hashtag" href="` + in.Srv.Fed.URLs().Tag("kith") + `" rel="tag">#<span>kith</span></a></p>`
	got := c.mustCall(t, 200, "PATCH", "/api/v1/accounts/update_credentials", url.Values{"note": {note}}).object(t)
	if got["note"] != want {
		t.Errorf("note\n got %v\nwant %s", got["note"], want)
	}
	if src := got["source"].(map[string]any); src["note"] != note {
		t.Errorf("source.note %q, want %q", src["note"], note)
	}
	// A change of something else renders the bio as it was written.
	got = c.mustCall(t, 200, "PATCH", "/api/v1/accounts/update_credentials", url.Values{"display_name": {"Ada"}}).object(t)
	if got["note"] != want {
		t.Errorf("after a display name change: note\n got %v\nwant %s", got["note"], want)
	}
}

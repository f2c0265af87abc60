package federation_test

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"kith/federation"
	"kith/store"
)

// Hostile values for every kind of remote field, as another server under
// an attacker's control would send them.
const (
	hostileName      = "Mallory <b>bold</b> & co \"><script>window.__xss=1</script>\x00\x1b\n\tthe great"
	hostileFieldName = `<meta http-equiv="refresh" content="0;url=http://attacker.example/phish">Site`
	hostileCW        = "<i>spoiler</i> &amp; <script>alert(1)</script>"
	hostileAlt       = `"><img src=x onerror=alert(1)> 3 < 5`
	hostilePoll      = `<b onmouseover="x">yes</b>`
	hostileContent   = `<p><b><i>unclosed <a href="https://a.example/x">link</p></div></article><meta http-equiv="refresh" content="0"><base href="https://evil.example/"><form action="https://evil.example"><input></form><svg onload=alert(1)><script>alert(1)</script></svg><math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`
)

// hostileURLs are written into every URL field, in turn.
var hostileURLs = []string{
	"javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "\tjavascript:alert(1)",
	"&#106;avascript:alert(1)", "data:text/html;base64,PHNjcmlwdD4=", "vbscript:msgbox(1)", "/relative",
}

// TestIngestHostileDelivery delivers a post and an actor whose every field
// is hostile through the signed inbox, and checks each stored field:
// URLs http(s) or empty, plain text as sent (less control characters),
// HTML sanitized and well-formed, invalid tags and emoji dropped.
func TestIngestHostileDelivery(t *testing.T) {
	for i, bad := range hostileURLs {
		t.Run(fmt.Sprintf("url-%d", i), func(t *testing.T) {
			n, alice, peer := newPeerNetwork(t, nil)
			key := fakeKeys()[0]
			id := "http://remote.test/users/mallory"
			m := fakeActor{id: id, keyID: id + "#main-key", key: key}
			doc := actorDoc(id, m.keyID, &key.PublicKey)
			doc["name"] = hostileName
			doc["summary"] = hostileContent
			doc["url"] = bad
			doc["icon"] = map[string]any{"type": "Image", "url": bad}
			doc["image"] = bad
			doc["movedTo"] = bad
			doc["alsoKnownAs"] = []string{bad, "http://remote.test/users/old"}
			doc["attachment"] = []map[string]any{
				{"type": "PropertyValue", "name": hostileFieldName, "value": `<a href="` + bad + `" rel="me">x</a><b>unclosed`},
			}
			peer.put(t, id, federation.ActivityJSON, doc)

			note := id + "/notes/" + string(rune('a'+i))
			act := mentionOf(id, alice, note, "harmless text")
			obj := act["object"].(map[string]any)
			obj["content"] = "<p>harmless text</p>" + hostileContent
			obj["summary"] = hostileCW
			obj["url"] = bad
			obj["inReplyTo"] = bad
			obj["attachment"] = []map[string]any{
				{"type": "Document", "mediaType": "image/png", "url": bad, "name": "dropped"},
				{"type": "Document", "mediaType": `image/png"><script>`, "url": "https://remote.test/a.png", "name": hostileAlt, "blurhash": `"><x`},
			}
			obj["tag"] = []map[string]any{
				{"type": "Mention", "href": alice.fed.URLs().Actor(), "name": "@alice"},
				{"type": "Mention", "href": bad, "name": "@evil"},
				{"type": "Hashtag", "name": "#<script>"},
				{"type": "Hashtag", "name": "#cats"},
				{"type": "Emoji", "name": ":blob<script>:", "icon": map[string]any{"url": "https://remote.test/e.png"}},
				{"type": "Emoji", "name": ":blobcat:", "icon": map[string]any{"url": bad}},
				{"type": "Emoji", "name": ":ok:", "icon": map[string]any{"url": "https://remote.test/ok.png"}},
			}
			obj["type"] = "Question"
			obj["oneOf"] = []map[string]any{{"type": "Note", "name": hostilePoll, "replies": map[string]any{"totalItems": 1}}}
			if got := m.deliver(t, n, alice.fed.URLs().SharedInbox(), act); got != http.StatusAccepted {
				t.Fatalf("delivery: status %d, want 202", got)
			}
			n.settle()
			p, ok := postOn(alice, note)
			if !ok {
				t.Fatalf("the hostile post was not stored")
			}
			a, err := alice.db.ActorByURI(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			checkCleanActor(t, a)
			checkCleanPost(t, p)

			if want := "Mallory <b>bold</b> & co \"><script>window.__xss=1</script>  the great"; a.DisplayName != want {
				t.Errorf("display name %q, want %q", a.DisplayName, want)
			}
			if len(a.Fields) != 1 || a.Fields[0].Name != hostileFieldName {
				t.Errorf("fields %+v, want the name as sent", a.Fields)
			}
			if a.URL != id {
				t.Errorf("profile URL %q, want the actor id in place of %q", a.URL, bad)
			}
			if len(a.AlsoKnownAs) != 1 {
				t.Errorf("alsoKnownAs %q, want only the http(s) entry", a.AlsoKnownAs)
			}
			if p.Summary != hostileCW {
				t.Errorf("CW %q, want it as sent", p.Summary)
			}
			if !strings.Contains(p.Content, "harmless text") {
				t.Errorf("content lost its text: %q", p.Content)
			}
			if len(p.Attachments) != 1 || p.Attachments[0].Description != hostileAlt || p.Attachments[0].MediaType != "" || p.Attachments[0].Blurhash != "" {
				t.Errorf("attachments %+v, want one, alt text as sent, no media type or blurhash", p.Attachments)
			}
			if len(p.Mentions) != 1 {
				t.Errorf("mentions %+v, want only alice", p.Mentions)
			}
			if strings.Join(p.Tags, ",") != "cats" {
				t.Errorf("tags %q, want only cats", p.Tags)
			}
			if len(p.Emojis) != 1 || p.Emojis[0].Shortcode != "ok" {
				t.Errorf("emojis %+v, want only :ok:", p.Emojis)
			}
			if p.Poll == nil || len(p.Poll.Options) != 1 || p.Poll.Options[0].Title != hostilePoll {
				t.Errorf("poll %+v, want the option title as sent", p.Poll)
			}
		})
	}
}

// TestCleanStored seeds a database with rows stored before the ingest
// rules (hostile URLs, unbalanced HTML, invalid tags, the owner's field
// names escaped), cleans it, and checks it is then what ingest would have
// stored; a second run changes nothing.
func TestCleanStored(t *testing.T) {
	n := newNetwork(t, "alice")
	alice := n.nodes[0]
	ctx := context.Background()
	bad := "javascript:alert(1)"
	var postID int64
	err := alice.db.InTx(ctx, func(tx *store.Tx) error {
		actorID, err := tx.UpsertActor(ctx, store.Actor{URI: "https://evil.example/users/m", Domain: "evil.example", Username: "m",
			DisplayName: "M\x00al\nlory", Summary: `<b>unclosed`, URL: bad, Inbox: bad, AvatarURL: " JaVaScRiPt:x", HeaderURL: "data:x",
			AlsoKnownAs: []string{bad, "https://evil.example/users/old"}, MovedTo: bad,
			Fields:    []store.Field{{Name: "<b>name</b>", Value: `<a href="https://x.example">x`}, {Name: "", Value: "gone"}},
			Emojis:    []store.Emoji{{Shortcode: "a<b", URL: "https://evil.example/e.png"}, {Shortcode: "ok", URL: bad}, {Shortcode: "fine", URL: "https://evil.example/f.png"}},
			FetchedAt: time.Unix(1, 0)})
		if err != nil {
			return err
		}
		postID, err = tx.InsertPost(ctx, store.Post{URI: "https://evil.example/notes/1", URL: bad, AuthorID: actorID, Type: "Note",
			Visibility: store.Public, Summary: "cw\x00", Content: `<p><b><i>unclosed`, PublishedAt: time.Unix(2, 0),
			Attachments: []store.Attachment{{URL: bad}, {URL: "https://evil.example/a.png", MediaType: `image/png">`, Description: "alt\x00"}},
			Mentions:    []store.Mention{{ActorURI: bad, Name: "@x"}, {ActorURI: "https://evil.example/users/m", Name: "@m"}},
			Tags:        []string{"<script>", "cats"},
			Emojis:      []store.Emoji{{Shortcode: "a<b", URL: "https://evil.example/e.png"}, {Shortcode: "ok", URL: bad}, {Shortcode: "fine", URL: "https://evil.example/f.png"}},
			Poll:        &store.Poll{Options: []store.PollOption{{Title: "a\nb"}}}})
		if err != nil {
			return err
		}
		owner, err := alice.db.LocalActor(ctx)
		if err != nil {
			return err
		}
		owner.Fields = []store.Field{{Name: "R&amp;D &lt;3", Value: "x"}}
		_, err = tx.UpsertActor(ctx, owner)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	st, err := alice.fed.CleanStored(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Changed == 0 || st.Dropped == 0 {
		t.Errorf("clean: %+v, want rows changed and dropped", st)
	}
	a, err := alice.db.ActorByURI(ctx, "https://evil.example/users/m")
	if err != nil {
		t.Fatal(err)
	}
	checkCleanActor(t, a)
	if a.DisplayName != "Mal lory" || a.Summary != "<b>unclosed</b>" || len(a.Fields) != 1 || a.Fields[0].Value != `<a href="https://x.example" rel="nofollow noreferrer noopener" target="_blank">x</a>` {
		t.Errorf("actor after cleaning: %q %q %+v", a.DisplayName, a.Summary, a.Fields)
	}
	if len(a.Emojis) != 1 || a.Emojis[0].Shortcode != "fine" {
		t.Errorf("actor emojis after cleaning: %+v, want only :fine:", a.Emojis)
	}
	p, err := alice.db.PostByURI(ctx, "https://evil.example/notes/1")
	if err != nil {
		t.Fatal(err)
	}
	checkCleanPost(t, p)
	if p.URL != p.URI || p.Content != "<p><b><i>unclosed</i></b></p>" || p.Summary != "cw" {
		t.Errorf("post after cleaning: url %q content %q summary %q", p.URL, p.Content, p.Summary)
	}
	if len(p.Attachments) != 1 || len(p.Mentions) != 1 || strings.Join(p.Tags, ",") != "cats" || len(p.Emojis) != 1 || p.Emojis[0].Shortcode != "fine" {
		t.Errorf("parts after cleaning: %+v %+v %q %+v", p.Attachments, p.Mentions, p.Tags, p.Emojis)
	}
	if p.Poll == nil || p.Poll.Options[0].Title != "a b" {
		t.Errorf("poll after cleaning: %+v", p.Poll)
	}
	owner, err := alice.db.LocalActor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(owner.Fields) != 1 || owner.Fields[0].Name != "R&D <3" {
		t.Errorf("owner's field name after cleaning: %+v, want it as text", owner.Fields)
	}
	if edits, err := alice.db.PostEdits(ctx, postID); err != nil || len(edits) != 0 {
		t.Errorf("cleaning recorded edits: %d (%v)", len(edits), err)
	}

	// Done once: a second start finds nothing to do, and the rules'
	// version keeps a later start from unescaping the owner's names again.
	if st, err := alice.fed.CleanStored(ctx); err != nil || st.Changed+st.Dropped != 0 {
		t.Errorf("second clean: %+v, %v; want nothing", st, err)
	}
	if owner, _ := alice.db.LocalActor(ctx); owner.Fields[0].Name != "R&D <3" {
		t.Errorf("second clean changed the owner's field name to %q", owner.Fields[0].Name)
	}
}

// checkCleanActor fails on any URL field of a that is not http(s) or
// empty, and on HTML that is not well-formed.
func checkCleanActor(t *testing.T, a store.Actor) {
	t.Helper()
	checkURLFields(t, "actor", reflect.ValueOf(a))
	for _, u := range a.AlsoKnownAs {
		checkURL(t, "actor alsoKnownAs", u)
	}
	checkWellFormed(t, "bio", a.Summary)
	for _, f := range a.Fields {
		checkWellFormed(t, "field value", f.Value)
	}
}

// checkCleanPost is checkCleanActor for a post and its parts.
func checkCleanPost(t *testing.T, p store.Post) {
	t.Helper()
	checkURLFields(t, "post", reflect.ValueOf(p))
	for _, a := range p.Attachments {
		checkURLFields(t, "attachment", reflect.ValueOf(a))
	}
	for _, m := range p.Mentions {
		checkURL(t, "mention", m.ActorURI)
	}
	for _, e := range p.Emojis {
		checkURL(t, "emoji", e.URL)
	}
	checkWellFormed(t, "content", p.Content)
}

// checkURLFields checks every string field of a struct whose name says it
// holds a URL.
func checkURLFields(t *testing.T, what string, v reflect.Value) {
	t.Helper()
	for i := 0; i < v.NumField(); i++ {
		name := v.Type().Field(i).Name
		f := v.Field(i)
		if f.Kind() != reflect.String {
			continue
		}
		for _, suffix := range []string{"URL", "URI", "Inbox", "Outbox", "Followers", "Following", "Featured", "MovedTo", "KeyID"} {
			if strings.HasSuffix(name, suffix) && name != "Conversation" {
				checkURL(t, what+" "+name, f.String())
			}
		}
	}
}

func checkURL(t *testing.T, what, u string) {
	t.Helper()
	if u != "" && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		t.Errorf("%s: %q is not an http(s) URL", what, u)
	}
}

// allowedElements are the elements sanitized HTML may hold.
var allowedElements = map[atom.Atom]bool{atom.P: true, atom.Br: true, atom.Span: true, atom.A: true, atom.Del: true,
	atom.Pre: true, atom.Code: true, atom.Em: true, atom.Strong: true, atom.B: true, atom.I: true, atom.U: true,
	atom.Ul: true, atom.Ol: true, atom.Li: true, atom.Blockquote: true}

// checkWellFormed fails unless s holds only allowed elements and reads the
// same after a browser-like parse and render.
func checkWellFormed(t *testing.T, what, s string) {
	t.Helper()
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(s), ctx)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, n := range nodes {
		html.Render(&b, n)
		walkNodes(n, func(n *html.Node) {
			if n.Type == html.ElementNode && !allowedElements[n.DataAtom] {
				t.Errorf("%s holds <%s>: %q", what, n.Data, s)
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(a.Key, "on") || a.Key == "style" {
					t.Errorf("%s holds %s=: %q", what, a.Key, s)
				}
			}
		})
	}
	if b.String() != s {
		t.Errorf("%s is not well-formed:\n stored   %q\n reparsed %q", what, s, b.String())
	}
}

func walkNodes(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walkNodes(c, fn)
	}
}

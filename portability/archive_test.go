package portability

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"kith/store"
)

// The archive below follows Mastodon's documented export layout: the
// actor with avatar.png, an outbox of Create and Announce activities
// whose media URLs are paths inside the archive, likes and bookmarks.
const (
	mastoActor = `{"@context":["https://www.w3.org/ns/activitystreams"],"id":"https://old.example/users/al","type":"Person",
		"preferredUsername":"al","followers":"https://old.example/users/al/followers","outbox":"outbox.json",
		"icon":{"type":"Image","mediaType":"image/png","url":"avatar.png"}}`
	mastoOutbox = `{"@context":"https://www.w3.org/ns/activitystreams","id":"outbox.json","type":"OrderedCollection","totalItems":6,"orderedItems":[
	{"id":"https://old.example/users/al/statuses/1/activity","type":"Create","actor":"https://old.example/users/al","published":"2020-01-02T03:04:05Z",
	 "to":["https://www.w3.org/ns/activitystreams#Public"],"cc":["https://old.example/users/al/followers"],
	 "object":{"id":"https://old.example/users/al/statuses/1","type":"Note","summary":"cw: food","content":"<p>first <script>x</script>post</p>",
	  "published":"2020-01-02T03:04:05Z","attributedTo":"https://old.example/users/al","sensitive":true,
	  "to":["https://www.w3.org/ns/activitystreams#Public"],"cc":["https://old.example/users/al/followers"],
	  "attachment":[{"type":"Document","mediaType":"image/png","url":"/media_attachments/files/000/000/001/original/cat.png","name":"a cat"}]}},
	{"id":"https://old.example/users/al/statuses/2/activity","type":"Create","actor":"https://old.example/users/al","published":"2020-01-03T00:00:00Z",
	 "to":["https://old.example/users/al/followers"],"cc":["https://www.w3.org/ns/activitystreams#Public"],
	 "object":{"id":"https://old.example/users/al/statuses/2","type":"Note","content":"<p>a reply to myself</p>","inReplyTo":"https://old.example/users/al/statuses/1",
	  "published":"2020-01-03T00:00:00Z","attributedTo":"https://old.example/users/al",
	  "to":["https://old.example/users/al/followers"],"cc":["https://www.w3.org/ns/activitystreams#Public"]}},
	{"id":"https://old.example/users/al/statuses/3/activity","type":"Create","actor":"https://old.example/users/al","published":"2020-01-04T00:00:00Z",
	 "to":["https://old.example/users/al/followers"],"cc":[],
	 "object":{"id":"https://old.example/users/al/statuses/3","type":"Note","content":"<p>friends only</p>",
	  "published":"2020-01-04T00:00:00Z","attributedTo":"https://old.example/users/al","to":["https://old.example/users/al/followers"],"cc":[]}},
	{"id":"https://old.example/users/al/statuses/4/activity","type":"Create","actor":"https://old.example/users/al","published":"2020-01-05T00:00:00Z",
	 "to":["https://other.example/users/bo"],"cc":[],
	 "object":{"id":"https://old.example/users/al/statuses/4","type":"Note","content":"<p>psst</p>",
	  "published":"2020-01-05T00:00:00Z","attributedTo":"https://old.example/users/al","to":["https://other.example/users/bo"],"cc":[],
	  "tag":[{"type":"Mention","href":"https://other.example/users/bo","name":"@bo@other.example"}]}},
	{"id":"https://old.example/users/al/statuses/5/activity","type":"Announce","actor":"https://old.example/users/al","published":"2020-01-06T00:00:00Z",
	 "to":["https://www.w3.org/ns/activitystreams#Public"],"object":"https://other.example/users/bo/statuses/9"},
	{"id":"https://old.example/users/al/statuses/6/activity","type":"Create","actor":"https://old.example/users/al","published":"2020-01-07T00:00:00Z",
	 "object":"https://old.example/users/al/statuses/6"}
	]}`
	mastoLikes = `{"@context":"https://www.w3.org/ns/activitystreams","id":"likes.json","type":"OrderedCollection","orderedItems":["https://other.example/users/bo/statuses/9"]}`
)

var catPNG = []byte("\x89PNG\r\n\x1a\n-not-really-a-cat")

func mastodonArchive() []entry {
	return []entry{
		{"actor.json", []byte(mastoActor)},
		{"outbox.json", []byte(mastoOutbox)},
		{"likes.json", []byte(mastoLikes)},
		{"bookmarks.json", []byte(`{"type":"OrderedCollection","orderedItems":[]}`)},
		{"avatar.png", catPNG},
		{"media_attachments/files/000/000/001/original/cat.png", catPNG},
		{"README.txt", []byte("ignored")},
	}
}

func TestImportArchive(t *testing.T) { eachMediaStorage(t, testImportArchive) }

func testImportArchive(t *testing.T, storage func(*Options)) {
	for _, format := range []string{"zip", "tar.gz"} {
		t.Run(format, func(t *testing.T) {
			var opts Options
			storage(&opts)
			p := newTestPorter(t, opts)
			ctx := context.Background()
			data := zipOf(t, mastodonArchive()...)
			if format == "tar.gz" {
				data = tarGzOf(t, mastodonArchive()...)
			}
			res, err := p.ImportArchive(ctx, bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			if res.Created != 4 || res.Boosts != 1 || res.Media != 1 || len(res.Warnings) != 1 {
				t.Errorf("result = %+v, want 4 created, 1 boost, 1 media file, 1 warning", res)
			}
			checkImportedPosts(t, p)

			// Again: nothing new, no duplicates.
			res, err = p.ImportArchive(ctx, bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			if res.Created != 0 || res.Skipped != 4 {
				t.Errorf("second run = %+v, want 0 created, 4 skipped", res)
			}
			if n, _ := p.db.CountPostsOf(ctx, p.db.OwnerID()); n != 4 {
				t.Errorf("posts after the second run = %d, want 4", n)
			}
			if got := mediaFiles(t, p); len(got) != 1 {
				t.Errorf("media files = %q, want one", got)
			}
		})
	}
}

func checkImportedPosts(t *testing.T, p *testPorter) {
	t.Helper()
	ctx := context.Background()
	posts, err := p.db.PostsOfAfter(ctx, p.db.OwnerID(), 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 4 {
		t.Fatalf("got %d posts, want 4", len(posts))
	}
	// Ids follow the original dates, so every listing (ordered by id)
	// shows the imported posts in date order.
	for i := 1; i < len(posts); i++ {
		if !posts[i-1].PublishedAt.Before(posts[i].PublishedAt) {
			t.Errorf("post %d (%v) has a higher id than post %d (%v)", posts[i-1].ID, posts[i-1].PublishedAt, posts[i].ID, posts[i].PublishedAt)
		}
	}
	byText := map[string]store.Post{}
	for _, post := range posts {
		byText[post.Content] = post
	}
	first, ok := byText["<p>first post</p>"]
	if !ok {
		t.Fatalf("no sanitized first post among %+v", byText)
	}
	if want := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC); !first.PublishedAt.Equal(want) { // data: the archive's date, not a clock
		t.Errorf("published = %v, want %v", first.PublishedAt, want)
	}
	if first.Summary != "cw: food" || !first.Sensitive || first.Visibility != store.Public {
		t.Errorf("first post = %q sensitive %v %s, want the content warning, sensitive, public", first.Summary, first.Sensitive, first.Visibility)
	}
	if !strings.HasPrefix(first.URI, testBaseURL+"/users/alice/statuses/") {
		t.Errorf("uri = %q, want a local one", first.URI)
	}
	if len(first.Attachments) != 1 || first.Attachments[0].Description != "a cat" {
		t.Fatalf("attachments = %+v, want the cat", first.Attachments)
	}
	rel := p.localMedia(first.Attachments[0].URL)
	body, err := readMedia(t, p, rel)
	if err != nil || !bytes.Equal(body, catPNG) {
		t.Errorf("media file %q = %q, %v; want the archived bytes", rel, body, err)
	}
	reply := byText["<p>a reply to myself</p>"]
	if reply.InReplyToURI != first.URI || reply.InReplyToID != first.ID || reply.Visibility != store.Unlisted {
		t.Errorf("reply: in reply to %q (%d), %s; want %q (%d), unlisted", reply.InReplyToURI, reply.InReplyToID, reply.Visibility, first.URI, first.ID)
	}
	if got := byText["<p>friends only</p>"].Visibility; got != store.Private {
		t.Errorf("followers-only post is %s, want private", got)
	}
	if got := byText["<p>psst</p>"].Visibility; got != store.Direct {
		t.Errorf("direct post is %s, want direct", got)
	}
	counts, _ := p.db.JobCounts(ctx)
	if n := counts["deliver"]["queued"]; n != 0 {
		t.Errorf("%d deliveries queued, want none", n)
	}
	if n, _ := p.db.CountOutbox(ctx); n != 2 {
		t.Errorf("outbox lists %d activities, want 2 (the public and the unlisted post)", n)
	}
}

func TestImportArchiveRefuses(t *testing.T) {
	huge := bytes.Repeat([]byte("x"), 5000)
	good := mastodonArchive()
	without := func(name string) []entry {
		var out []entry
		for _, e := range good {
			if e.name != name {
				out = append(out, e)
			}
		}
		return out
	}
	with := func(extra ...entry) []entry { return append(append([]entry{}, good...), extra...) }
	tests := []struct {
		name    string
		entries []entry
		want    string
	}{
		{"missing outbox", without("outbox.json"), "outbox.json is missing"},
		{"bad JSON", append(without("outbox.json"), entry{"outbox.json", []byte(`{"type":"OrderedCollection","orderedItems":[`)}), "outbox.json is not valid JSON"},
		{"bad actor JSON", append(without("actor.json"), entry{"actor.json", []byte(`{nope`)}), "actor.json is not valid JSON"},
		{"not a collection", append(without("outbox.json"), entry{"outbox.json", []byte(`{"type":"Note"}`)}), `outbox.json is a "Note"`},
		{"zip slip", with(entry{"../../evil.json", []byte("{}")}), `entry "../../evil.json" has an unsafe path`},
		{"slip inside a path", with(entry{"media_attachments/../../x.png", catPNG}), "has an unsafe path"},
		{"absolute path", with(entry{"/etc/evil", []byte("x")}), `entry "/etc/evil" has an unsafe path`},
		{"huge entry", with(entry{"media_attachments/files/huge.png", huge}), "media_attachments/files/huge.png is larger than 4096 bytes"},
		{"huge skipped entry", with(entry{"junk.bin", huge}), "junk.bin is larger than 4096 bytes"},
	}
	for _, format := range []string{"zip", "tar.gz"} {
		for _, tt := range tests {
			t.Run(format+"/"+tt.name, func(t *testing.T) {
				p := newTestPorter(t, Options{MaxEntryBytes: 4096})
				data := zipOf(t, tt.entries...)
				if format == "tar.gz" {
					data = tarGzOf(t, tt.entries...)
				}
				_, err := p.ImportArchive(context.Background(), bytes.NewReader(data), int64(len(data)))
				if !errors.Is(err, ErrBadArchive) || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err = %v, want a bad archive error containing %q", err, tt.want)
				}
				assertUnchanged(t, p)
			})
		}
	}
	t.Run("not an archive", func(t *testing.T) {
		p := newTestPorter(t, Options{})
		data := []byte("just some text, not an archive")
		_, err := p.ImportArchive(context.Background(), bytes.NewReader(data), int64(len(data)))
		if !errors.Is(err, ErrBadArchive) || !strings.Contains(err.Error(), "not a zip or tar.gz") {
			t.Fatalf("err = %v, want not a zip or tar.gz", err)
		}
		assertUnchanged(t, p)
	})
	t.Run("total over the cap", func(t *testing.T) {
		p := newTestPorter(t, Options{MaxArchiveBytes: 3000})
		data := zipOf(t, with(entry{"a.bin", huge[:2000]}, entry{"b.bin", huge[:2000]})...)
		_, err := p.ImportArchive(context.Background(), bytes.NewReader(data), int64(len(data)))
		if !errors.Is(err, ErrBadArchive) || !strings.Contains(err.Error(), "add up to more than 3000 bytes") {
			t.Fatalf("err = %v, want the total cap", err)
		}
		assertUnchanged(t, p)
	})
}

// assertUnchanged checks a refused import left no posts, no activities and
// no files behind.
func assertUnchanged(t *testing.T, p *testPorter) {
	t.Helper()
	ctx := context.Background()
	if n, _ := p.db.CountPostsOf(ctx, p.db.OwnerID()); n != 0 {
		t.Errorf("%d posts after a refused import, want 0", n)
	}
	if n, _ := p.db.CountOutbox(ctx); n != 0 {
		t.Errorf("%d outbox activities after a refused import, want 0", n)
	}
	if files := mediaFiles(t, p); len(files) != 0 {
		t.Errorf("files left behind: %q", files)
	}
}

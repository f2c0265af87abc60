package federation_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"kith/federation"
	"kith/portability"
	"kith/store"
)

// porterOn builds the export/import side of a test instance, with no
// pause between batches of follows.
func porterOn(k *kith) *portability.Porter {
	return portability.New(k.db, k.fed, k.runner, nil, portability.Options{
		BaseURL: k.cfg.Server.URL, MediaDir: filepath.Join(k.cfg.Server.DataDir, "media"), FollowDelay: -1,
	})
}

// csvOf exports one list with its lines sorted (row order follows row ids,
// which differ between instances).
func csvOf(t *testing.T, p *portability.Porter, kind portability.Kind) string {
	t.Helper()
	var buf bytes.Buffer
	if err := p.WriteCSV(context.Background(), kind, &buf); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// Alice moves to dave's server: everything she exports comes back on
// dave's instance, follows go out over federation, posts keep their
// dates, media and thread, and dave's followers are not sent them.
func TestExportImportRoundTrip(t *testing.T) {
	n := newNetwork(t, "alice", "bob", "carol", "eve", "dave")
	alice, bob, carol, eve, dave := n.nodes[0], n.nodes[1], n.nodes[2], n.nodes[3], n.nodes[4]
	ctx := context.Background()
	from, to := porterOn(alice), porterOn(dave)

	n.follow(alice, bob)
	n.follow(alice, carol)
	n.follow(carol, dave) // dave's follower, who must not receive the imported posts
	bobPost, err := bob.fed.Post(ctx, federation.NewPost{Text: "bob says hi"})
	if err != nil {
		t.Fatal(err)
	}
	n.settle()
	aliceState(t, alice, bob, carol, eve, bobPost.URI)
	media := []byte("\x89PNG\r\n\x1a\nmedia bytes")
	first, reply := alicePosts(t, alice, media)

	var archive bytes.Buffer
	if err := from.WriteArchive(ctx, &archive); err != nil {
		t.Fatal(err)
	}
	kinds := []portability.Kind{portability.Following, portability.Blocks, portability.Mutes, portability.DomainBlocks, portability.Bookmarks, portability.Lists}
	for round := 1; round <= 2; round++ { // the second round must change nothing
		for _, kind := range kinds {
			var buf bytes.Buffer
			if err := from.WriteCSV(ctx, kind, &buf); err != nil {
				t.Fatal(err)
			}
			parsed, err := portability.ParseCSV(&buf, kind.FileName(), "")
			if err != nil {
				t.Fatal(err)
			}
			if bad := parsed.Bad(); len(bad) > 0 || parsed.Kind != kind {
				t.Fatalf("%s: kind %s, bad rows %q", kind, parsed.Kind, bad)
			}
			id, err := to.StartImport(ctx, parsed, portability.Merge, kind.FileName())
			if err != nil {
				t.Fatal(err)
			}
			n.settle()
			im, _ := dave.db.ImportByID(ctx, id)
			if im.State != store.ImportDone || im.Done != im.Total || im.Failed != 0 {
				failed, _ := dave.db.ImportRows(ctx, id, store.ImportFailed, 10)
				t.Fatalf("round %d %s import: %+v, failed rows %+v", round, kind, im, failed)
			}
		}
		res, err := to.ImportArchive(ctx, bytes.NewReader(archive.Bytes()), int64(archive.Len()))
		if err != nil {
			t.Fatal(err)
		}
		if want := map[int]int{1: 2, 2: 0}[round]; res.Created != want {
			t.Errorf("round %d: archive import created %d posts, want %d", round, res.Created, want)
		}
		n.settle()

		for _, kind := range kinds {
			if got, want := csvOf(t, to, kind), csvOf(t, from, kind); got != want {
				t.Errorf("round %d: %s on dave:\n%s\nwant as on alice:\n%s", round, kind, got, want)
			}
		}
		for _, k := range []*kith{bob, carol} {
			if got := followState(t, k, dave, k); got != store.FollowAccepted {
				t.Errorf("round %d: on %s, dave → %s is %q, want accepted", round, k.name, k.name, got)
			}
		}
		checkDavePosts(t, dave, first, reply, media)
		if got, _ := carol.db.CountPostsOf(ctx, carol.actorOn(t, dave).ID); got != 0 {
			t.Errorf("round %d: carol received %d of dave's imported posts, want none", round, got)
		}
	}
}

// aliceState gives alice a block, a mute, a domain block, a bookmark, a
// favourite and a list.
func aliceState(t *testing.T, alice, bob, carol, eve *kith, bookmark string) {
	t.Helper()
	ctx := context.Background()
	eveActor, err := alice.fed.Resolve(ctx, eve.handle())
	if err != nil {
		t.Fatal(err)
	}
	if err := alice.fed.Block(ctx, eveActor.ID); err != nil {
		t.Fatal(err)
	}
	if err := alice.fed.BlockDomain(ctx, "spam.example"); err != nil {
		t.Fatal(err)
	}
	post, err := alice.db.PostByURI(ctx, bookmark)
	if err != nil {
		t.Fatal(err)
	}
	if err := alice.fed.Like(ctx, post.ID); err != nil {
		t.Fatal(err)
	}
	bobID, carolID := alice.actorOn(t, bob).ID, alice.actorOn(t, carol).ID
	err = alice.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.PutBookmark(ctx, post.ID); err != nil {
			return err
		}
		if err := tx.PutMute(ctx, carolID, false, time.Time{}); err != nil {
			return err
		}
		if err := tx.SetFollowOptions(ctx, carolID, store.FollowOptions{ShowReblogs: false, Notify: true, Languages: []string{"en", "de"}}); err != nil {
			return err
		}
		list, err := tx.CreateList(ctx, store.List{Title: "Friends, close"})
		if err != nil {
			return err
		}
		return tx.AddListAccounts(ctx, list, []int64{bobID, carolID})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// alicePosts makes a post with an image and a reply to it.
func alicePosts(t *testing.T, alice *kith, media []byte) (store.Post, store.Post) {
	t.Helper()
	ctx := context.Background()
	mediaDir := filepath.Join(alice.cfg.Server.DataDir, "media")
	os.MkdirAll(mediaDir, 0o755)
	if err := os.WriteFile(filepath.Join(mediaDir, "abc.png"), media, 0o644); err != nil {
		t.Fatal(err)
	}
	var attID int64
	err := alice.db.InTx(ctx, func(tx *store.Tx) (err error) {
		attID, err = tx.CreateUpload(ctx, store.Upload{Attachment: store.Attachment{URL: alice.cfg.Server.URL + "/media/abc.png",
			MediaType: "image/png", Description: "a picture"}, Path: "abc.png", State: store.UploadReady})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	first, err := alice.fed.Post(ctx, federation.NewPost{Text: "hello with a picture", Summary: "a cw",
		Attachments: []store.Attachment{{ID: attID}}})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := alice.fed.Post(ctx, federation.NewPost{Text: "and a reply", InReplyTo: first.URI, Visibility: store.Unlisted})
	if err != nil {
		t.Fatal(err)
	}
	return first, reply
}

func checkDavePosts(t *testing.T, dave *kith, first, reply store.Post, media []byte) {
	t.Helper()
	ctx := context.Background()
	posts, err := dave.db.PostsOfAfter(ctx, dave.db.OwnerID(), 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 2 {
		t.Fatalf("dave has %d posts, want 2", len(posts))
	}
	gotFirst, gotReply := posts[0], posts[1]
	if gotFirst.Content != first.Content || gotFirst.Summary != first.Summary || !gotFirst.PublishedAt.Equal(first.PublishedAt.Truncate(time.Second)) {
		t.Errorf("first post on dave = %q %q %v, want %q %q %v", gotFirst.Content, gotFirst.Summary, gotFirst.PublishedAt,
			first.Content, first.Summary, first.PublishedAt)
	}
	if gotReply.InReplyToID != gotFirst.ID || gotReply.Visibility != store.Unlisted {
		t.Errorf("reply on dave: in reply to %d, %s; want %d, unlisted", gotReply.InReplyToID, gotReply.Visibility, gotFirst.ID)
	}
	if len(gotFirst.Attachments) != 1 || gotFirst.Attachments[0].Description != "a picture" {
		t.Fatalf("attachments on dave = %+v", gotFirst.Attachments)
	}
	rel, ok := strings.CutPrefix(gotFirst.Attachments[0].URL, dave.cfg.Server.URL+"/media/")
	if !ok {
		t.Fatalf("attachment URL %q is not served by dave", gotFirst.Attachments[0].URL)
	}
	got, err := os.ReadFile(filepath.Join(dave.cfg.Server.DataDir, "media", rel))
	if err != nil || !bytes.Equal(got, media) {
		t.Errorf("dave's media file = %q, %v; want alice's bytes", got, err)
	}
}

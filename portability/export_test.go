package portability

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
)

func TestWriteArchiveLayout(t *testing.T) { eachMediaStorage(t, testWriteArchiveLayout) }

func testWriteArchiveLayout(t *testing.T, storage func(*Options)) {
	var opts Options
	storage(&opts)
	p := newTestPorter(t, opts)
	ctx := context.Background()
	src := zipOf(t, mastodonArchive()...)
	if _, err := p.ImportArchive(ctx, bytes.NewReader(src), int64(len(src))); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := p.WriteArchive(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	for _, name := range []string{"actor.json", "outbox.json", "likes.json", "bookmarks.json"} {
		var doc map[string]any
		if err := json.Unmarshal(files[name], &doc); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	var outbox struct {
		Type         string `json:"type"`
		TotalItems   int    `json:"totalItems"`
		OrderedItems []struct {
			Type   string `json:"type"`
			Object struct {
				Published  string `json:"published"`
				Attachment []struct {
					URL string `json:"url"`
				} `json:"attachment"`
			} `json:"object"`
		} `json:"orderedItems"`
	}
	if err := json.Unmarshal(files["outbox.json"], &outbox); err != nil {
		t.Fatal(err)
	}
	if outbox.Type != "OrderedCollection" || outbox.TotalItems != 4 || len(outbox.OrderedItems) != 4 {
		t.Fatalf("outbox: %s with totalItems %d and %d items, want an OrderedCollection of 4", outbox.Type, outbox.TotalItems, len(outbox.OrderedItems))
	}
	first := outbox.OrderedItems[0]
	if first.Type != "Create" || first.Object.Published != "2020-01-02T03:04:05Z" || len(first.Object.Attachment) != 1 {
		t.Fatalf("first item = %+v, want the Create of the 2020 post with its picture", first)
	}
	url := first.Object.Attachment[0].URL
	if !strings.HasPrefix(url, "/media_attachments/files/") {
		t.Errorf("attachment url = %q, want a path inside the archive", url)
	}
	if got := files[strings.TrimPrefix(url, "/")]; !bytes.Equal(got, catPNG) {
		t.Errorf("archived media %s = %q, want the picture", url, got)
	}

	// The export imports again, into another instance, as it is.
	q := newTestPorter(t, Options{})
	res, err := q.ImportArchive(ctx, bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil || res.Created != 4 {
		t.Errorf("reimport = %+v, %v; want 4 posts", res, err)
	}
}

func TestWriteCSVHeaders(t *testing.T) {
	p := newTestPorter(t, Options{})
	want := map[Kind]string{
		Following:    "Account address,Show boosts,Notify on new posts,Languages\n",
		Followers:    "Account address\n",
		Mutes:        "Account address,Hide notifications\n",
		Blocks:       "",
		DomainBlocks: "",
		Bookmarks:    "",
		Lists:        "",
	}
	for _, kind := range Kinds {
		var buf bytes.Buffer
		if err := p.WriteCSV(context.Background(), kind, &buf); err != nil {
			t.Fatal(err)
		}
		if got := buf.String(); got != want[kind] {
			t.Errorf("empty %s = %q, want %q", kind.FileName(), got, want[kind])
		}
	}
}

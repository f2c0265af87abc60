package media

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"kith/store"
)

type tarEntry struct {
	name     string
	typeflag byte
	data     []byte
	link     string
}

func tarGz(t *testing.T, entries []tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typeflag, Mode: 0o644, Size: int64(len(e.data)), Linkname: e.link}
		if e.typeflag != tar.TypeReg {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if e.typeflag == tar.TypeReg {
			tw.Write(e.data)
		}
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// TestImportEmoji reads a hostile pack: names that climb out of the
// archive become plain shortcodes or are refused, links and devices are
// skipped, and every stored file stays under the emoji directory.
func TestImportEmoji(t *testing.T) { eachStore(t, testImportEmoji) }

func testImportEmoji(t *testing.T, ts testStore) {
	db := openTestDB(t)
	files := ts.files
	ctx := context.Background()
	pack := tarGz(t, []tarEntry{
		{name: "../../escape.png", typeflag: tar.TypeReg, data: testPNG(t, 20, 20)},
		{name: "/abs/blob.png", typeflag: tar.TypeReg, data: testPNG(t, 1000, 10)},
		{name: "link.png", typeflag: tar.TypeSymlink, link: "/etc/passwd"},
		{name: "hard.png", typeflag: tar.TypeLink, link: "escape.png"},
		{name: "x.png", typeflag: tar.TypeReg, data: testPNG(t, 8, 8)},
		{name: "s\u00e9.png", typeflag: tar.TypeReg, data: testPNG(t, 8, 8)},
		{name: "fake.gif", typeflag: tar.TypeReg, data: []byte("GIF89a but not really")},
	})
	res, err := ImportEmoji(ctx, db, files, bytes.NewReader(pack), "blobs", false)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(res.Added)
	if !slices.Equal(res.Added, []string{"blob", "escape"}) {
		t.Errorf("added %q, want blob and escape", res.Added)
	}
	var skipped []string
	for _, s := range res.Skipped {
		skipped = append(skipped, s.Name)
	}
	if !slices.Equal(skipped, []string{"x.png", "s\u00e9.png", "fake.gif"}) {
		t.Errorf("skipped %+v, want x.png (one letter), sé.png and fake.gif", res.Skipped)
	}
	list, err := db.CustomEmojis(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range list {
		if !strings.HasPrefix(e.Path, EmojiDir+"/"+e.Shortcode+"-") || e.Category != "blobs" || e.ContentType != "image/png" {
			t.Errorf("stored %+v", e)
		}
		if !exists(t, files, e.Path) {
			t.Errorf("%s: not stored", e.Shortcode)
		}
	}
	files.Store.Walk(ctx, "", func(i Info) error {
		if !strings.HasPrefix(i.Name, EmojiDir+"/") {
			t.Errorf("a file was written outside the emoji directory: %s", i.Name)
		}
		return nil
	})

	// Not a tar.gz at all.
	if _, err := ImportEmoji(ctx, db, files, strings.NewReader("PK\x03\x04 a zip"), "", false); !errors.Is(err, ErrBadArchive) {
		t.Errorf("a zip: %v, want ErrBadArchive", err)
	}
}

// TestAddReplaceRemoveEmoji: a new image for a shortcode replaces the old
// file, and removing takes file and row.
func TestAddReplaceRemoveEmoji(t *testing.T) { eachStore(t, testAddReplaceRemoveEmoji) }

func testAddReplaceRemoveEmoji(t *testing.T, ts testStore) {
	db := openTestDB(t)
	files := ts.files
	ctx := context.Background()
	if _, err := AddEmoji(ctx, db, files, "a", "", testPNG(t, 8, 8)); !errors.Is(err, ErrBadShortcode) {
		t.Errorf("one-letter shortcode: %v, want ErrBadShortcode", err)
	}
	if _, err := AddEmoji(ctx, db, files, "big", "", make([]byte, MaxEmojiBytes+1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized image: %v, want ErrTooLarge", err)
	}
	first, err := AddEmoji(ctx, db, files, "blob", "", testPNG(t, 600, 300))
	if err != nil {
		t.Fatal(err)
	}
	second, err := AddEmoji(ctx, db, files, "blob", "", testPNG(t, 16, 16))
	if err != nil {
		t.Fatal(err)
	}
	if exists(t, files, first.Path) {
		t.Errorf("the replaced image %s is still there", first.Path)
	}
	if err := RemoveEmoji(ctx, db, files, "blob"); err != nil {
		t.Fatal(err)
	}
	if exists(t, files, second.Path) {
		t.Errorf("the removed image %s is still there", second.Path)
	}
	if err := RemoveEmoji(ctx, db, files, "blob"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("removing twice: %v, want ErrNotFound", err)
	}
}

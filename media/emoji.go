package media

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"kith/store"
)

// EmojiDir is the subdirectory of the media directory that holds the
// owner's custom emoji.
const EmojiDir = "emoji"

// Mastodon's limits on a custom emoji: 256 KiB (its
// LIMIT = 256.kilobytes); images are shown at line height, so anything
// beyond 256×256 pixels is scaled down.
const (
	MaxEmojiBytes = 256 << 10
	maxEmojiSide  = 256
)

// EmojiLimits are for the owner's custom emoji.
var EmojiLimits = Limits{MaxBytes: MaxEmojiBytes, MaxPixels: 4096 * 4096, MaxWidth: maxEmojiSide, MaxHeight: maxEmojiSide}

var (
	// ErrBadShortcode means a shortcode is not two or more letters, digits
	// or underscores.
	ErrBadShortcode = errors.New("a shortcode is two or more letters, digits or underscores")
	// ErrBadArchive means an emoji archive is not a gzip'd tar.
	ErrBadArchive = errors.New("not a tar.gz archive")
)

// AddEmoji checks an image (as uploads are checked: the bytes must be a
// PNG, GIF, JPEG or WebP within EmojiLimits), stores it under EmojiDir and
// makes it the owner's emoji :shortcode:, replacing the image of an
// emoji of that name.
func AddEmoji(ctx context.Context, db *store.DB, files Files, shortcode, category string, data []byte) (store.CustomEmoji, error) {
	if !store.ValidShortcode(shortcode) {
		return store.CustomEmoji{}, fmt.Errorf("%q: %w", shortcode, ErrBadShortcode)
	}
	p, err := Process(data, "", EmojiLimits)
	if err != nil {
		return store.CustomEmoji{}, fmt.Errorf("emoji %s: %w", shortcode, err)
	}
	// A new name for every image: files are cached for good by their URL.
	name := path.Join(EmojiDir, shortcode+"-"+NewName()[:12]+p.Original.Ext)
	if err := files.Write(ctx, name, p.Original.Data); err != nil {
		return store.CustomEmoji{}, err
	}
	e := store.CustomEmoji{Shortcode: shortcode, Path: name, ContentType: p.Original.ContentType,
		Category: strings.TrimSpace(category), VisibleInPicker: true}
	var replaced string
	err = db.InTx(ctx, func(tx *store.Tx) error {
		replaced, err = tx.PutCustomEmoji(ctx, e)
		return err
	})
	if err != nil {
		files.Remove(ctx, name)
		return store.CustomEmoji{}, err
	}
	files.Remove(ctx, replaced)
	return db.CustomEmoji(ctx, shortcode)
}

// RemoveEmoji deletes one of the owner's emoji and its image, or returns
// store.ErrNotFound. The owner's posts that used it show its text,
// :shortcode:, from then on.
func RemoveEmoji(ctx context.Context, db *store.DB, files Files, shortcode string) error {
	var gone string
	err := db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		gone, err = tx.DeleteCustomEmoji(ctx, shortcode)
		return err
	})
	if err != nil {
		return err
	}
	return files.Remove(ctx, gone)
}

// Import limits: a pack of emoji is a few hundred small files.
const (
	maxImportEntries = 5000
	maxImportBytes   = 256 << 20 // unpacked, in all
)

// ImportResult is what an emoji import did: the shortcodes added, and
// the files skipped with why.
type ImportResult struct {
	Added   []string
	Skipped []ImportSkip
}

// ImportSkip is one file of an archive that did not become an emoji.
type ImportSkip struct {
	Name   string
	Reason string
}

// ImportEmoji adds every PNG and GIF of a tar.gz archive as an emoji, the
// shortcode being the file's name without its extension (the format of
// Mastodon's tootctl emoji import). Directories and other files are
// skipped; so are images refused by AddEmoji, each with its reason. With
// overwrite false an emoji already there is kept. category names the
// imported emoji's category ("" for none).
func ImportEmoji(ctx context.Context, db *store.DB, files Files, archive io.Reader, category string, overwrite bool) (ImportResult, error) {
	zr, err := gzip.NewReader(archive)
	if err != nil {
		return ImportResult{}, fmt.Errorf("%w: %v", ErrBadArchive, err)
	}
	defer zr.Close()
	tr := tar.NewReader(zr)
	var res ImportResult
	var total int64
	for n := 0; ; n++ {
		h, err := tr.Next()
		if err == io.EOF {
			return res, nil
		}
		if err != nil {
			return res, fmt.Errorf("%w: %v", ErrBadArchive, err)
		}
		if n >= maxImportEntries {
			return res, fmt.Errorf("%w: more than %d entries", ErrBadArchive, maxImportEntries)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		skip := func(reason string) { res.Skipped = append(res.Skipped, ImportSkip{Name: h.Name, Reason: reason}) }
		base := path.Base(h.Name)
		ext := strings.ToLower(path.Ext(base))
		code := strings.TrimSuffix(base, path.Ext(base))
		switch {
		case strings.HasPrefix(base, "."):
			continue // macOS resource forks (._name.png) and hidden files
		case ext != ".png" && ext != ".gif":
			skip("not a .png or .gif file")
			continue
		case !store.ValidShortcode(code):
			skip(ErrBadShortcode.Error())
			continue
		case h.Size > MaxEmojiBytes:
			skip(fmt.Sprintf("%d bytes, over %d", h.Size, MaxEmojiBytes))
			continue
		}
		if total += h.Size; total > maxImportBytes {
			return res, fmt.Errorf("%w: more than %d bytes unpacked", ErrBadArchive, maxImportBytes)
		}
		if !overwrite {
			if _, err := db.CustomEmoji(ctx, code); err == nil {
				skip("already there")
				continue
			}
		}
		data, err := io.ReadAll(io.LimitReader(tr, MaxEmojiBytes+1))
		if err != nil {
			return res, fmt.Errorf("%w: %v", ErrBadArchive, err)
		}
		if _, err := AddEmoji(ctx, db, files, code, category, data); err != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			skip(err.Error())
			continue
		}
		res.Added = append(res.Added, code)
	}
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"
)

// CustomEmoji is one of the owner's custom emoji: an image under the media
// directory, written :Shortcode: in posts, the name and the bio.
type CustomEmoji struct {
	Shortcode       string
	Path            string // relative to the media directory
	ContentType     string
	Category        string
	VisibleInPicker bool
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// ShortcodeRE is what the owner may name a custom emoji: two or more
// letters, digits or underscores, as Mastodon allows.
var ShortcodeRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z0-9_]{2,}$`) })

// MaxShortcodeLen bounds a shortcode's length, as kith bounds remote ones.
const MaxShortcodeLen = 100

// ValidShortcode reports whether s may name one of the owner's emoji.
func ValidShortcode(s string) bool {
	return len(s) <= MaxShortcodeLen && ShortcodeRE().MatchString(s)
}

const customEmojiColumns = `shortcode, path, content_type, category, visible_in_picker, created_at, updated_at`

func scanCustomEmoji(row interface{ Scan(...any) error }) (CustomEmoji, error) {
	var e CustomEmoji
	var created, updated int64
	err := row.Scan(&e.Shortcode, &e.Path, &e.ContentType, &e.Category, &e.VisibleInPicker, &created, &updated)
	e.CreatedAt, e.UpdatedAt = fromMilli(created), fromMilli(updated)
	return e, err
}

// CustomEmojis lists the owner's custom emoji by shortcode.
func (db *DB) CustomEmojis(ctx context.Context) ([]CustomEmoji, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+customEmojiColumns+` FROM custom_emojis ORDER BY shortcode`)
	if err != nil {
		return nil, fmt.Errorf("custom emojis: %w", err)
	}
	defer rows.Close()
	var out []CustomEmoji
	for rows.Next() {
		e, err := scanCustomEmoji(rows)
		if err != nil {
			return nil, fmt.Errorf("custom emojis: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// CustomEmoji returns one of the owner's custom emoji by shortcode.
func (db *DB) CustomEmoji(ctx context.Context, shortcode string) (CustomEmoji, error) {
	e, err := scanCustomEmoji(db.read.QueryRowContext(ctx, `SELECT `+customEmojiColumns+` FROM custom_emojis WHERE shortcode = ?`, shortcode))
	if err != nil {
		return CustomEmoji{}, notFound(err, "custom emoji "+shortcode)
	}
	return e, nil
}

// PutCustomEmoji adds a custom emoji or replaces the image of one of the
// same shortcode; it returns the path of the replaced image ("" when the
// shortcode is new), for the caller to remove once committed.
func (tx *Tx) PutCustomEmoji(ctx context.Context, e CustomEmoji) (replaced string, err error) {
	err = tx.queryRow(ctx, `SELECT path FROM custom_emojis WHERE shortcode = ?`, e.Shortcode).Scan(&replaced)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("put custom emoji %s: %w", e.Shortcode, err)
	}
	now := unixMilli(tx.now)
	_, err = tx.exec(ctx, `INSERT INTO custom_emojis (`+customEmojiColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (shortcode) DO UPDATE SET path = excluded.path, content_type = excluded.content_type,
		category = excluded.category, visible_in_picker = excluded.visible_in_picker, updated_at = excluded.updated_at`,
		e.Shortcode, e.Path, e.ContentType, e.Category, e.VisibleInPicker, now, now)
	if err != nil {
		return "", fmt.Errorf("put custom emoji %s: %w", e.Shortcode, err)
	}
	if replaced != "" && replaced != e.Path {
		// The owner's posts that use it show the new image.
		_, err = tx.exec(ctx, `UPDATE post_emojis SET url = substr(url, 1, length(url) - length(?)) || ?
			WHERE shortcode = ? AND substr(url, -length(?)) = ? AND post_id IN (SELECT id FROM posts WHERE local = 1)`,
			replaced, e.Path, e.Shortcode, replaced, replaced)
		if err != nil {
			return "", fmt.Errorf("put custom emoji %s: %w", e.Shortcode, err)
		}
	}
	return replaced, nil
}

// DeleteCustomEmoji removes a custom emoji and returns its image's path,
// or ErrNotFound. The owner's posts that used it show its text from then
// on.
func (tx *Tx) DeleteCustomEmoji(ctx context.Context, shortcode string) (string, error) {
	var path string
	err := tx.queryRow(ctx, `DELETE FROM custom_emojis WHERE shortcode = ? RETURNING path`, shortcode).Scan(&path)
	if err != nil {
		return "", notFound(err, "custom emoji "+shortcode)
	}
	_, err = tx.exec(ctx, `DELETE FROM post_emojis WHERE shortcode = ? AND post_id IN (SELECT id FROM posts WHERE local = 1)`, shortcode)
	if err != nil {
		return "", fmt.Errorf("delete custom emoji %s: %w", shortcode, err)
	}
	return path, nil
}

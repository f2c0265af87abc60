package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Cleaner holds the rules that turn a stored value from another server
// into what kith would store today. The store walks the rows and applies
// them; it does not know what the rules do (federation supplies them,
// from its ingest boundary). A rule that returns "" for a URL, hashtag or
// shortcode that a row cannot do without drops the row.
type Cleaner struct {
	HTML      func(string) string // post content and earlier versions, bios, profile field values
	Text      func(string) string // content warnings and alt text
	Line      func(string) string // display names, field names, poll options, mention names
	URL       func(string) string // every URL column
	Hashtag   func(string) string
	Shortcode func(string) string
	MediaType func(string) string
	Blurhash  func(string) string
	// LocalFieldName rewrites the owner's profile field names.
	LocalFieldName func(string) string
}

// CleanStats counts the rows CleanStored rewrote and dropped.
type CleanStats struct {
	Changed int
	Dropped int
}

// cleanBatch is how many rows one transaction rewrites, so a large
// database is cleaned without holding the write lock for long.
const cleanBatch = 500

// cleanColumn is one column a rule applies to. A required column that the
// rule empties drops the row; fallback names a column whose value takes
// the place of an emptied one (a post's url falls back to its uri).
type cleanColumn struct {
	name     string
	rule     func(string) string
	required bool
	fallback string
}

// cleanTable says which rows of a table come from other servers and how
// each of their columns is rewritten. key names the columns that find a
// row again.
type cleanTable struct {
	table   string
	key     []string
	where   string
	columns []cleanColumn
}

// CleanStored applies c to every stored row that came from another
// server: actors (their emojis too), posts, their earlier versions,
// attachments, mentions, tags, emojis and poll options; and to the
// owner's profile field names.
// Rows are rewritten in batches, each in its own transaction; running it
// again changes nothing.
func (db *DB) CleanStored(ctx context.Context, c Cleaner) (CleanStats, error) {
	var total CleanStats
	remotePost := `post_id IN (SELECT id FROM posts WHERE local = 0)`
	tables := []cleanTable{
		{table: "actors", key: []string{"id"}, where: "local = 0", columns: []cleanColumn{
			{name: "display_name", rule: c.Line}, {name: "summary", rule: c.HTML},
			{name: "url", rule: c.URL, fallback: "uri"}, {name: "inbox", rule: c.URL}, {name: "shared_inbox", rule: c.URL},
			{name: "outbox", rule: c.URL}, {name: "followers", rule: c.URL}, {name: "following", rule: c.URL},
			{name: "featured", rule: c.URL}, {name: "avatar_url", rule: c.URL}, {name: "header_url", rule: c.URL},
			{name: "moved_to", rule: c.URL}, {name: "key_id", rule: c.URL},
			{name: "fields", rule: cleanFields(c.Line, c.HTML)}, {name: "also_known_as", rule: cleanURLList(c.URL)},
			{name: "emojis", rule: cleanEmojis(c.Shortcode, c.URL)},
		}},
		{table: "actors", key: []string{"id"}, where: "local = 1", columns: []cleanColumn{
			{name: "fields", rule: cleanFields(c.LocalFieldName, func(s string) string { return s })},
		}},
		{table: "posts", key: []string{"id"}, where: "local = 0", columns: []cleanColumn{
			{name: "summary", rule: c.Text}, {name: "content", rule: c.HTML},
			{name: "url", rule: c.URL, fallback: "uri"}, {name: "in_reply_to_uri", rule: c.URL},
		}},
		{table: "post_edits", key: []string{"id"}, where: remotePost, columns: []cleanColumn{
			{name: "summary", rule: c.Text}, {name: "content", rule: c.HTML},
		}},
		{table: "attachments", key: []string{"id"}, where: remotePost, columns: []cleanColumn{
			{name: "url", rule: c.URL, required: true}, {name: "description", rule: c.Text},
			{name: "media_type", rule: c.MediaType}, {name: "blurhash", rule: c.Blurhash},
		}},
		{table: "post_mentions", key: []string{"post_id", "actor_uri"}, where: remotePost, columns: []cleanColumn{
			{name: "actor_uri", rule: c.URL, required: true}, {name: "name", rule: c.Line},
		}},
		{table: "post_tags", key: []string{"post_id", "tag"}, where: remotePost, columns: []cleanColumn{
			{name: "tag", rule: c.Hashtag, required: true},
		}},
		{table: "post_emojis", key: []string{"post_id", "shortcode"}, where: remotePost, columns: []cleanColumn{
			{name: "shortcode", rule: c.Shortcode, required: true}, {name: "url", rule: c.URL, required: true},
		}},
		{table: "poll_options", key: []string{"post_id", "position"}, where: remotePost, columns: []cleanColumn{
			{name: "title", rule: c.Line},
		}},
	}
	for _, t := range tables {
		st, err := db.cleanTable(ctx, t)
		total.Changed += st.Changed
		total.Dropped += st.Dropped
		if err != nil {
			return total, fmt.Errorf("clean %s: %w", t.table, err)
		}
	}
	return total, nil
}

// cleanTable rewrites one table in batches ordered by its key. A row
// whose key column changes is written anew under its new key (dropped if
// a row with that key is already there).
func (db *DB) cleanTable(ctx context.Context, t cleanTable) (CleanStats, error) {
	var total CleanStats
	var names []string
	for _, c := range t.columns {
		names = append(names, c.name)
		if c.fallback != "" {
			names = append(names, c.fallback)
		}
	}
	names = append(names, t.key...)
	cols := strings.Join(names, ", ")
	order := strings.Join(t.key, ", ")
	var after []any // the key of the last row seen
	for {
		var st CleanStats
		err := db.InTx(ctx, func(tx *Tx) error {
			st = CleanStats{}
			q := `SELECT ` + cols + ` FROM ` + t.table + ` WHERE (` + t.where + `)`
			if after != nil {
				q += ` AND (` + order + `) > (` + placeholders(len(t.key)) + `)`
			}
			q += ` ORDER BY ` + order + ` LIMIT ` + fmt.Sprint(cleanBatch)
			rows, err := tx.query(ctx, q, after...)
			if err != nil {
				return err
			}
			var batch []map[string]any
			for rows.Next() {
				vals := make([]any, len(names))
				ptrs := make([]any, len(names))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					return err
				}
				row := map[string]any{}
				for i, n := range names {
					row[n] = vals[i]
				}
				batch = append(batch, row)
			}
			if err := errors.Join(rows.Err(), rows.Close()); err != nil {
				return err
			}
			if len(batch) == 0 {
				after = nil
				return nil
			}
			after = keyOf(batch[len(batch)-1], t.key)
			for _, row := range batch {
				if err := tx.cleanRow(ctx, t, row, &st); err != nil {
					return err
				}
			}
			return nil
		})
		total.Changed += st.Changed
		total.Dropped += st.Dropped
		if err != nil || after == nil {
			return total, err
		}
	}
}

// cleanRow applies t's rules to one row and writes what changed.
func (tx *Tx) cleanRow(ctx context.Context, t cleanTable, row map[string]any, st *CleanStats) error {
	oldKey := keyOf(row, t.key)
	where := strings.Join(t.key, " = ? AND ") + " = ?"
	var sets []string
	var args []any
	keyChanged := false
	for _, c := range t.columns {
		old, ok := row[c.name].(string)
		if !ok || c.rule == nil {
			continue
		}
		v := c.rule(old)
		if v == "" && c.fallback != "" {
			v, _ = row[c.fallback].(string)
		}
		if v == "" && c.required {
			st.Dropped++
			_, err := tx.exec(ctx, `DELETE FROM `+t.table+` WHERE `+where, oldKey...)
			return err
		}
		if v == old {
			continue
		}
		row[c.name] = v
		sets = append(sets, c.name+" = ?")
		args = append(args, v)
		for _, k := range t.key {
			keyChanged = keyChanged || k == c.name
		}
	}
	if len(sets) == 0 {
		return nil
	}
	st.Changed++
	update := `UPDATE ` + t.table + ` SET ` + strings.Join(sets, ", ") + ` WHERE ` + where
	if keyChanged {
		// The new key may be taken (two tags that clean to one): keep the
		// row already there.
		update = `UPDATE OR IGNORE ` + strings.TrimPrefix(update, "UPDATE ")
	}
	if _, err := tx.exec(ctx, update, append(args, oldKey...)...); err != nil {
		return err
	}
	if keyChanged {
		_, err := tx.exec(ctx, `DELETE FROM `+t.table+` WHERE `+where, oldKey...)
		return err
	}
	return nil
}

// keyOf returns the values of a row's key columns.
func keyOf(row map[string]any, key []string) []any {
	out := make([]any, len(key))
	for i, k := range key {
		out[i] = row[k]
	}
	return out
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// cleanFields returns a rule for a JSON list of profile fields.
func cleanFields(name, value func(string) string) func(string) string {
	return func(s string) string {
		var fields []Field
		if json.Unmarshal([]byte(s), &fields) != nil {
			return "[]"
		}
		out := []Field{}
		for _, f := range fields {
			if f.Name = name(f.Name); f.Name != "" {
				f.Value = value(f.Value)
				out = append(out, f)
			}
		}
		b, _ := json.Marshal(out)
		return string(b)
	}
}

// cleanEmojis returns a rule for an actor's JSON list of emojis: each
// kept with a shortcode and a URL, the first of each shortcode.
func cleanEmojis(shortcode, url func(string) string) func(string) string {
	return func(s string) string {
		var list []Emoji
		if json.Unmarshal([]byte(s), &list) != nil {
			return "[]"
		}
		out := []Emoji{}
		seen := map[string]bool{}
		for _, e := range list {
			e.Shortcode, e.URL = shortcode(e.Shortcode), url(e.URL)
			if e.Shortcode != "" && e.URL != "" && !seen[e.Shortcode] {
				seen[e.Shortcode] = true
				out = append(out, e)
			}
		}
		b, _ := json.Marshal(out)
		return string(b)
	}
}

// cleanURLList returns a rule for a JSON list of URLs.
func cleanURLList(rule func(string) string) func(string) string {
	return func(s string) string {
		var list []string
		if json.Unmarshal([]byte(s), &list) != nil {
			return "[]"
		}
		out := []string{}
		for _, u := range list {
			if u = rule(u); u != "" {
				out = append(out, u)
			}
		}
		b, _ := json.Marshal(out)
		return string(b)
	}
}

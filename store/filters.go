package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Filter is a Mastodon v2 filter: keywords and posts that, in the given
// contexts, hide a post or put it behind a warning. Matching keywords
// against text is the caller's job; the store keeps them.
type Filter struct {
	ID        int64
	Title     string
	Context   []string // home, notifications, public, thread, account
	Action    string   // warn, hide or blur
	ExpiresAt time.Time
	CreatedAt time.Time
	Keywords  []FilterKeyword
	Statuses  []FilterStatus
}

// FilterKeyword is a word or phrase a filter matches.
type FilterKeyword struct {
	ID        int64
	FilterID  int64
	Keyword   string
	WholeWord bool
}

// FilterStatus is a post a filter matches.
type FilterStatus struct {
	ID       int64
	FilterID int64
	PostID   int64
}

// CreateFilter stores a filter with its keywords and returns its id.
func (tx *Tx) CreateFilter(ctx context.Context, f Filter) (int64, error) {
	contexts, _ := json.Marshal(nonNil(f.Context))
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO filters (title, context, filter_action, expires_at, created_at) VALUES (?, ?, ?, ?, ?)`,
		f.Title, string(contexts), cmp.Or(f.Action, "warn"), milliOrZero(f.ExpiresAt), unixMilli(tx.now))
	if err != nil {
		return 0, fmt.Errorf("create filter: %w", err)
	}
	id, _ := res.LastInsertId()
	for _, k := range f.Keywords {
		if _, err := tx.AddFilterKeyword(ctx, id, k.Keyword, k.WholeWord); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// UpdateFilter changes a filter's title, contexts, action and expiry (not
// its keywords or posts).
func (tx *Tx) UpdateFilter(ctx context.Context, f Filter) error {
	contexts, _ := json.Marshal(nonNil(f.Context))
	res, err := tx.tx.ExecContext(ctx, `UPDATE filters SET title = ?, context = ?, filter_action = ?, expires_at = ? WHERE id = ?`,
		f.Title, string(contexts), cmp.Or(f.Action, "warn"), milliOrZero(f.ExpiresAt), f.ID)
	return affectedOne(res, err, fmt.Sprintf("filter %d", f.ID))
}

// DeleteFilter deletes a filter with its keywords and posts.
func (tx *Tx) DeleteFilter(ctx context.Context, id int64) error {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM filters WHERE id = ?`, id)
	return affectedOne(res, err, fmt.Sprintf("filter %d", id))
}

// AddFilterKeyword adds a keyword to a filter and returns its id.
func (tx *Tx) AddFilterKeyword(ctx context.Context, filterID int64, keyword string, wholeWord bool) (int64, error) {
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO filter_keywords (filter_id, keyword, whole_word) VALUES (?, ?, ?)`, filterID, keyword, wholeWord)
	if err != nil {
		return 0, fmt.Errorf("add filter keyword: %w", err)
	}
	return res.LastInsertId()
}

// UpdateFilterKeyword changes a keyword.
func (tx *Tx) UpdateFilterKeyword(ctx context.Context, k FilterKeyword) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE filter_keywords SET keyword = ?, whole_word = ? WHERE id = ?`, k.Keyword, k.WholeWord, k.ID)
	return affectedOne(res, err, fmt.Sprintf("filter keyword %d", k.ID))
}

// DeleteFilterKeyword removes a keyword.
func (tx *Tx) DeleteFilterKeyword(ctx context.Context, id int64) error {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM filter_keywords WHERE id = ?`, id)
	return affectedOne(res, err, fmt.Sprintf("filter keyword %d", id))
}

// AddFilterStatus adds a post to a filter and returns the entry's id
// (the existing one when the post is already in it).
func (tx *Tx) AddFilterStatus(ctx context.Context, filterID, postID int64) (int64, error) {
	var id int64
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO filter_statuses (filter_id, post_id) VALUES (?, ?)
		ON CONFLICT (filter_id, post_id) DO UPDATE SET post_id = excluded.post_id RETURNING id`, filterID, postID).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("add filter status: %w", err)
	}
	return id, nil
}

// DeleteFilterStatus removes a post from a filter.
func (tx *Tx) DeleteFilterStatus(ctx context.Context, id int64) error {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM filter_statuses WHERE id = ?`, id)
	return affectedOne(res, err, fmt.Sprintf("filter status %d", id))
}

// FilterKeywordByID returns one keyword.
func (db *DB) FilterKeywordByID(ctx context.Context, id int64) (FilterKeyword, error) {
	var k FilterKeyword
	err := db.read.QueryRowContext(ctx, `SELECT id, filter_id, keyword, whole_word FROM filter_keywords WHERE id = ?`, id).
		Scan(&k.ID, &k.FilterID, &k.Keyword, &k.WholeWord)
	if err != nil {
		return FilterKeyword{}, notFound(err, fmt.Sprintf("filter keyword %d", id))
	}
	return k, nil
}

// FilterStatusByID returns one filtered-post entry.
func (db *DB) FilterStatusByID(ctx context.Context, id int64) (FilterStatus, error) {
	var s FilterStatus
	err := db.read.QueryRowContext(ctx, `SELECT id, filter_id, post_id FROM filter_statuses WHERE id = ?`, id).Scan(&s.ID, &s.FilterID, &s.PostID)
	if err != nil {
		return FilterStatus{}, notFound(err, fmt.Sprintf("filter status %d", id))
	}
	return s, nil
}

// FilterByID returns a filter with its keywords and posts.
func (db *DB) FilterByID(ctx context.Context, id int64) (Filter, error) {
	fs, err := db.filters(ctx, `WHERE id = ?`, id)
	if err != nil {
		return Filter{}, err
	}
	if len(fs) == 0 {
		return Filter{}, fmt.Errorf("filter %d: %w", id, ErrNotFound)
	}
	return fs[0], nil
}

// Filters returns every filter, expired ones too (clients show them), with
// keywords and posts, oldest first.
func (db *DB) Filters(ctx context.Context) ([]Filter, error) {
	return db.filters(ctx, ``)
}

// ActiveFilters returns the filters not expired now, for applying.
func (db *DB) ActiveFilters(ctx context.Context) ([]Filter, error) {
	return db.filters(ctx, `WHERE expires_at = 0 OR expires_at > ?`, unixMilli(db.now()))
}

func (db *DB) filters(ctx context.Context, where string, args ...any) ([]Filter, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, title, context, filter_action, expires_at, created_at FROM filters `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("filters: %w", err)
	}
	var out []Filter
	at := map[int64]int{}
	for rows.Next() {
		var f Filter
		var contexts string
		var expires, created int64
		if err := rows.Scan(&f.ID, &f.Title, &contexts, &f.Action, &expires, &created); err != nil {
			rows.Close()
			return nil, err
		}
		json.Unmarshal([]byte(contexts), &f.Context)
		f.ExpiresAt, f.CreatedAt = fromMilliOrZero(expires), fromMilli(created)
		at[f.ID] = len(out)
		out = append(out, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	// Filters are few; reading all keywords and posts beats an IN list.
	if rows, err = db.read.QueryContext(ctx, `SELECT id, filter_id, keyword, whole_word FROM filter_keywords ORDER BY id`); err != nil {
		return nil, err
	}
	for rows.Next() {
		var k FilterKeyword
		if err := rows.Scan(&k.ID, &k.FilterID, &k.Keyword, &k.WholeWord); err != nil {
			rows.Close()
			return nil, err
		}
		if i, ok := at[k.FilterID]; ok {
			out[i].Keywords = append(out[i].Keywords, k)
		}
	}
	rows.Close()
	if rows, err = db.read.QueryContext(ctx, `SELECT id, filter_id, post_id FROM filter_statuses ORDER BY id`); err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var s FilterStatus
		if err := rows.Scan(&s.ID, &s.FilterID, &s.PostID); err != nil {
			return nil, err
		}
		if i, ok := at[s.FilterID]; ok {
			out[i].Statuses = append(out[i].Statuses, s)
		}
	}
	return out, rows.Err()
}

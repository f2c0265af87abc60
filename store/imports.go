package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Import is one uploaded CSV file being applied.
type Import struct {
	ID        int64
	Kind      string
	Mode      string // merge or overwrite
	FileName  string
	State     string // running or done
	Total     int
	Done      int
	Failed    int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ImportRow is one line of an import.
type ImportRow struct {
	Line   int
	Fields []string
	State  string // pending, done or failed
	Target string
	Error  string
}

// Import row states.
const (
	ImportPending = "pending"
	ImportDone    = "done"
	ImportFailed  = "failed"
)

// CreateImport records an import and its lines; lines with Error set are
// stored as failed already (rows the parser refused).
func (tx *Tx) CreateImport(ctx context.Context, im Import, rows []ImportRow) (int64, error) {
	failed := 0
	for _, r := range rows {
		if r.Error != "" {
			failed++
		}
	}
	var id int64
	err := tx.queryRow(ctx, `INSERT INTO imports (kind, mode, file_name, total, failed, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, im.Kind, im.Mode, im.FileName, len(rows), failed, unixMilli(tx.now), unixMilli(tx.now)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("create import: %w", err)
	}
	for _, r := range rows {
		fields, _ := json.Marshal(nonNil(r.Fields))
		state := ImportPending
		if r.Error != "" {
			state = ImportFailed
		}
		if _, err := tx.exec(ctx, `INSERT INTO import_rows (import_id, line, fields, state, error) VALUES (?, ?, ?, ?, ?)`,
			id, r.Line, string(fields), state, r.Error); err != nil {
			return 0, fmt.Errorf("import line %d: %w", r.Line, err)
		}
	}
	return id, nil
}

const importColumns = `id, kind, mode, file_name, state, total, done, failed, created_at, updated_at`

func scanImport(row interface{ Scan(...any) error }) (Import, error) {
	var im Import
	var created, updated int64
	err := row.Scan(&im.ID, &im.Kind, &im.Mode, &im.FileName, &im.State, &im.Total, &im.Done, &im.Failed, &created, &updated)
	im.CreatedAt, im.UpdatedAt = fromMilli(created), fromMilli(updated)
	return im, err
}

// ImportByID returns an import with its counts.
func (db *DB) ImportByID(ctx context.Context, id int64) (Import, error) {
	im, err := scanImport(db.read.QueryRowContext(ctx, `SELECT `+importColumns+` FROM imports WHERE id = ?`, id))
	if err != nil {
		return Import{}, notFound(err, fmt.Sprintf("import %d", id))
	}
	return im, nil
}

// RecentImports lists the newest imports first.
func (db *DB) RecentImports(ctx context.Context, limit int) ([]Import, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+importColumns+` FROM imports ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Import
	for rows.Next() {
		im, err := scanImport(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, im)
	}
	return out, rows.Err()
}

// ImportRows lists an import's lines in a state ("" for all), in line
// order.
func (db *DB) ImportRows(ctx context.Context, importID int64, state string, limit int) ([]ImportRow, error) {
	return importRows(ctx, db.read, importID, state, limit)
}

// PendingImportRows lists the next lines still to apply.
func (tx *Tx) PendingImportRows(ctx context.Context, importID int64, limit int) ([]ImportRow, error) {
	return importRows(ctx, txQueryer{tx}, importID, ImportPending, limit)
}

func importRows(ctx context.Context, q queryer, importID int64, state string, limit int) ([]ImportRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT line, fields, state, target, error FROM import_rows
		WHERE import_id = ? AND (? = '' OR state = ?) ORDER BY line LIMIT ?`, importID, state, state, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ImportRow
	for rows.Next() {
		var r ImportRow
		var fields string
		if err := rows.Scan(&r.Line, &fields, &r.State, &r.Target, &r.Error); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(fields), &r.Fields); err != nil {
			return nil, fmt.Errorf("import line %d: %w", r.Line, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// FinishImportRow records the outcome of one line and counts it. errText
// empty means it was applied; target is what it resolved to.
func (tx *Tx) FinishImportRow(ctx context.Context, importID int64, line int, target, errText string) error {
	state, col := ImportDone, "done"
	if errText != "" {
		state, col = ImportFailed, "failed"
	}
	res, err := tx.exec(ctx, `UPDATE import_rows SET state = ?, target = ?, error = ? WHERE import_id = ? AND line = ? AND state = 'pending'`,
		state, target, errText, importID, line)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil // applied already by an earlier attempt
	}
	_, err = tx.exec(ctx, `UPDATE imports SET `+col+` = `+col+` + 1, updated_at = ? WHERE id = ?`, unixMilli(tx.now), importID)
	return err
}

// ImportTargets lists what an import's applied lines resolved to.
func (tx *Tx) ImportTargets(ctx context.Context, importID int64) (map[string]bool, error) {
	rows, err := tx.query(ctx, `SELECT target FROM import_rows WHERE import_id = ? AND state = 'done' AND target != ''`, importID)
	if err != nil {
		return nil, err
	}
	list, err := scanStrings(rows)
	out := make(map[string]bool, len(list))
	for _, s := range list {
		out[s] = true
	}
	return out, err
}

// FinishImport marks an import done.
func (tx *Tx) FinishImport(ctx context.Context, importID int64) error {
	_, err := tx.exec(ctx, `UPDATE imports SET state = 'done', updated_at = ? WHERE id = ?`, unixMilli(tx.now), importID)
	return err
}

// ImportByIDTx reads an import inside a transaction.
func (tx *Tx) ImportByIDTx(ctx context.Context, id int64) (Import, error) {
	im, err := scanImport(tx.queryRow(ctx, `SELECT `+importColumns+` FROM imports WHERE id = ?`, id))
	if err != nil {
		return Import{}, notFound(err, fmt.Sprintf("import %d", id))
	}
	return im, nil
}

// ImportedPostID returns the post recreated from an archived post id.
func (tx *Tx) ImportedPostID(ctx context.Context, sourceURI string) (int64, error) {
	var id int64
	err := tx.queryRow(ctx, `SELECT post_id FROM imported_posts WHERE source_uri = ?`, sourceURI).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("imported post %s: %w", sourceURI, ErrNotFound)
	}
	return id, err
}

// WasImported reports whether an archived post id was imported already.
func (db *DB) WasImported(ctx context.Context, sourceURI string) (bool, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM imported_posts WHERE source_uri = ?`, sourceURI).Scan(&n)
	return n > 0, err
}

// PutImportedPost remembers which post an archived post became.
func (tx *Tx) PutImportedPost(ctx context.Context, sourceURI string, postID int64) error {
	_, err := tx.exec(ctx, `INSERT INTO imported_posts (source_uri, post_id) VALUES (?, ?)`, sourceURI, postID)
	return err
}

// PostByID reads a post inside the transaction.
func (tx *Tx) PostByID(ctx context.Context, id int64) (Post, error) {
	return postWhere(ctx, txQueryer{tx}, `p.id = ?`, id)
}

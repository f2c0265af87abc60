package store

import (
	"cmp"
	"context"
	"fmt"
	"time"
)

// Upload states.
const (
	UploadProcessing = "processing"
	UploadReady      = "ready"
	UploadFailed     = "failed"
)

// Upload is a file the owner uploaded: an attachment row (post_id NULL
// until a post takes it) and the local file behind it.
type Upload struct {
	Attachment        // ID is the attachment id the API shows
	PostID     int64  // 0 until posted
	UploadID   int64  // the media_uploads row
	Path       string // file name under the media directory
	State      string // processing, ready or failed
	Error      string // why processing failed
	CreatedAt  time.Time
}

// CreateUpload stores a new upload (state processing unless given) and
// returns its attachment id.
func (tx *Tx) CreateUpload(ctx context.Context, u Upload) (int64, error) {
	a := u.Attachment
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO attachments (post_id, position, url, media_type, description, width, height, blurhash, focus_x, focus_y)
		VALUES (NULL, 0, ?, ?, ?, ?, ?, ?, ?, ?)`, a.URL, a.MediaType, a.Description, a.Width, a.Height, a.Blurhash, a.FocusX, a.FocusY)
	if err != nil {
		return 0, fmt.Errorf("create upload: %w", err)
	}
	id, _ := res.LastInsertId()
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO media_uploads (attachment_id, path, state, created_at) VALUES (?, ?, ?, ?)`,
		id, u.Path, cmp.Or(u.State, UploadProcessing), unixMilli(tx.now)); err != nil {
		return 0, fmt.Errorf("create upload: %w", err)
	}
	return id, nil
}

const uploadColumns = `a.id, a.url, a.media_type, a.description, a.width, a.height, a.blurhash, a.focus_x, a.focus_y,
	COALESCE(a.post_id, 0), u.id, u.path, u.state, u.error, u.created_at`

func scanUpload(row interface{ Scan(...any) error }) (Upload, error) {
	var u Upload
	var at int64
	err := row.Scan(&u.ID, &u.URL, &u.MediaType, &u.Description, &u.Width, &u.Height, &u.Blurhash, &u.FocusX, &u.FocusY,
		&u.PostID, &u.UploadID, &u.Path, &u.State, &u.Error, &at)
	u.CreatedAt = fromMilli(at)
	return u, err
}

// UploadByID returns an upload by its attachment id.
func (db *DB) UploadByID(ctx context.Context, id int64) (Upload, error) {
	u, err := scanUpload(db.read.QueryRowContext(ctx, `SELECT `+uploadColumns+` FROM media_uploads u JOIN attachments a ON a.id = u.attachment_id
		WHERE u.attachment_id = ?`, id))
	if err != nil {
		return Upload{}, notFound(err, fmt.Sprintf("upload %d", id))
	}
	return u, nil
}

// SetUploadReady records the processed file: its URL, type, size and
// blurhash.
func (tx *Tx) SetUploadReady(ctx context.Context, id int64, a Attachment) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE attachments SET url = ?, media_type = ?, width = ?, height = ?, blurhash = ? WHERE id = ?`,
		a.URL, a.MediaType, a.Width, a.Height, a.Blurhash, id)
	if err := affectedOne(res, err, fmt.Sprintf("upload %d", id)); err != nil {
		return err
	}
	_, err = tx.tx.ExecContext(ctx, `UPDATE media_uploads SET state = 'ready', error = '' WHERE attachment_id = ?`, id)
	return err
}

// SetUploadFailed records that processing failed and why.
func (tx *Tx) SetUploadFailed(ctx context.Context, id int64, reason string) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE media_uploads SET state = 'failed', error = ? WHERE attachment_id = ?`, reason, id)
	return affectedOne(res, err, fmt.Sprintf("upload %d", id))
}

// UpdateUploadMeta changes an upload's description and focal point (also
// after it is posted, as Mastodon allows).
func (tx *Tx) UpdateUploadMeta(ctx context.Context, id int64, description string, focusX, focusY float64) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE attachments SET description = ?, focus_x = ?, focus_y = ? WHERE id = ?`,
		description, focusX, focusY, id)
	return affectedOne(res, err, fmt.Sprintf("upload %d", id))
}

// OrphanUpload is an upload whose file may be removed: never posted and
// older than the cut-off, or its attachment gone (post deleted or edited
// away).
type OrphanUpload struct {
	UploadID     int64
	AttachmentID int64 // 0 when the attachment is gone
	Path         string
}

// OrphanUploads lists uploads to clean up (see OrphanUpload), oldest first.
func (db *DB) OrphanUploads(ctx context.Context, olderThan time.Time, limit int) ([]OrphanUpload, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT u.id, COALESCE(u.attachment_id, 0), u.path FROM media_uploads u
		LEFT JOIN attachments a ON a.id = u.attachment_id
		WHERE u.attachment_id IS NULL OR (a.post_id IS NULL AND u.created_at < ?)
		ORDER BY u.id LIMIT ?`, unixMilli(olderThan), limit)
	if err != nil {
		return nil, fmt.Errorf("orphan uploads: %w", err)
	}
	defer rows.Close()
	var out []OrphanUpload
	for rows.Next() {
		var o OrphanUpload
		if err := rows.Scan(&o.UploadID, &o.AttachmentID, &o.Path); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// DeleteUpload removes an upload's rows (its attachment too, unless a
// post holds it); call it after removing the file.
func (tx *Tx) DeleteUpload(ctx context.Context, uploadID int64) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM attachments WHERE post_id IS NULL
		AND id = (SELECT attachment_id FROM media_uploads WHERE id = ?)`, uploadID); err != nil {
		return fmt.Errorf("delete upload %d: %w", uploadID, err)
	}
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM media_uploads WHERE id = ?`, uploadID); err != nil {
		return fmt.Errorf("delete upload %d: %w", uploadID, err)
	}
	return nil
}

package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// RemoteMedia is a remote file cached under the media directory.
type RemoteMedia struct {
	ID          int64
	URL         string
	Hash        string // hex SHA-256 of URL
	Path        string // file name under the media directory
	Size        int64
	ContentType string
	FetchedAt   time.Time
	LastUsedAt  time.Time
}

const remoteMediaColumns = `id, url, url_hash, path, size, content_type, fetched_at, last_used_at`

func scanRemoteMedia(row interface{ Scan(...any) error }) (RemoteMedia, error) {
	var m RemoteMedia
	var fetched, used int64
	err := row.Scan(&m.ID, &m.URL, &m.Hash, &m.Path, &m.Size, &m.ContentType, &fetched, &used)
	m.FetchedAt, m.LastUsedAt = fromMilli(fetched), fromMilli(used)
	return m, err
}

// RemoteMediaByHash returns the cached file for a URL's hash.
func (db *DB) RemoteMediaByHash(ctx context.Context, hash string) (RemoteMedia, error) {
	m, err := scanRemoteMedia(db.read.QueryRowContext(ctx, `SELECT `+remoteMediaColumns+` FROM remote_media WHERE url_hash = ?`, hash))
	if err != nil {
		return RemoteMedia{}, notFound(err, "remote media "+hash)
	}
	return m, nil
}

// PutRemoteMedia records a fetched file, replacing an earlier fetch of the
// same URL.
func (tx *Tx) PutRemoteMedia(ctx context.Context, m RemoteMedia) error {
	_, err := tx.exec(ctx, `INSERT INTO remote_media (url, url_hash, path, size, content_type, fetched_at, last_used_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (url_hash) DO UPDATE SET url = excluded.url, path = excluded.path, size = excluded.size,
			content_type = excluded.content_type, fetched_at = excluded.fetched_at, last_used_at = excluded.last_used_at`,
		m.URL, m.Hash, m.Path, m.Size, m.ContentType, unixMilli(m.FetchedAt), unixMilli(m.LastUsedAt))
	if err != nil {
		return fmt.Errorf("put remote media %s: %w", m.URL, err)
	}
	return nil
}

// TouchRemoteMedia records that a cached file was served at.
func (tx *Tx) TouchRemoteMedia(ctx context.Context, id int64, at time.Time) error {
	_, err := tx.exec(ctx, `UPDATE remote_media SET last_used_at = max(last_used_at, ?) WHERE id = ?`, unixMilli(at), id)
	if err != nil {
		return fmt.Errorf("touch remote media %d: %w", id, err)
	}
	return nil
}

// RemoteMediaUnusedSince lists cached files last used before cutoff with
// an id above afterID, in id order, for pruning in batches.
func (db *DB) RemoteMediaUnusedSince(ctx context.Context, cutoff time.Time, afterID int64, limit int) ([]RemoteMedia, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+remoteMediaColumns+` FROM remote_media
		WHERE last_used_at < ? AND id > ? ORDER BY id LIMIT ?`, unixMilli(cutoff), afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("remote media unused since: %w", err)
	}
	defer rows.Close()
	var out []RemoteMedia
	for rows.Next() {
		m, err := scanRemoteMedia(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// DeleteRemoteMedia removes a cached file's row unless it was used since
// cutoff (a request served it while the prune ran); it reports whether the
// row went, in which case the caller removes the file.
func (tx *Tx) DeleteRemoteMedia(ctx context.Context, id int64, cutoff time.Time) (bool, error) {
	res, err := tx.exec(ctx, `DELETE FROM remote_media WHERE id = ? AND last_used_at < ?`, id, unixMilli(cutoff))
	if err != nil {
		return false, fmt.Errorf("delete remote media %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// MediaKind is what a file under the media directory belongs to.
type MediaKind int

// Media kinds, as `kith media usage` counts them.
const (
	MediaUpload  MediaKind = iota + 1 // a post attachment the owner uploaded, or its thumbnail
	MediaProfile                      // an avatar or header of the owner's
	MediaRemote                       // a cached remote file
)

// MediaReferences maps every file name under the media directory that a
// row refers to, to its kind. localPrefix is the media URL prefix
// (server.url + "/media/") that local avatars and attachments carry.
// Upload thumbnails are not listed: they are named after their upload.
func (db *DB) MediaReferences(ctx context.Context, localPrefix string) (map[string]MediaKind, error) {
	refs := map[string]MediaKind{}
	queries := []struct {
		kind MediaKind
		sql  string
		args []any
	}{
		{MediaUpload, `SELECT path FROM media_uploads`, nil},
		{MediaUpload, `SELECT url FROM attachments WHERE url >= ? AND url < ?`, []any{localPrefix, localPrefix + "\uffff"}},
		{MediaProfile, `SELECT avatar_url FROM actors WHERE avatar_url >= ? AND avatar_url < ?
			UNION SELECT header_url FROM actors WHERE header_url >= ? AND header_url < ?`,
			[]any{localPrefix, localPrefix + "\uffff", localPrefix, localPrefix + "\uffff"}},
		{MediaRemote, `SELECT path FROM remote_media`, nil},
		{MediaProfile, `SELECT path FROM custom_emojis`, nil},
	}
	for _, q := range queries {
		rows, err := db.read.QueryContext(ctx, q.sql, q.args...)
		if err != nil {
			return nil, fmt.Errorf("media references: %w", err)
		}
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				rows.Close()
				return nil, err
			}
			refs[strings.TrimPrefix(name, localPrefix)] = q.kind
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return refs, nil
}

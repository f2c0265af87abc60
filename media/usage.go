package media

import (
	"context"
	"errors"
	"path"
	"strings"
	"time"

	"kith/store"
)

// Usage is what the media storage holds, by kind.
type Usage struct {
	Uploads, Remote, Profile, Orphans Count
}

// Count is a number of files and their total size.
type Count struct {
	Files int
	Bytes int64
}

func (c *Count) add(size int64) { c.Files++; c.Bytes += size }

// Orphan is a file no row refers to.
type Orphan struct {
	Path    string
	Size    int64
	ModTime time.Time
}

// Scan lists the media storage and sorts every file by what refers to
// it; localPrefix is server.url + "/media/". Files no row refers to are
// orphans, returned for RemoveOrphans. Temporary files of writes in
// progress (dot names) are skipped.
func Scan(ctx context.Context, db *store.DB, files Files, localPrefix string) (Usage, []Orphan, error) {
	refs, err := db.MediaReferences(ctx, localPrefix)
	if err != nil {
		return Usage{}, nil, err
	}
	for name, kind := range refs {
		// Thumbnails are named after their upload (see Files.Save).
		if kind == store.MediaUpload {
			base := strings.TrimSuffix(name, path.Ext(name)) + "_small"
			refs[base+".jpg"], refs[base+".png"] = kind, kind
		}
	}
	var u Usage
	var orphans []Orphan
	err = files.Store.Walk(ctx, "", func(f Info) error {
		switch refs[f.Name] {
		case store.MediaUpload:
			u.Uploads.add(f.Size)
		case store.MediaProfile:
			u.Profile.add(f.Size)
		case store.MediaRemote:
			u.Remote.add(f.Size)
		default:
			u.Orphans.add(f.Size)
			orphans = append(orphans, Orphan{Path: f.Name, Size: f.Size, ModTime: f.ModTime})
		}
		return nil
	})
	return u, orphans, err
}

// RemoveOrphans deletes orphan files (from Scan) not modified since
// cutoff: a younger one may belong to an upload whose row is being
// written. With dryRun it only lists them. It returns what went (or would).
func RemoveOrphans(ctx context.Context, files Files, orphans []Orphan, cutoff time.Time, dryRun bool) ([]Orphan, error) {
	var gone []Orphan
	var errs []error
	for _, o := range orphans {
		if !o.ModTime.Before(cutoff) {
			continue
		}
		if !dryRun {
			if err := files.Remove(ctx, o.Path); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		gone = append(gone, o)
	}
	return gone, errors.Join(errs...)
}

// RemoveUnattachedUploads deletes uploads never attached to a post and
// created before cutoff (and uploads whose attachment is gone): their
// files, thumbnails and rows. With dryRun it only lists them (the first
// 500).
func RemoveUnattachedUploads(ctx context.Context, db *store.DB, files Files, cutoff time.Time, dryRun bool) ([]store.OrphanUpload, error) {
	var out []store.OrphanUpload
	const batch = 500
	for {
		list, err := db.OrphanUploads(ctx, cutoff, batch)
		if err != nil || len(list) == 0 || dryRun {
			return append(out, list...), err
		}
		for _, o := range list {
			thumb, _ := files.ThumbnailOf(ctx, o.Path)
			if err := files.Remove(ctx, o.Path, thumb); err != nil {
				return out, err
			}
			if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteUpload(ctx, o.UploadID) }); err != nil {
				return out, err
			}
			out = append(out, o)
		}
	}
}

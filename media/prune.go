package media

import (
	"context"
	"time"

	"kith/store"
)

// pruneBatch is how many rows one pass of Prune reads and deletes: one
// short write transaction each, so serving goes on between them.
const pruneBatch = 500

// PruneOptions tune Prune.
type PruneOptions struct {
	// DryRun lists what would go and changes nothing.
	DryRun bool
	// Each, if set, is called for every file removed (or that would be).
	Each func(store.RemoteMedia)
	// Progress, if set, is called after each batch with the running totals.
	Progress func(PruneResult)
}

// PruneResult counts what Prune removed (or would remove).
type PruneResult struct {
	Files int
	Bytes int64
}

// Prune removes cached remote media last used before cutoff: the row, then
// the file. It never touches the owner's uploads or profile images, which
// live outside RemoteDir and have no remote_media row. A pruned file is
// fetched again the next time it is asked for.
func Prune(ctx context.Context, db *store.DB, files Files, cutoff time.Time, opts PruneOptions) (PruneResult, error) {
	var res PruneResult
	var after int64
	for {
		batch, err := db.RemoteMediaUnusedSince(ctx, cutoff, after, pruneBatch)
		if err != nil || len(batch) == 0 {
			return res, err
		}
		after = batch[len(batch)-1].ID
		var gone []store.RemoteMedia
		if opts.DryRun {
			gone = batch
		} else if gone, err = deleteRows(ctx, db, batch, cutoff); err != nil {
			return res, err
		}
		for _, m := range gone {
			if !opts.DryRun {
				// A file that cannot be removed is left for remove-orphans.
				files.Remove(ctx, m.Path)
			}
			res.Files++
			res.Bytes += m.Size
			if opts.Each != nil {
				opts.Each(m)
			}
		}
		if opts.Progress != nil {
			opts.Progress(res)
		}
	}
}

// deleteRows deletes a batch's rows in one transaction and returns those
// that went (a row served since the batch was read stays).
func deleteRows(ctx context.Context, db *store.DB, batch []store.RemoteMedia, cutoff time.Time) ([]store.RemoteMedia, error) {
	var gone []store.RemoteMedia
	err := db.InTx(ctx, func(tx *store.Tx) error {
		gone = gone[:0]
		for _, m := range batch {
			ok, err := tx.DeleteRemoteMedia(ctx, m.ID, cutoff)
			if err != nil {
				return err
			}
			if ok {
				gone = append(gone, m)
			}
		}
		return nil
	})
	return gone, err
}

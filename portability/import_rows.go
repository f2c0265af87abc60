package portability

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"kith/jobs"
	"kith/store"
)

// Import modes: merge adds to what is there; overwrite also removes what
// the file does not list, once every line is applied.
const (
	Merge     = "merge"
	Overwrite = "overwrite"
)

type importJob struct {
	ImportID int64 `json:"import_id"`
}

// StartImport records a parsed CSV as an import and queues the job that
// applies it. The server's job runner picks it up (at once when poke is
// possible, within a minute otherwise). It returns the import's id, for
// following its progress.
func (p *Porter) StartImport(ctx context.Context, parsed Parsed, mode, fileName string) (int64, error) {
	if mode == "" {
		mode = Merge
	}
	if mode != Merge && mode != Overwrite {
		return 0, fmt.Errorf("unknown mode %q (want merge or overwrite)", mode)
	}
	var id int64
	err := p.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		id, err = tx.CreateImport(ctx, store.Import{Kind: string(parsed.Kind), Mode: mode, FileName: fileName}, parsed.Rows)
		if err != nil {
			return err
		}
		_, err = jobs.Enqueue(ctx, tx, JobImportRows, importJob{ImportID: id}, store.EnqueueOptions{RunAt: p.now()})
		return err
	})
	if err == nil && p.runner != nil {
		p.runner.Poke()
	}
	return id, err
}

// runImportRows applies the next few lines of an import, then queues
// itself again (after FollowDelay for follows) until none is left.
func (p *Porter) runImportRows(ctx context.Context, job store.Job) error {
	var j importJob
	if err := json.Unmarshal(job.Payload, &j); err != nil {
		return jobs.Permanent(err)
	}
	im, err := p.db.ImportByID(ctx, j.ImportID)
	if errors.Is(err, store.ErrNotFound) || im.State == store.ImportDone {
		return nil
	}
	if err != nil {
		return err
	}
	rows, err := p.db.ImportRows(ctx, im.ID, store.ImportPending, p.opts.RowBatch)
	if err != nil {
		return err
	}
	for _, r := range rows {
		target, err := p.applyRow(ctx, Kind(im.Kind), r.Fields)
		errText := ""
		if err != nil {
			errText = err.Error()
			p.logger.Info("import row failed", "import", im.ID, "line", r.Line, "err", err)
		}
		if err := p.db.InTx(ctx, func(tx *store.Tx) error { return tx.FinishImportRow(ctx, im.ID, r.Line, target, errText) }); err != nil {
			return err
		}
	}
	if len(rows) == p.opts.RowBatch {
		return p.continueImport(ctx, im)
	}
	if im.Mode == Overwrite {
		if err := p.removeUnlisted(ctx, im); err != nil {
			return err
		}
	}
	return p.db.InTx(ctx, func(tx *store.Tx) error { return tx.FinishImport(ctx, im.ID) })
}

func (p *Porter) continueImport(ctx context.Context, im store.Import) error {
	opts := store.EnqueueOptions{RunAt: p.now()}
	if Kind(im.Kind) == Following && p.opts.FollowDelay > 0 {
		opts.RunAt = p.now().Add(p.opts.FollowDelay)
	}
	return p.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := jobs.Enqueue(ctx, tx, JobImportRows, importJob{ImportID: im.ID}, opts)
		return err
	})
}

// applyRow applies one line and returns what it resolved to.
func (p *Porter) applyRow(ctx context.Context, kind Kind, f []string) (string, error) {
	switch kind {
	case Following:
		a, err := p.fed.Follow(ctx, f[0])
		if err != nil {
			return "", err
		}
		var langs []string
		if f[3] != "" {
			langs = strings.Split(f[3], ",")
		}
		o := store.FollowOptions{ShowReblogs: f[1] == "true", Notify: f[2] == "true", Languages: langs}
		return a.URI, p.db.InTx(ctx, func(tx *store.Tx) error { return tx.SetFollowOptions(ctx, a.ID, o) })
	case Blocks:
		a, err := p.fed.Resolve(ctx, f[0])
		if err != nil {
			return "", err
		}
		return a.URI, p.fed.Block(ctx, a.ID)
	case Mutes:
		a, err := p.fed.Resolve(ctx, f[0])
		if err != nil {
			return "", err
		}
		return a.URI, p.db.InTx(ctx, func(tx *store.Tx) error { return tx.PutMute(ctx, a.ID, f[1] == "true", time.Time{}) })
	case DomainBlocks:
		return f[0], p.fed.BlockDomain(ctx, f[0])
	case Bookmarks:
		_, post, err := p.fed.ResolveURL(ctx, f[0])
		if err != nil {
			return "", err
		}
		if post == nil {
			return "", fmt.Errorf("%s is not a post", f[0])
		}
		return post.URI, p.db.InTx(ctx, func(tx *store.Tx) error { return tx.PutBookmark(ctx, post.ID) })
	case Lists:
		return p.addToList(ctx, f[0], f[1])
	}
	return "", fmt.Errorf("%s cannot be imported", kind)
}

func (p *Porter) addToList(ctx context.Context, title, addr string) (string, error) {
	a, err := p.fed.Resolve(ctx, addr)
	if err != nil {
		return "", err
	}
	lists, err := p.db.Lists(ctx)
	if err != nil {
		return "", err
	}
	err = p.db.InTx(ctx, func(tx *store.Tx) error {
		var id int64
		for _, l := range lists {
			if l.Title == title {
				id = l.ID
			}
		}
		if id == 0 {
			var err error
			if id, err = tx.CreateList(ctx, store.List{Title: title}); err != nil {
				return err
			}
		}
		return tx.AddListAccounts(ctx, id, []int64{a.ID})
	})
	return listTarget(title, a.URI), err
}

func listTarget(title, uri string) string { return title + "\n" + uri }

package cli

import (
	"context"
	"fmt"

	"kith/store"
)

const searchUsage = `Usage:
  kith search reindex [--config FILE]`

// reindexBatch is how many posts one reindex transaction indexes.
const reindexBatch = 1000

// runSearch maintains the full-text search index.
func runSearch(ctx context.Context, c stdio, args []string) error {
	return dispatch(ctx, c, "search", searchUsage, []subcommand{{"reindex", runSearchReindex}}, args)
}

func runSearchReindex(ctx context.Context, c stdio, args []string) error {
	fs := newFlags(c, "search reindex", `search reindex [--config FILE]

Rebuilds the full-text search index of posts from the posts themselves.
The index is kept current as posts come and go, so this is for repairs.
Search finds fewer posts until it finishes.`)
	a, _, err := openCommand(ctx, c, fs, args, 0, false)
	if err != nil {
		return err
	}
	defer a.Close()
	total, err := a.db.CountIndexablePosts(ctx)
	if err != nil {
		return err
	}
	if err := a.db.InTx(ctx, func(tx *store.Tx) error { return tx.ClearSearchIndex(ctx) }); err != nil {
		return err
	}
	p := progress{c: c, verb: "indexed", what: "posts", total: total}
	var after int64
	err = inBatches(ctx, a.db, &p, func(tx *store.Tx) (n int, err error) {
		after, n, err = tx.ReindexPostsBatch(ctx, after, reindexBatch)
		return n, err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "Search index rebuilt: %d posts.\n", p.done)
	return nil
}

package cli

import (
	"context"
	"fmt"
	"time"

	"kith/store"
)

const statusesUsage = `Usage:
  kith statuses prune --days N [--dry-run] [--config FILE]`

// pruneBatch is how many posts one prune transaction deletes.
const pruneBatch = 500

// runStatuses maintains stored posts.
func runStatuses(ctx context.Context, c stdio, args []string) error {
	return dispatch(ctx, c, "statuses", statusesUsage, []subcommand{{"prune", runStatusesPrune}}, args)
}

func runStatusesPrune(ctx context.Context, c stdio, args []string) error {
	fs := newFlags(c, "statuses prune", `statuses prune --days N [--dry-run] [--config FILE]

Deletes remote posts older than N days that nothing ties to you: posts you
did not favourite, boost, bookmark, reply to, vote in or pin, that do not
mention you, and that are not in a thread holding one of your posts or
boosting one. Your own posts are never touched. Their media rows go with
them; cached files are for 'kith media prune'.`)
	days := fs.Int("days", 0, "delete posts published more than this many days ago (required, at least 1)")
	dryRun := fs.Bool("dry-run", false, "only count the posts that would be deleted")
	path, _, err := parseCommand(fs, args, 0)
	if err != nil {
		return err
	}
	if *days < 1 {
		fmt.Fprintln(c.stderr, "kith statuses prune: --days N is required and must be at least 1")
		fs.Usage()
		return errUsage
	}
	a, err := openAdmin(ctx, c, path, false)
	if err != nil {
		return err
	}
	defer a.Close()
	owner, err := a.db.LocalActor(ctx)
	if err != nil {
		return err
	}
	before := time.Now().AddDate(0, 0, -*days)
	total, err := a.db.CountPrunablePosts(ctx, owner, before)
	if err != nil {
		return err
	}
	if *dryRun {
		fmt.Fprintf(c.stdout, "%d remote posts older than %d days would be deleted (dry run).\n", total, *days)
		return nil
	}
	p := progress{c: c, verb: "deleted", what: "posts", total: total}
	err = inBatches(ctx, a.db, &p, func(tx *store.Tx) (int, error) {
		return tx.PrunePostsBatch(ctx, owner, before, pruneBatch)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "Deleted %d remote posts older than %d days.\n", p.done, *days)
	return nil
}

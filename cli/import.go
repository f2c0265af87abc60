package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"kith/portability"
	"kith/store"
)

const importUsage = `import [--config FILE] [--mode merge|overwrite] [--list KIND] [--no-wait] FILE...

Imports Mastodon-format data. An archive (.zip, .tar.gz or .tgz, from
Mastodon, Akkoma, GoToSocial or snac) brings back its posts with their
dates, media and threads, without sending them to anyone; running it
again adds nothing twice. A CSV (following_accounts.csv,
blocked_accounts.csv, muted_accounts.csv, blocked_domains.csv,
bookmarks.csv, lists.csv; the kind is guessed from the header or the file
name, or given by --list) is queued for kith serve, which applies it a few
lines at a time; follows go out at a polite pace. Bad lines are reported
with their numbers and skipped. With overwrite, what the file does not
list is removed once it is applied.`

// importIdle is how long the progress bar waits without any progress
// before deciding kith serve is not running (its job runner looks for new
// work at least once a minute).
const importIdle = 90 * time.Second

func runImport(ctx context.Context, c stdio, args []string) error {
	fs := newFlags(c, "import", importUsage)
	path := configFlag(fs)
	mode := fs.String("mode", portability.Merge, "merge (add to what is there) or overwrite (also remove what the file does not list)")
	list := fs.String("list", "", "what the CSV holds, when its name and header do not say: following, blocks, mutes, domain_blocks, bookmarks or lists")
	noWait := fs.Bool("no-wait", false, "queue CSV imports and return without showing their progress")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() == 0 || (*mode != portability.Merge && *mode != portability.Overwrite) {
		fs.Usage()
		return errUsage
	}
	var kind portability.Kind
	if *list != "" {
		k, err := portability.ParseKind(*list)
		if err != nil {
			return err
		}
		kind = k
	}
	p, a, err := openPorter(ctx, c, *path)
	if err != nil {
		return err
	}
	defer a.Close()
	var queued []int64
	for _, name := range fs.Args() {
		if isArchiveName(name) {
			if err := importArchiveFile(ctx, c, p, name); err != nil {
				return err
			}
			continue
		}
		id, err := queueCSV(ctx, c, p, name, kind, *mode)
		if err != nil {
			return err
		}
		queued = append(queued, id)
	}
	if len(queued) == 0 {
		return nil
	}
	if *noWait {
		fmt.Fprintln(c.stdout, "queued; kith serve applies the lines (progress on /settings/data)")
		return nil
	}
	return showProgress(ctx, c.stdout, a.db, queued)
}

func isArchiveName(name string) bool {
	n := strings.ToLower(name)
	return strings.HasSuffix(n, ".zip") || strings.HasSuffix(n, ".tar.gz") || strings.HasSuffix(n, ".tgz")
}

func importArchiveFile(ctx context.Context, c stdio, p *portability.Porter, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	res, err := p.ImportArchive(ctx, f, info.Size())
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(c.stderr, "%s: %s\n", name, w)
	}
	fmt.Fprintf(c.stdout, "%s: %d posts imported, %d already there, %d boosts left out, %d media files\n",
		name, res.Created, res.Skipped, res.Boosts, res.Media)
	return nil
}

func queueCSV(ctx context.Context, c stdio, p *portability.Porter, name string, kind portability.Kind, mode string) (int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	parsed, err := portability.ParseCSV(f, filepath.Base(name), kind)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	for _, bad := range parsed.Bad() {
		fmt.Fprintf(c.stderr, "%s: %s\n", name, bad)
	}
	id, err := p.StartImport(ctx, parsed, mode, filepath.Base(name))
	if err != nil {
		return 0, err
	}
	fmt.Fprintf(c.stdout, "%s: %d lines of %s queued (%s)\n", name, len(parsed.Rows), parsed.Kind, mode)
	return id, nil
}

// showProgress draws a progress bar per import until all are done, or
// until nothing moves for importIdle (kith serve is not running).
func showProgress(ctx context.Context, w io.Writer, db *store.DB, ids []int64) error {
	last, lastChange := -1, time.Now()
	for {
		done, total, failed, finished := 0, 0, 0, true
		for _, id := range ids {
			im, err := db.ImportByID(ctx, id)
			if err != nil {
				return err
			}
			done, total, failed = done+im.Done+im.Failed, total+im.Total, failed+im.Failed
			finished = finished && im.State == store.ImportDone
		}
		fmt.Fprintf(w, "\r%s %d/%d (%d failed)", progressBar(done, total, 30), done, total, failed)
		if finished {
			fmt.Fprintln(w, "\ndone; failed lines are listed on /settings/data")
			return nil
		}
		if done != last {
			last, lastChange = done, time.Now()
		} else if time.Since(lastChange) > importIdle {
			fmt.Fprintln(w, "\nno progress: is kith serve running? The import stays queued and runs when it starts.")
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

func progressBar(done, total, width int) string {
	filled := width
	if total > 0 {
		filled = done * width / total
	}
	return "[" + strings.Repeat("#", filled) + strings.Repeat(" ", width-filled) + "]"
}

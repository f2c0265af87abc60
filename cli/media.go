package cli

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"kith/media"
	"kith/store"
)

const mediaUsage = `Usage:
  kith media prune [--days N] [--dry-run] [--config FILE]
  kith media usage [--config FILE]
  kith media remove-orphans [--dry-run] [--config FILE]
  kith media migrate --to s3|local [--keep-source] [--config FILE]`

// orphanAge is how old an unattached upload or an unreferenced file must
// be before remove-orphans takes it: a younger one may be an upload whose
// post is still being written.
const orphanAge = 24 * time.Hour

// runMedia looks after the media directory: the command-line twin of the
// daily prune, and the storage report. It works while kith serve runs.
func runMedia(ctx context.Context, c stdio, args []string) error {
	return dispatch(ctx, c, "media", mediaUsage, []subcommand{
		{"prune", runMediaPrune},
		{"usage", runMediaUsage},
		{"remove-orphans", runMediaRemoveOrphans},
		{"migrate", runMediaMigrate},
	}, args)
}

func runMediaPrune(ctx context.Context, c stdio, args []string) error {
	fs := newFlags(c, "media prune", `media prune [--days N] [--dry-run] [--config FILE]

Deletes cached remote media (other servers' attachments, avatars and
headers) not used for N days; it is fetched again if asked for. The owner's
uploads are never touched. kith serve does this daily with
media.remote_cache_days.`)
	days := fs.Int("days", 0, "remove cached files unused for this many days; 0 removes all (default: media.remote_cache_days)")
	dryRun := fs.Bool("dry-run", false, "list what would be removed, remove nothing")
	a, _, err := openCommand(ctx, c, fs, args, 0, false)
	if err != nil {
		return err
	}
	defer a.Close()
	cfg, db := a.cfg, a.db
	daysSet := false
	fs.Visit(func(f *flag.Flag) { daysSet = daysSet || f.Name == "days" })
	if !daysSet {
		*days = cfg.Media.RemoteCacheDays
	}
	if *days < 0 {
		fmt.Fprintln(c.stderr, "kith media prune: --days must be 0 or more")
		return errUsage
	}
	verb := "removed"
	if *dryRun {
		verb = "would remove"
	}
	opts := media.PruneOptions{
		DryRun: *dryRun,
		Each: func(m store.RemoteMedia) {
			fmt.Fprintf(c.stdout, "%s %s (%s, last used %s) %s\n", verb, m.Path, humanBytes(m.Size),
				m.LastUsedAt.UTC().Format("2006-01-02"), m.URL)
		},
		Progress: func(r media.PruneResult) {
			fmt.Fprintf(c.stderr, "… %d files, %s so far\n", r.Files, humanBytes(r.Bytes))
		},
	}
	res, err := media.Prune(ctx, db, a.files, time.Now().AddDate(0, 0, -*days), opts)
	fmt.Fprintf(c.stdout, "%s %d cached remote files unused for %d days, %s\n", verb, res.Files, *days, humanBytes(res.Bytes))
	return err
}

func runMediaUsage(ctx context.Context, c stdio, args []string) error {
	fs := newFlags(c, "media usage", "media usage [--config FILE]\n\nShows what the media storage (the local directory or the S3 bucket) holds:\nuploads, profile images, cached remote media, and orphans (files no row\nrefers to).")
	a, _, err := openCommand(ctx, c, fs, args, 0, false)
	if err != nil {
		return err
	}
	defer a.Close()
	cfg, db := a.cfg, a.db
	u, _, err := media.Scan(ctx, db, a.files, cfg.Server.URL+"/media/")
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "media in %s\n", a.files.Store)
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tFILES\tSIZE")
	var total media.Count
	for _, row := range []struct {
		name string
		n    media.Count
	}{{"uploads", u.Uploads}, {"avatars and headers", u.Profile}, {"cached remote media", u.Remote}, {"orphans", u.Orphans}} {
		fmt.Fprintf(tw, "%s\t%d\t%s\n", row.name, row.n.Files, humanBytes(row.n.Bytes))
		total.Files += row.n.Files
		total.Bytes += row.n.Bytes
	}
	fmt.Fprintf(tw, "total\t%d\t%s\n", total.Files, humanBytes(total.Bytes))
	return tw.Flush()
}

func runMediaRemoveOrphans(ctx context.Context, c stdio, args []string) error {
	fs := newFlags(c, "media remove-orphans", `media remove-orphans [--dry-run] [--config FILE]

Deletes uploads never attached to a post, and files no row refers to, when
they are more than a day old.`)
	dryRun := fs.Bool("dry-run", false, "list what would be removed, remove nothing")
	a, _, err := openCommand(ctx, c, fs, args, 0, false)
	if err != nil {
		return err
	}
	defer a.Close()
	cfg, db := a.cfg, a.db
	verb := "removed"
	if *dryRun {
		verb = "would remove"
	}
	files, cutoff := a.files, time.Now().Add(-orphanAge)
	uploads, err := media.RemoveUnattachedUploads(ctx, db, files, cutoff, *dryRun)
	for _, o := range uploads {
		fmt.Fprintf(c.stdout, "%s unattached upload %s\n", verb, o.Path)
	}
	if err != nil {
		return err
	}
	_, orphans, err := media.Scan(ctx, db, files, cfg.Server.URL+"/media/")
	if err != nil {
		return err
	}
	gone, err := media.RemoveOrphans(ctx, files, orphans, cutoff, *dryRun)
	var bytes int64
	for _, o := range gone {
		fmt.Fprintf(c.stdout, "%s orphan file %s (%s)\n", verb, o.Path, humanBytes(o.Size))
		bytes += o.Size
	}
	fmt.Fprintf(c.stdout, "%s %d unattached uploads and %d orphan files (%s)\n", verb, len(uploads), len(gone), humanBytes(bytes))
	return err
}

// humanBytes writes a size the way people read it: 1.5 MiB.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

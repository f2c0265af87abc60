// Package portability moves the owner's data in and out of kith in the
// formats other fediverse servers use: Mastodon's export archive (a zip of
// actor.json, outbox.json, likes.json, bookmarks.json and media) and its
// CSV lists (follows, followers, blocks, mutes, domain blocks, bookmarks,
// lists). It imports those CSVs, applying them in the background at a
// polite rate, and the posts of an archive from Mastodon, Akkoma,
// GoToSocial or snac.
//
// It uses the store and federation; it never imports the server, which
// calls it from the settings page, as the CLI does.
package portability

import (
	"log/slog"
	"time"

	"kith/federation"
	"kith/jobs"
	"kith/media"
	"kith/store"
)

// Options configure a Porter.
type Options struct {
	// BaseURL is server.url: media is served under BaseURL/media/.
	BaseURL string
	// MediaDir is the local media directory (data_dir/media): imports
	// unpack archives under it.
	MediaDir string
	// Files is where media files live; the zero value means the local
	// directory MediaDir.
	Files media.Files
	// MaxEntryBytes caps one file of an imported archive, counted as it
	// is read (never trusting the header); default 512 MiB.
	MaxEntryBytes int64
	// MaxArchiveBytes caps the files of an archive together; default
	// 8 GiB.
	MaxArchiveBytes int64
	// MaxEntries caps the number of files in an archive; default 200,000.
	MaxEntries int
	// RowBatch is how many lines of a CSV import one job run applies;
	// default 5.
	RowBatch int
	// FollowDelay is the pause between batches of follows, so a long
	// following list does not flood other servers; default 10 s, and a
	// negative value means none. Other kinds go on without a pause.
	FollowDelay time.Duration
	// Now is the clock; nil means time.Now. Tests share one with the job
	// runner to step over FollowDelay.
	Now func() time.Time
}

// Porter exports and imports the owner's data.
type Porter struct {
	db     *store.DB
	fed    *federation.Federation
	runner *jobs.Runner
	logger *slog.Logger
	opts   Options
}

// JobImportRows is the job that applies the lines of a CSV import.
const JobImportRows = "import.rows"

// New returns a Porter. When runner is not nil, the import job's handler
// is registered on it (the server's runner); the CLI passes nil and
// leaves the rows to the running server.
func New(db *store.DB, fed *federation.Federation, runner *jobs.Runner, logger *slog.Logger, opts Options) *Porter {
	if opts.MaxEntryBytes <= 0 {
		opts.MaxEntryBytes = 512 << 20
	}
	if opts.MaxArchiveBytes <= 0 {
		opts.MaxArchiveBytes = 8 << 30
	}
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = 200_000
	}
	if opts.Files.Store == nil {
		opts.Files = media.LocalFiles(opts.MediaDir)
	}
	if opts.RowBatch <= 0 {
		opts.RowBatch = 5
	}
	if opts.FollowDelay == 0 {
		opts.FollowDelay = 10 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	p := &Porter{db: db, fed: fed, runner: runner, logger: logger, opts: opts}
	if runner != nil {
		runner.Handle(JobImportRows, p.runImportRows)
	}
	return p
}

func (p *Porter) now() time.Time { return p.opts.Now() }

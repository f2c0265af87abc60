package cli

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"kith/store"
)

// checkDelay is how long kith serves before it checks the database: the
// first second after a restart brings reconnecting clients and peers
// retrying their deliveries, which should not share the CPU with a check
// that reads the whole file.
const checkDelay = time.Second

// slowCheck is how long a database check takes before kith logs that it
// finished: a large database's check goes on for seconds after start.
const slowCheck = time.Second

// checkDatabase runs SQLite's quick_check in the background, checkDelay
// after kith starts serving, so a damaged page is found soon after start
// rather than by whichever request or job first reads it, maybe long after
// kith answered 202 for something it then cannot store. The check reads
// every page: milliseconds on a new instance, seconds on one of 300 MB;
// no request waits for it.
//
// The verdict arrives on the returned channel: nil when the database is
// sound, else the error kith serve stops with. Nothing arrives when ctx
// ends first. done runs after a check that found the database sound.
func checkDatabase(ctx context.Context, db *store.DB, logger *slog.Logger, done func()) <-chan error {
	verdict := make(chan error, 1)
	go func() {
		select {
		case <-time.After(checkDelay):
		case <-ctx.Done():
			return
		}
		start := time.Now()
		err := damaged(db.QuickCheck(ctx))
		if ctx.Err() != nil {
			return
		}
		verdict <- err
		if err != nil {
			return
		}
		if took := time.Since(start); took >= slowCheck {
			logger.Info("database checked", "took", took.Round(time.Millisecond))
		}
		done()
	}()
	return verdict
}

// damaged adds what to do to a damaged database's error.
func damaged(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w\nkith will not serve a damaged database. Restore the last backup into a new directory with 'kith restore ARCHIVE --data NEWDIR' and serve that; 'kith doctor' shows the details", err)
}

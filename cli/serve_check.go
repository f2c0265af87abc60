package cli

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"kith/store"
)

// slowCheck is how long a database check takes before kith logs that it
// finished: a large database's check goes on for seconds after start.
const slowCheck = time.Second

// checkDatabase runs SQLite's quick_check in the background, once kith
// serves, so a damaged page is found at start rather than by the request or
// the job that first reads it, after kith has answered 202 for something
// it then cannot store. The check reads every page, so it takes
// milliseconds on a new instance and seconds on one of 300 MB; neither
// holds up the first request.
//
// The verdict arrives on the returned channel: nil when the database is
// sound, else the error kith serve stops with. Nothing arrives when ctx
// ends first. done runs after a check that found the database sound.
func checkDatabase(ctx context.Context, db *store.DB, logger *slog.Logger, done func()) <-chan error {
	verdict := make(chan error, 1)
	go func() {
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

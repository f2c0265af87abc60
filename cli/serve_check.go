package cli

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"kith/store"
)

// checkBudget is how long kith serve waits for the database check before
// it starts serving anyway. A new instance's check takes milliseconds; one
// of 300 MB takes seconds (quick_check reads every page), and a restart
// must not wait for that.
const checkBudget = 500 * time.Millisecond

// checkDatabase runs SQLite's quick_check, so a damaged page is found at
// start rather than by the request or the job that first reads it, after
// kith has answered 202 for something it then cannot store.
//
// It returns an error (kith serve refuses to start) when the check finds
// damage within checkBudget. A check that takes longer goes on while kith
// serves; its verdict arrives on the channel, and a damaged database
// then stops the server with the same message. The channel yields nil, or
// nothing, when the database is sound.
func checkDatabase(ctx context.Context, db *store.DB, logger *slog.Logger) (<-chan error, error) {
	start := time.Now()
	result := make(chan error, 1)
	go func() { result <- damaged(db.QuickCheck(ctx)) }()
	select {
	case err := <-result:
		return nil, err
	case <-time.After(checkBudget):
	}
	logger.Info("checking the database while serving")
	later := make(chan error, 1)
	go func() {
		err := <-result
		if err == nil {
			logger.Info("database checked", "took", time.Since(start).Round(time.Millisecond))
		}
		if ctx.Err() == nil {
			later <- err
		}
	}()
	return later, nil
}

// damaged adds what to do to a damaged database's error.
func damaged(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w\nkith will not serve a damaged database. Restore the last backup into a new directory with 'kith restore ARCHIVE --data NEWDIR' and serve that; 'kith doctor' shows the details", err)
}

package cli

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"kith/config"
	"kith/monitor"
	"kith/replication"
	"kith/store"
)

// carryEvery is how often kith serve copies the config, the files it
// names and the certificates into the database again when they changed
// (autocert renews certificates; an operator edits the config): the
// replica then has them too.
const carryEvery = time.Hour

// startReplication starts streaming the database to the configured
// replica, if there is one, after carrying the files the database does
// not hold into it. Wrong keys or a missing bucket stop kith serve here,
// with the replica's answer.
// The returned stop ends the periodic copy; call it before the database
// closes.
func startReplication(ctx context.Context, cfg config.Config, db *store.DB, logger *slog.Logger) (*replication.Replicator, func(), error) {
	if !cfg.Replication.Enabled() {
		return nil, func() {}, nil
	}
	opts, err := replication.FromConfig(cfg.Replication)
	if err != nil {
		return nil, func() {}, err
	}
	carry(ctx, cfg, db, logger)
	repl, err := replication.Start(ctx, cfg.DatabasePath(), opts, logger)
	if err != nil {
		return nil, func() {}, fmt.Errorf("replication: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(carryEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				carry(ctx, cfg, db, logger)
			}
		}
	}()
	return repl, func() { cancel(); <-done }, nil
}

// carry copies the files outside the database into it, logging what it
// could not copy.
func carry(ctx context.Context, cfg config.Config, db *store.DB, logger *slog.Logger) {
	warnings, err := replication.CarryFiles(ctx, db, cfg)
	for _, w := range warnings {
		logger.Warn("replication: a file the config names is not in the replica", "problem", w)
	}
	if err != nil && ctx.Err() == nil {
		logger.Error("replication: copying the config and certificates into the database failed", "err", err)
	}
}

// replicaState reports the replicator's status to the dashboard and
// /metrics.
func replicaState(r *replication.Replicator) func() monitor.ReplicaState {
	return func() monitor.ReplicaState {
		st := r.Status()
		return monitor.ReplicaState{Where: st.Replica, Lag: st.Lag, Synced: st.Synced, LastError: st.LastError, LastErrorAt: st.LastErrorAt}
	}
}

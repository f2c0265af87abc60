package monitor

import (
	"io"
	"time"

	"github.com/VictoriaMetrics/metrics"
)

// ReplicaState is how far the database's replica is, when kith
// replicates (kith/replication reports it).
type ReplicaState struct {
	// Where names the replica (its URL, without credentials).
	Where string
	// Lag is how long the oldest change not yet on the replica has
	// waited; 0 when the replica has everything.
	Lag time.Duration
	// Synced is when the replica last received changes.
	Synced time.Time
	// LastError is the last error replication met, and when.
	LastError   string
	LastErrorAt time.Time
}

// Replica is the replica's state, and false when kith does not replicate.
func (m *Monitor) Replica() (ReplicaState, bool) {
	if m.opts.Replica == nil {
		return ReplicaState{}, false
	}
	return m.opts.Replica(), true
}

// writeReplica adds the replication gauges: the lag, and the time of the
// last sync (a scraper alerts when it stops moving while posts are made).
func (m *Monitor) writeReplica(w io.Writer) {
	st, ok := m.Replica()
	if !ok {
		return
	}
	metrics.WriteGaugeFloat64(w, "kith_replication_lag_seconds", st.Lag.Seconds())
	synced := 0.0
	if !st.Synced.IsZero() {
		synced = float64(st.Synced.UnixMilli()) / 1000
	}
	metrics.WriteGaugeFloat64(w, "kith_replication_last_sync_timestamp_seconds", synced)
}

package monitor

import (
	"context"
	"io"

	"github.com/VictoriaMetrics/metrics"
)

// WritePrometheus writes the counters, the latency histogram, the gauges
// (measured now; the media directory's size may be up to MediaEvery old)
// and the process's own metrics (memory, CPU, file descriptors, Go
// runtime) in Prometheus's text format.
func (m *Monitor) WritePrometheus(ctx context.Context, w io.Writer) {
	m.set.WritePrometheus(w)
	g := m.measure(ctx, m.opts.Now())
	metrics.WriteGaugeUint64(w, "kith_queue_due_jobs", uint64(max(g.queue.Due, 0)))
	oldest := 0.0
	if !g.queue.OldestDue.IsZero() {
		oldest = max(g.at.Sub(g.queue.OldestDue).Seconds(), 0)
	}
	metrics.WriteGaugeFloat64(w, "kith_queue_oldest_due_seconds", oldest)
	metrics.WriteGaugeUint64(w, "kith_database_bytes", uint64(max(g.db, 0)))
	metrics.WriteGaugeUint64(w, "kith_database_wal_bytes", uint64(max(g.wal, 0)))
	metrics.WriteGaugeUint64(w, "kith_media_bytes", uint64(max(g.media, 0)))
	m.writeReplica(w)
	metrics.WriteProcessMetrics(w)
}

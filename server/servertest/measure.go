package servertest

import (
	"syscall"
	"testing"
	"time"

	"kith/store"
)

// Measure runs op in b.Loop and reports the wall time's p50, p90 and p99,
// the CPU time per op (which other load on the machine does not inflate;
// in-process client and server together), and, with db, the database
// reads per op.
func Measure(b *testing.B, db *store.DB, op func()) {
	b.Helper()
	var durations []time.Duration
	cpu0 := CPUTime()
	var queries0 int64
	if db != nil {
		queries0 = db.ReadQueries()
	}
	for b.Loop() {
		t0 := time.Now()
		op()
		durations = append(durations, time.Since(t0))
	}
	cpu := CPUTime() - cpu0
	ReportPercentiles(b, durations, 50, 90, 99)
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(len(durations)), "cpu-ms/op")
	if db != nil {
		b.ReportMetric(float64(db.ReadQueries()-queries0)/float64(len(durations)), "queries/op")
	}
}

// CPUTime is the CPU time the process has used, user and system.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

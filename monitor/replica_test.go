package monitor

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kith/store"
)

// With a replica the Prometheus text carries its lag and the time of its
// last sync; without one, neither gauge is there.
func TestReplicaGauges(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "kith.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	synced := time.Date(2026, 12, 7, 15, 0, 0, 500e6, time.UTC)
	for _, tc := range []struct {
		replica func() ReplicaState
		want    []string
	}{
		{nil, nil},
		{func() ReplicaState {
			return ReplicaState{Where: "s3://b/p", Lag: 2500 * time.Millisecond, Synced: synced}
		},
			[]string{"kith_replication_lag_seconds 2.5\n", "kith_replication_last_sync_timestamp_seconds 1.7966556005e+09\n"}},
	} {
		m := New(nil, Options{DB: db, MediaDir: t.TempDir(), Now: func() time.Time { return synced }, Replica: tc.replica})
		var buf bytes.Buffer
		m.WritePrometheus(ctx, &buf)
		out := buf.String()
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("/metrics lacks %q:\n%s", w, out)
			}
		}
		if tc.replica == nil && strings.Contains(out, "kith_replication") {
			t.Errorf("/metrics without a replica has replication gauges")
		}
	}
}

package web

import (
	"math"
	"strings"
	"testing"
	"time"

	"kith/store"
)

func TestNiceCeiling(t *testing.T) {
	for _, tt := range []struct{ in, want float64 }{
		{0, 1}, {-3, 1}, {math.NaN(), 1}, {0.7, 1}, {1, 1}, {1.01, 2}, {3, 5}, {7, 10}, {10, 10}, {11, 20}, {2500, 5000}, {0.0031, 0.005},
	} {
		if got := niceCeiling(tt.in); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("niceCeiling(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// A gap (a minute without a sample) breaks the line; a lone minute is
// still drawn; the highest value sits chartTop below the top, zero on the
// bottom edge.
func TestPolylines(t *testing.T) {
	nan := math.NaN()
	lines, _ := polylines([]float64{0, 5, 10, nan, nan, 2, nan}, 10, nil)
	want := []string{"0,1000 1,520 2,40", "5,808 5,808"}
	if strings.Join(lines, "|") != strings.Join(want, "|") {
		t.Errorf("lines %q, want %q", lines, want)
	}
	if lines, _ := polylines([]float64{nan, nan}, 1, nil); len(lines) != 0 {
		t.Errorf("no samples: lines %q", lines)
	}
}

// Each series reads its field; its value is the minute under way's, or for
// counts the last whole minute's; the day's sum is its total.
func TestDrawCharts(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)
	window := make([]store.MonitorSample, 4)
	window[0] = store.MonitorSample{Minute: now.Add(-3 * time.Minute), InboxReceived: 7, RSS: 50e6}
	window[2] = store.MonitorSample{Minute: now.Add(-time.Minute), InboxReceived: 3, RSS: 60e6}
	window[3] = store.MonitorSample{Minute: now, InboxReceived: 1, RSS: 61e6}
	charts := drawCharts(window)
	if len(charts) != len(dashboardCharts) {
		t.Fatalf("%d charts", len(charts))
	}
	inbox := charts[0].Series[0]
	if inbox.Key != "inbox-received" || inbox.Value != 3 || inbox.Total != 11 || inbox.Peak != 7 || len(inbox.Lines) != 2 {
		t.Errorf("inbox received: %+v", inbox)
	}
	if inbox.DataTotal != "11" || charts[0].YMax != "10" {
		t.Errorf("data-total %q, scale top %q; want 11 and 10", inbox.DataTotal, charts[0].YMax)
	}
	for _, c := range charts {
		if c.ID == "memory" && (c.Series[0].Now != "61 MB" || c.Series[0].When != "now" || c.YMax != "100 MB") {
			t.Errorf("memory now %q, scale top %q", c.Series[0].Now, c.YMax)
		}
		if !strings.Contains(c.Summary, c.Title) {
			t.Errorf("summary %q does not name its chart", c.Summary)
		}
	}
}

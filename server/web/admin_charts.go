package web

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"kith/disk"
	"kith/store"
)

// The dashboard's charts are SVG drawn on the server: one polyline per
// series over the day's minutes, on a viewBox one unit wide per minute
// and chartHeight tall, stretched to the page's width by CSS. Axis labels
// are HTML beside the SVG, so that stretching does not distort them.
// Coordinates are integers: a tenth of a percent of the height is finer
// than any screen shows, and integers print several times faster.
const (
	chartHeight = 1000
	chartTop    = 40 // room above the highest point, so a peak is not cut
)

// Chart is one figure of the dashboard.
type Chart struct {
	ID      string
	Title   string
	Unit    string // what a value is: "per minute", "bytes", …
	Width   int    // the viewBox's width: one unit per minute
	Height  int
	YMax    string // the top of the scale, formatted
	YMid    string
	Series  []Series
	Summary string // the chart in words, for screen readers
}

// Series is one line of a chart.
type Series struct {
	Key   string // stable name tests and styles use
	Name  string
	Class string
	// Lines are polyline point lists, one per run of minutes with
	// samples: a minute kith was not running breaks the line.
	Lines []string
	// Value is the latest minute's value, Total the day's sum (for
	// counts), Peak the day's highest; the page shows them formatted and
	// carries them as data-* attributes.
	Value, Total, Peak float64
	Now, PeakText      string
	When               string // what Value is: "now", or "in the last minute"
	// The same as data-* attribute values: plain decimals.
	DataValue, DataTotal, DataPeak string
}

// seriesDef says how to read one series from a sample and how to show it.
type seriesDef struct {
	key, name, class string
	value            func(s *store.MonitorSample) float64
}

// chartDef is one chart before it is drawn.
type chartDef struct {
	id, title, unit string
	format          func(float64) string
	floor           float64 // the least top of the scale: a quiet day is drawn low, not at full height
	// perMinute charts count events: the minute under way has counted
	// only part of its events, so the legend gives the last whole minute.
	perMinute bool
	series    []seriesDef
}

func count(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

func bytesText(v float64) string { return disk.Bytes(uint64(max(v, 0))) }

func secondsText(v float64) string {
	d := time.Duration(v * float64(time.Second))
	switch {
	case d == 0:
		return "0"
	case d < time.Millisecond:
		return fmt.Sprintf("%d µs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%.3g ms", float64(d)/float64(time.Millisecond))
	case d < 2*time.Minute: // "100 s" reads better than "1.67 min"
		return fmt.Sprintf("%.3g s", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%.3g min", d.Minutes())
	}
	return fmt.Sprintf("%.3g h", d.Hours())
}

func zeroIfNaN(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return v
}

func decimal(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func percentText(v float64) string { return fmt.Sprintf("%.3g%%", v) }

// dashboardCharts are the charts, in the order the page shows them.
var dashboardCharts = []chartDef{
	{"inbox", "Inbox", "activities per minute", count, 10, true, []seriesDef{
		{"inbox-received", "received", "s1", func(s *store.MonitorSample) float64 { return float64(s.InboxReceived) }},
		{"inbox-processed", "processed", "s2", func(s *store.MonitorSample) float64 { return float64(s.InboxProcessed) }},
	}},
	{"deliveries", "Deliveries", "attempts per minute", count, 10, true, []seriesDef{
		{"deliveries-ok", "delivered", "s2", func(s *store.MonitorSample) float64 { return float64(s.DeliveriesOK) }},
		{"deliveries-failed", "failed", "s3", func(s *store.MonitorSample) float64 { return float64(s.DeliveriesFailed) }},
	}},
	{"queue", "Queue", "jobs due", count, 10, false, []seriesDef{
		{"queue-depth", "due", "s1", func(s *store.MonitorSample) float64 { return float64(s.QueueDepth) }},
	}},
	{"queue-wait", "Oldest waiting job", "time waited", secondsText, 1, false, []seriesDef{
		{"queue-oldest", "waited", "s1", func(s *store.MonitorSample) float64 { return s.OldestJob.Seconds() }},
	}},
	{"latency", "Request latency", "time to answer", secondsText, 0.01, false, []seriesDef{
		{"latency-p50", "median (p50)", "s1", func(s *store.MonitorSample) float64 { return s.LatencyP50.Seconds() }},
		{"latency-p99", "p99", "s4", func(s *store.MonitorSample) float64 { return s.LatencyP99.Seconds() }},
	}},
	{"requests", "Requests", "per minute", count, 10, true, []seriesDef{
		{"requests", "answered", "s1", func(s *store.MonitorSample) float64 { return float64(s.Requests) }},
	}},
	{"memory", "Memory", "resident (RSS)", bytesText, 1e8, false, []seriesDef{
		{"rss", "RSS", "s1", func(s *store.MonitorSample) float64 { return float64(s.RSS) }},
	}},
	{"cpu", "CPU", "share of one core", percentText, 10, false, []seriesDef{
		{"cpu", "CPU", "s2", func(s *store.MonitorSample) float64 { return s.CPU.Seconds() / 60 * 100 }},
	}},
	{"database", "Database", "size on disk", bytesText, 1e7, false, []seriesDef{
		{"db", "database", "s1", func(s *store.MonitorSample) float64 { return float64(s.DBBytes) }},
		{"wal", "write-ahead log", "s4", func(s *store.MonitorSample) float64 { return float64(s.WALBytes) }},
	}},
	{"media", "Media storage", "size on disk", bytesText, 1e7, false, []seriesDef{
		{"media", "media", "s2", func(s *store.MonitorSample) float64 { return float64(s.MediaBytes) }},
	}},
}

// drawCharts draws every chart over window, the day's samples oldest
// first (a zero Minute is a minute without one).
func drawCharts(window []store.MonitorSample) []Chart {
	charts := make([]Chart, len(dashboardCharts))
	buf := make([]byte, 0, 16*len(window))
	values := make([]float64, len(window))
	for ci, def := range dashboardCharts {
		c := Chart{ID: def.id, Title: def.title, Unit: def.unit, Width: max(len(window)-1, 1), Height: chartHeight}
		var top float64
		for _, sd := range def.series {
			for i := range window {
				if !window[i].Minute.IsZero() {
					top = max(top, sd.value(&window[i]))
				}
			}
		}
		scale := niceCeiling(max(top, def.floor))
		c.YMax, c.YMid = def.format(scale), def.format(scale/2)
		for _, sd := range def.series {
			s := Series{Key: sd.key, Name: sd.name, Class: sd.class}
			for i := range window {
				values[i] = math.NaN()
				if !window[i].Minute.IsZero() {
					values[i] = sd.value(&window[i])
					s.Total += values[i]
					s.Peak = max(s.Peak, values[i])
				}
			}
			s.When = "now"
			if last := len(window) - 1; def.perMinute && last > 0 {
				s.Value, s.When = zeroIfNaN(values[last-1]), "in the last minute"
			} else if last >= 0 {
				s.Value = zeroIfNaN(values[last])
			}
			s.Lines, buf = polylines(values, scale, buf)
			s.Now, s.PeakText = def.format(s.Value), def.format(s.Peak)
			s.DataValue, s.DataTotal, s.DataPeak = decimal(s.Value), decimal(s.Total), decimal(s.Peak)
			c.Series = append(c.Series, s)
		}
		c.Summary = summary(c)
		charts[ci] = c
	}
	return charts
}

// polylines turns values (NaN where there is no sample) into point lists,
// one per run without gaps; a run of one minute is drawn as a dot-sized
// line. buf is reused between calls.
func polylines(values []float64, scale float64, buf []byte) ([]string, []byte) {
	var lines []string
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		buf = buf[:0]
		for i := start; i < end; i++ {
			buf = appendPoint(buf, i, values[i], scale)
		}
		if end-start == 1 { // a lone minute: a short flat line, to be seen
			buf = appendPoint(buf, start, values[start], scale)
		}
		lines = append(lines, string(buf[:len(buf)-1]))
		start = -1
	}
	for i, v := range values {
		switch {
		case math.IsNaN(v):
			flush(i)
		case start < 0:
			start = i
		}
	}
	flush(len(values))
	return lines, buf
}

func appendPoint(buf []byte, x int, v, scale float64) []byte {
	y := float64(chartHeight)
	if scale > 0 {
		y -= v / scale * (chartHeight - chartTop)
	}
	buf = strconv.AppendInt(buf, int64(x), 10)
	buf = append(buf, ',')
	buf = strconv.AppendInt(buf, int64(math.Round(y)), 10)
	return append(buf, ' ')
}

// niceCeiling is the smallest of 1, 2 or 5 times a power of ten that is at
// least v: the top of a chart's scale. Below the smallest unit a value
// could have, the scale is 1.
func niceCeiling(v float64) float64 {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// summary says a chart in words: each series' value now and its peak.
func summary(c Chart) string {
	text := c.Title + " (" + c.Unit + ") over the last 24 hours."
	for _, s := range c.Series {
		text += " " + s.Name + " " + s.When + ": " + s.Now + ", peak " + s.PeakText + "."
	}
	return text
}

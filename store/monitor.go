package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MonitorSample is one minute of the server's activity and resources, as
// the owner's dashboard charts it (package monitor takes them).
type MonitorSample struct {
	Minute           time.Time // the minute's start; zero for a minute with no sample
	InboxReceived    int64     // activities accepted at an inbox
	InboxProcessed   int64     // received activities applied by the queue
	DeliveriesOK     int64     // delivery attempts that succeeded
	DeliveriesFailed int64     // delivery attempts that failed
	Requests         int64
	LatencyP50       time.Duration
	LatencyP99       time.Duration
	QueueDepth       int64         // due jobs, at the end of the minute
	OldestJob        time.Duration // how long the longest-waiting due job has waited
	RSS              int64         // resident memory, bytes
	CPU              time.Duration // CPU time used during the minute
	DBBytes          int64
	WALBytes         int64
	MediaBytes       int64
}

// monitorDayKey is the settings row holding the dashboard's last day: one
// line per minute, its fields as integers in the order of monitorFields.
// A row of text rather than a table of its own: the day is written whole
// every few minutes and read whole once at start, and nothing queries it.
const monitorDayKey = "monitor_day"

// monitorField is one stored field of a sample: where it is, and the unit
// it is stored in (durations in microseconds, the rest as they are).
type monitorField struct {
	v    *int64
	unit int64
}

// monitorFields are a sample's fields as stored, in order. A line with
// fewer fields (written by an older kith) reads the missing ones as zero;
// a new field goes at the end.
func monitorFields(s *MonitorSample) []monitorField {
	us := int64(time.Microsecond)
	return []monitorField{{&s.InboxReceived, 1}, {&s.InboxProcessed, 1}, {&s.DeliveriesOK, 1},
		{&s.DeliveriesFailed, 1}, {&s.Requests, 1}, {(*int64)(&s.LatencyP50), us}, {(*int64)(&s.LatencyP99), us},
		{&s.QueueDepth, 1}, {(*int64)(&s.OldestJob), us}, {&s.RSS, 1}, {(*int64)(&s.CPU), us},
		{&s.DBBytes, 1}, {&s.WALBytes, 1}, {&s.MediaBytes, 1}}
}

// SaveMonitorDay replaces the stored day with samples.
func (tx *Tx) SaveMonitorDay(ctx context.Context, samples []MonitorSample) error {
	var b strings.Builder
	b.Grow(len(samples) * 96)
	for _, s := range samples {
		b.WriteString(strconv.FormatInt(s.Minute.Unix(), 10))
		for _, f := range monitorFields(&s) {
			b.WriteByte(' ')
			b.WriteString(strconv.FormatInt(*f.v/f.unit, 10))
		}
		b.WriteByte('\n')
	}
	return tx.SetSetting(ctx, monitorDayKey, b.String())
}

// MonitorDay returns the stored samples of the minutes starting at or
// after from, in the order they were saved. Lines it cannot read are
// skipped: the day is a chart, not a record.
func (db *DB) MonitorDay(ctx context.Context, from time.Time) ([]MonitorSample, error) {
	text, err := db.Setting(ctx, monitorDayKey)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("monitor day: %w", err)
	}
	var out []MonitorSample
	for line := range strings.Lines(text) {
		if s, ok := parseMonitorLine(line); ok && !s.Minute.Before(from) {
			out = append(out, s)
		}
	}
	return out, nil
}

func parseMonitorLine(line string) (MonitorSample, bool) {
	fields := strings.Fields(line)
	if len(fields) < 2 {
		return MonitorSample{}, false
	}
	minute, err := strconv.ParseInt(fields[0], 10, 64)
	if err != nil {
		return MonitorSample{}, false
	}
	s := MonitorSample{Minute: time.Unix(minute, 0).UTC()}
	for i, f := range monitorFields(&s) {
		if i+1 >= len(fields) {
			break
		}
		v, err := strconv.ParseInt(fields[i+1], 10, 64)
		if err != nil {
			return MonitorSample{}, false
		}
		*f.v = v * f.unit
	}
	return s, true
}

// QueueStats is how much background work is due and how long the oldest
// of it has waited.
type QueueStats struct {
	Due       int64
	OldestDue time.Time // zero when nothing is due
}

// QueueStatsAt counts the jobs due at now (queued or running), the dead
// ones aside.
func (db *DB) QueueStatsAt(ctx context.Context, now time.Time) (QueueStats, error) {
	var st QueueStats
	var oldest sql.NullInt64
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*), MIN(run_at) FROM jobs
		WHERE state IN ('queued', 'running') AND run_at <= ?`, unixMilli(now)).Scan(&st.Due, &oldest)
	if err != nil {
		return st, fmt.Errorf("queue stats: %w", err)
	}
	if oldest.Valid {
		st.OldestDue = fromMilli(oldest.Int64)
	}
	return st, nil
}

// FailingGroup is what the failing jobs of one group add up to.
type FailingGroup struct {
	Key        string // the payload field the jobs share
	Retrying   int    // queued for another attempt
	Dead       int
	NextRetry  time.Time // the soonest retry; zero when all are dead
	LastFailed time.Time
	LastError  string // the most recent failure's
}

// FailingJobGroups adds up the jobs of a kind whose last attempt failed
// (waiting for a retry, or dead), grouped by one string field of their
// JSON payload (a JSON path such as "$.inbox"). It reads the queue once,
// however many jobs fail.
func (db *DB) FailingJobGroups(ctx context.Context, kind, field string) ([]FailingGroup, error) {
	// The latest error rides on its time, zero-padded so that the text
	// order is the time order: one MAX finds both.
	rows, err := db.read.QueryContext(ctx, `SELECT json_extract(CAST(payload AS TEXT), ?) AS k,
		SUM(state = 'queued'), SUM(state = 'dead'), MIN(CASE WHEN state = 'queued' THEN run_at END),
		MAX(printf('%020d', updated_at) || last_error)
		FROM jobs WHERE kind = ? AND last_error != '' AND state != 'running' AND json_valid(CAST(payload AS TEXT))
		GROUP BY k HAVING k IS NOT NULL`, field, kind)
	if err != nil {
		return nil, fmt.Errorf("failing jobs: %w", err)
	}
	defer rows.Close()
	var out []FailingGroup
	for rows.Next() {
		var g FailingGroup
		var next sql.NullInt64
		var latest string
		if err := rows.Scan(&g.Key, &g.Retrying, &g.Dead, &next, &latest); err != nil {
			return nil, fmt.Errorf("failing jobs: %w", err)
		}
		if next.Valid {
			g.NextRetry = fromMilli(next.Int64)
		}
		if len(latest) >= 20 {
			ms, _ := strconv.ParseInt(latest[:20], 10, 64)
			g.LastFailed, g.LastError = fromMilli(ms), latest[20:]
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

package web

import (
	"net/http"
	"time"
	"unicode/utf8"

	"kith/server/core"
)

// failingHostsShown is how many failing hosts the dashboard lists.
const failingHostsShown = 10

// maxErrorShown bounds an error's length in the failing hosts table.
const maxErrorShown = 300

// AdminPage is the owner's dashboard.
type AdminPage struct {
	Site         core.Site
	Charts       []Chart
	FailingHosts []FailingHostRow
	// Since is the first minute the charts cover, Now the minute under way.
	Since, Now time.Time
	// Replica is the database replica's state; nil without replication.
	Replica *ReplicaRow
}

// ReplicaRow is the dashboard's line about the database replica.
type ReplicaRow struct {
	Where       string
	Lag         string // "" when the replica has everything
	Synced      time.Time
	LastError   string
	LastErrorAt time.Time
	// Failing is an error newer than the last sync.
	Failing bool
}

// FailingHostRow is one host of the failing hosts table.
type FailingHostRow struct {
	Host       string
	Retrying   int
	Dead       int
	LastError  string
	LastFailed time.Time
	NextRetry  time.Time // zero when every delivery is dead
}

// HandleAdmin shows the dashboard: the last day's charts of inbox,
// deliveries, queue, latency, memory, CPU and storage, and the hosts whose
// deliveries fail.
func (s *Web) HandleAdmin(w http.ResponseWriter, r *http.Request) error {
	hosts, err := s.Fed.FailingHosts(r.Context(), failingHostsShown)
	if err != nil {
		return err
	}
	window := s.Opts.Monitor.Window()
	view := AdminPage{Site: s.Site(r), Charts: drawCharts(window)}
	if n := len(window); n > 0 {
		view.Now = window[n-1].Minute
		view.Since = view.Now.Add(-time.Duration(n-1) * time.Minute)
	}
	for _, h := range hosts {
		view.FailingHosts = append(view.FailingHosts, FailingHostRow{
			Host: h.Host, Retrying: h.Retrying, Dead: h.Dead, LastError: shorten(h.LastError, maxErrorShown),
			LastFailed: h.LastFailed, NextRetry: h.NextRetry,
		})
	}
	if st, ok := s.Opts.Monitor.Replica(); ok {
		row := &ReplicaRow{Where: st.Where, Synced: st.Synced, LastError: shorten(st.LastError, maxErrorShown), LastErrorAt: st.LastErrorAt,
			Failing: st.LastError != "" && st.LastErrorAt.After(st.Synced)}
		if st.Lag > 0 {
			row.Lag = st.Lag.Round(100 * time.Millisecond).String()
		}
		view.Replica = row
	}
	w.Header().Set("Cache-Control", "no-store")
	s.Render(w, r, http.StatusOK, "admin", view)
	return nil
}

// shorten cuts text to at most n characters, marking the cut.
func shorten(text string, n int) string {
	if utf8.RuneCountInString(text) <= n {
		return text
	}
	r := []rune(text)
	return string(r[:n-1]) + "…"
}

package monitor

import (
	"time"

	"kith/store"
)

// Day is how many one-minute samples the ring holds: the last 24 hours.
const Day = 24 * 60

// ring holds the samples of the last Day minutes, each in the slot of its
// minute, so that a minute with no sample (kith was stopped) stays empty
// instead of shifting the rest.
type ring struct {
	slots [Day]store.MonitorSample
}

func slotOf(minute time.Time) int {
	return int((minute.Unix()/60)%Day+Day) % Day
}

// put stores s in its minute's slot, replacing what a day ago left there.
func (r *ring) put(s store.MonitorSample) { r.slots[slotOf(s.Minute)] = s }

// window returns the Day minutes up to and including last, oldest first;
// a minute without a sample has a zero Minute.
func (r *ring) window(last time.Time) []store.MonitorSample {
	out := make([]store.MonitorSample, Day)
	first := last.Add(-(Day - 1) * time.Minute)
	for i := range out {
		m := first.Add(time.Duration(i) * time.Minute)
		if s := r.slots[slotOf(m)]; s.Minute.Equal(m) {
			out[i] = s
		}
	}
	return out
}

// since returns the samples from the minute from on, oldest first.
func (r *ring) since(from, last time.Time) []store.MonitorSample {
	var out []store.MonitorSample
	for _, s := range r.window(last) {
		if !s.Minute.IsZero() && !s.Minute.Before(from) {
			out = append(out, s)
		}
	}
	return out
}

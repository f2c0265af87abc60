package httpsig

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// window is when a signature was made and the last moment it verifies.
type window struct {
	created, until time.Time
}

// checkTime applies the time window (see clockSkew) to every signed time:
// the Date header when date is signed, the created parameter when
// (created) is signed. An expires parameter counts only when (expires) is
// signed; otherwise anyone could have lengthened it. With both signed, the
// window is the narrower of the two.
func checkTime(h http.Header, p Params, now time.Time) (window, error) {
	var expires time.Time
	if slices.Contains(p.Headers, "(expires)") && p.Expires != "" {
		expires = unixTime(p.Expires)
	}
	var w window
	narrow := func(created time.Time) error {
		until, err := inWindow(created, expires, now)
		if err != nil {
			return err
		}
		if w.until.IsZero() || until.Before(w.until) {
			w.until = until
		}
		if created.After(w.created) {
			w.created = created
		}
		return nil
	}
	if slices.Contains(p.Headers, "(created)") {
		if p.Created == "" {
			return window{}, fmt.Errorf("(created) signed but the created parameter is missing")
		}
		if err := narrow(unixTime(p.Created)); err != nil {
			return window{}, fmt.Errorf("created %s: %w", p.Created, err)
		}
	}
	if slices.Contains(p.Headers, "date") {
		v := h.Get("Date")
		d, err := http.ParseTime(v)
		if err != nil {
			return window{}, fmt.Errorf("bad Date header %q", v)
		}
		if err := narrow(d); err != nil {
			return window{}, fmt.Errorf("Date %s: %w", v, err)
		}
	}
	return w, nil
}

// inWindow checks one signature time against now, Mastodon's way: the
// signature expires at expires, or defaultExpiry after created when it has
// no expiry, and never later than maxExpiryLimit after created. It returns
// the last moment the signature is accepted.
func inWindow(created, expires, now time.Time) (time.Time, error) {
	if created.After(now.Add(clockSkew)) {
		return time.Time{}, fmt.Errorf("%v in the future", created.Sub(now).Round(time.Second))
	}
	limit := created.Add(maxExpiryLimit)
	if expires.IsZero() {
		expires = created.Add(defaultExpiry)
	}
	if expires.After(limit) {
		expires = limit
	}
	until := expires.Add(clockSkew)
	if now.After(until) {
		return time.Time{}, fmt.Errorf("expired %v ago", now.Sub(expires).Round(time.Second))
	}
	return until, nil
}

// unixTime converts a timestamp isTimestamp accepted; the fraction is
// dropped, as the window is counted in minutes.
func unixTime(s string) time.Time {
	whole, _, _ := strings.Cut(s, ".")
	sec, _ := strconv.ParseInt(whole, 10, 64)
	return time.Unix(sec, 0)
}

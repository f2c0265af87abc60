package httpsig

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// checkTime applies the time window (see clockSkew) to every signed time:
// the Date header when date is signed, the created parameter when
// (created) is signed. An expires parameter counts only when (expires) is
// signed; otherwise anyone could have lengthened it.
func checkTime(h http.Header, p Params, now time.Time) error {
	var expires time.Time
	if slices.Contains(p.Headers, "(expires)") && p.Expires != "" {
		expires = unixTime(p.Expires)
	}
	if slices.Contains(p.Headers, "(created)") {
		if p.Created == "" {
			return fmt.Errorf("(created) signed but the created parameter is missing")
		}
		if err := inWindow(unixTime(p.Created), expires, now); err != nil {
			return fmt.Errorf("created %s: %w", p.Created, err)
		}
	}
	if slices.Contains(p.Headers, "date") {
		v := h.Get("Date")
		d, err := http.ParseTime(v)
		if err != nil {
			return fmt.Errorf("bad Date header %q", v)
		}
		if err := inWindow(d, expires, now); err != nil {
			return fmt.Errorf("Date %s: %w", v, err)
		}
	}
	return nil
}

// inWindow checks one signature time against now, Mastodon's way: the
// signature expires at expires, or defaultExpiry after created when it has
// no expiry, and never later than maxExpiryLimit after created.
func inWindow(created, expires, now time.Time) error {
	if created.After(now.Add(clockSkew)) {
		return fmt.Errorf("%v in the future", created.Sub(now).Round(time.Second))
	}
	limit := created.Add(maxExpiryLimit)
	if expires.IsZero() {
		expires = created.Add(defaultExpiry)
	}
	if expires.After(limit) {
		expires = limit
	}
	if now.After(expires.Add(clockSkew)) {
		return fmt.Errorf("expired %v ago", now.Sub(expires).Round(time.Second))
	}
	return nil
}

// unixTime converts a timestamp isTimestamp accepted; the fraction is
// dropped, as the window is counted in minutes.
func unixTime(s string) time.Time {
	whole, _, _ := strings.Cut(s, ".")
	sec, _ := strconv.ParseInt(whole, 10, 64)
	return time.Unix(sec, 0)
}

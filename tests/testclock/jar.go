package testclock

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Jar is an http.CookieJar that expires cookies by a clock. A client of a
// server on a test clock needs one: net/http/cookiejar expires cookies by
// the real date, so a session the server still honours can vanish from
// the client, or one it has ended stay, depending on the day the tests
// run.
//
// It does what kith's tests need and no more. Cookies are host-only and
// kept per host:port: the Domain attribute is ignored, and two test
// servers on one loopback address keep their cookies apart (browsers
// would share them). Max-Age wins over Expires (RFC 6265 §5.3); paths
// match by prefix (§5.1.4); Secure cookies go only over https.
type Jar struct {
	now func() time.Time

	mu     sync.Mutex
	byHost map[string][]jarCookie // in the order they were first set
}

type jarCookie struct {
	name, value, path string
	secure            bool
	expires           time.Time // zero: kept as long as the jar
}

// NewJar returns an empty jar that reads the time from now.
func NewJar(now func() time.Time) *Jar {
	return &Jar{now: now, byHost: map[string][]jarCookie{}}
}

// SetCookies stores the cookies of a response from u, replacing those of
// the same name and path, and removes those that arrive already expired
// (which is how a server deletes a cookie).
func (j *Jar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	now := j.now()
	host := strings.ToLower(u.Host)
	j.mu.Lock()
	defer j.mu.Unlock()
	kept := j.byHost[host]
	for _, c := range cookies {
		e := jarCookie{name: c.Name, value: c.Value, path: c.Path, secure: c.Secure}
		if e.path == "" || e.path[0] != '/' {
			e.path = defaultPath(u.Path)
		}
		// net/http reads "Max-Age=0" and negative values as MaxAge < 0,
		// and an absent Max-Age as 0.
		gone := c.MaxAge < 0
		switch {
		case c.MaxAge > 0:
			e.expires = now.Add(time.Duration(c.MaxAge) * time.Second)
		case c.MaxAge == 0 && !c.Expires.IsZero():
			e.expires = c.Expires
			gone = !c.Expires.After(now)
		}
		i := slices.IndexFunc(kept, func(old jarCookie) bool { return old.name == e.name && old.path == e.path })
		switch {
		case gone:
			if i >= 0 {
				kept = slices.Delete(kept, i, i+1)
			}
		case i >= 0:
			kept[i] = e
		default:
			kept = append(kept, e)
		}
	}
	j.byHost[host] = kept
}

// Cookies returns the cookies to send to u: unexpired by the clock, on a
// matching path, Secure ones only over https; longest paths first, as
// browsers send them. Expired cookies are dropped.
func (j *Jar) Cookies(u *url.URL) []*http.Cookie {
	now := j.now()
	host := strings.ToLower(u.Host)
	secure := u.Scheme == "https" || u.Scheme == "wss"
	path := u.Path
	if path == "" {
		path = "/"
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.byHost[host] = slices.DeleteFunc(j.byHost[host], func(e jarCookie) bool {
		return !e.expires.IsZero() && !e.expires.After(now)
	})
	var send []jarCookie
	for _, e := range j.byHost[host] {
		if (secure || !e.secure) && pathMatch(path, e.path) {
			send = append(send, e)
		}
	}
	slices.SortStableFunc(send, func(a, b jarCookie) int { return len(b.path) - len(a.path) })
	out := make([]*http.Cookie, len(send))
	for i, e := range send {
		out[i] = &http.Cookie{Name: e.name, Value: e.value}
	}
	return out
}

// defaultPath is the path a cookie without one gets: the request path up
// to its last slash (RFC 6265 §5.1.4).
func defaultPath(p string) string {
	i := strings.LastIndex(p, "/")
	if i <= 0 || p[0] != '/' {
		return "/"
	}
	return p[:i]
}

// pathMatch reports whether a request for path gets a cookie set for
// cookiePath: the same path, or one below it ("/a" matches "/a/b" but not
// "/ab").
func pathMatch(path, cookiePath string) bool {
	if !strings.HasPrefix(path, cookiePath) {
		return false
	}
	return len(path) == len(cookiePath) || strings.HasSuffix(cookiePath, "/") || path[len(cookiePath)] == '/'
}

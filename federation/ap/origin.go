package ap

import (
	"net"
	"net/url"
	"strings"
)

// Host returns the host of an http(s) URL, lower-cased, without a trailing
// dot and without a default port (:80, :443), or "" if s is not one.
//
// Note: Takahē writes an explicit :443 in some URLs; Mastodon's test
// actors mix http:// ids with https:// urls on the same host.
func Host(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return ""
	}
	port := u.Port()
	if port == "" || port == "80" || port == "443" {
		return host
	}
	return net.JoinHostPort(host, port)
}

// SameHost reports whether a and b are http(s) URLs on the same host
// (scheme and default ports ignored, other ports significant). This is
// the test Mastodon applies between an actor and what it may speak for.
func SameHost(a, b string) bool {
	h := Host(a)
	return h != "" && h == Host(b)
}

// SameOrigin reports whether a and b have the same scheme and host, the
// stricter test for trusting a document embedded in another.
func SameOrigin(a, b string) bool {
	if !SameHost(a, b) {
		return false
	}
	return scheme(a) == scheme(b)
}

func scheme(s string) string {
	i := strings.Index(s, ":")
	if i < 0 {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(s[:i]))
}

// KeyOwnedByActor reports whether the actor's signing key is plausibly its
// own: the key id is an http(s) URL on the actor's host, and the key's
// owner, when given, is the actor. A key published on another server must
// never verify this actor's requests.
//
// Note: Hubzilla and Osada use the actor id (or a /public_key_pem URL)
// as key id and Misskey a /publickey path, all on the actor's host, so
// the host is compared, not a "#main-key" suffix. Bridgy Fed's key id is a
// bare hostname, which this refuses.
func KeyOwnedByActor(a *Actor) bool {
	key := a.Key()
	if key == nil || !SameHost(string(key.ID), a.ID) {
		return false
	}
	return key.Owner == "" || string(key.Owner) == a.ID
}

// CheckID returns an error wrapping ErrBadID unless id is an absolute
// http(s) URL with a host. Embedded objects are not checked by the Parse
// functions beyond their top level; callers check the ids they use.
func CheckID(id string) error {
	if id == "" {
		return ErrMissingID
	}
	u, err := url.Parse(id)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return &idError{id: id}
	}
	return nil
}

package core

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"time"
)

// A browser the owner has signed in with before carries a "known browser"
// cookie: a random id and a MAC over it made with a key only this server
// holds. Its sign-in attempts are counted in a bucket of its own and not
// in the server-wide one, so an attacker who exhausts the server-wide cap
// from many addresses slows every stranger but cannot lock the owner out
// of the browsers they already use. The cookie grants nothing else: it is
// not a session, and the password (and second factor) are still asked.
const (
	KnownBrowserCookie   = "kith_known"
	knownBrowserLifetime = 400 * 24 * time.Hour // browsers cap cookies at 400 days
)

// knownBrowserMAC signs a known-browser id. The key is derived from the
// media URL key, with its own label, so neither MAC can stand for the
// other.
func (s *Env) knownBrowserMAC(id string) string {
	k := hmac.New(sha256.New, s.MediaKey)
	k.Write([]byte("kith known browser"))
	m := hmac.New(sha256.New, k.Sum(nil))
	m.Write([]byte(id))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// knownBrowser returns the id of r's known-browser cookie, or "" when it
// has none or its MAC is wrong.
func (s *Env) knownBrowser(r *http.Request) string {
	c, err := r.Cookie(s.CookieName(KnownBrowserCookie))
	if err != nil {
		return ""
	}
	id, mac, ok := strings.Cut(c.Value, ".")
	if !ok || len(id) != 32 || !hmac.Equal([]byte(mac), []byte(s.knownBrowserMAC(id))) {
		return ""
	}
	return id
}

// RememberBrowser marks the browser of a completed sign-in as known,
// keeping the id it already has.
func (s *Env) RememberBrowser(w http.ResponseWriter, r *http.Request) {
	id := s.knownBrowser(r)
	if id == "" {
		b := make([]byte, 16)
		rand.Read(b)
		id = hex.EncodeToString(b)
	}
	s.SetCookie(w, KnownBrowserCookie, id+"."+s.knownBrowserMAC(id), knownBrowserLifetime)
}

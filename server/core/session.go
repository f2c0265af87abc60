package core

import (
	"crypto/subtle"
	"net/http"
	"time"

	"kith/store"
)

const (
	// sessionLifetime is how long a session lives without use; each use
	// slides it forward.
	SessionLifetime = 30 * 24 * time.Hour
	// touchEvery limits session writes to one per this interval.
	TouchEvery = time.Hour
)

const SessionKey ctxKey = 100

// CookieName prefixes cookies with __Host- on https, which makes browsers
// insist on Secure, Path=/ and no Domain.
func (s *Env) CookieName(base string) string {
	if s.Config().BaseURL().Scheme == "https" {
		return "__Host-" + base
	}
	return base
}

// SetCookie sets one of kith's cookies: HTTP-only, SameSite=Lax, Secure
// over HTTPS.
func (s *Env) SetCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name:     s.CookieName(name),
		Value:    value,
		Path:     "/",
		MaxAge:   int(maxAge.Seconds()),
		HttpOnly: true,
		Secure:   s.Config().BaseURL().Scheme == "https",
		SameSite: http.SameSiteLaxMode,
	})
}

// ClearCookie removes one of kith's cookies.
func (s *Env) ClearCookie(w http.ResponseWriter, name string) {
	s.SetCookie(w, name, "", -time.Second)
}

// ExpiredSession marks a request that carried a session cookie that is no
// longer valid, so the login page can say why it is shown.
var ExpiredSession = &store.Session{}

// SessionFrom is the owner's session the server's loadSession found, or nil.
func SessionFrom(r *http.Request) *store.Session {
	sess, _ := r.Context().Value(SessionKey).(*store.Session)
	if sess == ExpiredSession {
		return nil
	}
	return sess
}

// CheckCSRF verifies the token of a form posted by the signed-in owner.
func CheckCSRF(r *http.Request) error {
	sess := SessionFrom(r)
	if sess == nil {
		return errForbidden
	}
	if !TokensEqual(r.PostFormValue("csrf_token"), sess.CSRFToken) {
		return ErrBadCSRF
	}
	return nil
}

// TokensEqual compares two secrets in constant time.
func TokensEqual(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

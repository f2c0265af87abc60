package core

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"time"
)

// Sign-in throttling. Every check of a secret the owner signs in with
// goes through one limiter: the login form's password, the OAuth
// password grant, the current password on the password page, and a
// second step (a TOTP or recovery code) when there is one. Each such
// handler does:
//
//	if err := s.CheckSignInAllowed(r); err != nil {
//		s.RenderError(w, r, err) // or s.apiFail: 429 with Retry-After
//		return
//	}
//	if secret is right {
//		s.SignInSucceeded(r)
//	}
//
// CheckSignInAllowed counts the attempt as a failure before the secret is
// checked, so that guesses sent at once cannot all pass before the first
// is counted; SignInSucceeded gives that one attempt back, and only it:
// a right password does not buy more guesses at a second factor.
//
// An attempt needs room in two buckets: the client's (its IPv4 address,
// or its IPv6 /64, which one host usually holds whole), and one shared by
// everyone, which bounds what an attacker with many addresses gets. Both
// refill steadily and are full again signInWindow after the last counted
// failure; refused attempts cost nothing, so once the guessing stops
// nobody, the owner included, waits longer than the window.
const (
	SignInWindow    = 10 * time.Minute
	SignInPerClient = 10 // failures per client per window
	SignInGlobal    = 30 // failures from anywhere per window
)

// SignInLimiter holds the two kinds of bucket.
type SignInLimiter struct {
	clients *RateLimiter
	all     *RateLimiter // one bucket, key ""
}

// NewSignInLimiter limits sign-in attempts per address block and in all.
func NewSignInLimiter(now func() time.Time) *SignInLimiter {
	return &SignInLimiter{
		clients: NewRateLimiter(SignInPerClient, SignInWindow/SignInPerClient, now),
		all:     NewRateLimiter(SignInGlobal, SignInWindow/SignInGlobal, now),
	}
}

// Reserve counts an attempt from client and returns 0, or, when either
// bucket is empty, counts nothing and returns how long to wait. A known
// browser (known_browser.go) is its own client and skips the server-wide
// bucket.
func (l *SignInLimiter) Reserve(client string, known bool) time.Duration {
	if wait := l.clients.take(client); wait > 0 || known {
		return wait
	}
	if wait := l.all.take(""); wait > 0 {
		l.clients.give(client)
		return wait
	}
	return 0
}

// Succeeded gives back the attempt reserve counted.
func (l *SignInLimiter) Succeeded(client string, known bool) {
	l.clients.give(client)
	if !known {
		l.all.give("")
	}
}

// signInRefused is CheckSignInAllowed's refusal: 429, with Retry-After.
type signInRefused struct{ retryAfter time.Duration }

func (e *signInRefused) Error() string {
	return fmt.Sprintf("too many sign-in attempts: retry after %v", e.retryAfter)
}

// Is makes a refusal errTooManyTries for errors.Is.
func (e *signInRefused) Is(target error) bool { return target == ErrTooManyTries }

// seconds is Retry-After's value: whole seconds, rounded up.
func (e *signInRefused) seconds() int { return int((e.retryAfter + time.Second - 1) / time.Second) }

// message tells the person refused how long to wait.
func (e *signInRefused) message() string {
	if n := e.seconds(); n < 90 {
		return "Too many sign-in attempts. Try again in " + strconv.Itoa(n) + " seconds."
	}
	return "Too many sign-in attempts. Try again in " + strconv.Itoa((e.seconds()+59)/60) + " minutes."
}

// SetRetryAfter sets Retry-After when err is a sign-in refusal.
func SetRetryAfter(w http.ResponseWriter, err error) {
	var e *signInRefused
	if errors.As(err, &e) {
		w.Header().Set("Retry-After", strconv.Itoa(e.seconds()))
	}
}

// CheckSignInAllowed is called before checking a password or a second
// factor (see the top of this file). It counts the attempt as failed and
// returns nil, or returns a *signInRefused, which RenderError and apiFail
// answer with 429 and Retry-After.
func (s *Env) CheckSignInAllowed(r *http.Request) error {
	client, known := s.signInClient(r)
	if wait := s.SignIns.Reserve(client, known); wait > 0 {
		s.Logger.Info("sign-in refused", "ip", ClientIP(r), "retry_after", wait)
		return &signInRefused{wait}
	}
	return nil
}

// SignInSucceeded is called when the secret checked after
// CheckSignInAllowed was right.
func (s *Env) SignInSucceeded(r *http.Request) {
	s.SignIns.Succeeded(s.signInClient(r))
}

// signInClient is the bucket a request's attempts are counted in: its
// known-browser id when it has one, else its client address.
func (s *Env) signInClient(r *http.Request) (client string, known bool) {
	if id := s.knownBrowser(r); id != "" {
		return "known:" + id, true
	}
	return addressBucket(r), false
}

// addressBucket is the bucket a request's client address falls in: the
// IPv4 address, or the IPv6 /64.
func addressBucket(r *http.Request) string {
	a, err := netip.ParseAddr(ClientIP(r))
	if err != nil {
		return ClientIP(r)
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, _ := a.WithZone("").Prefix(64)
	return p.String()
}

// RefuseWithTwoFactor answers the OAuth password grant while a second
// factor is on, reporting true: a password alone must not make a token
// then. It answers before the password is checked, so the refusal tells
// nothing about the password.
//
// Note: Mastodon refuses the grant with invalid_grant when two-factor
// sign-in is on; its apps show error_description, so it says what to do.
func (s *Env) RefuseWithTwoFactor(w http.ResponseWriter, r *http.Request) bool {
	tf, err := s.DB.TwoFactor(r.Context())
	if err != nil {
		s.APIFail(w, r, err)
		return true
	}
	if !tf.On() {
		return false
	}
	s.Logger.Info("token password grant refused: two-factor sign-in is on", "ip", ClientIP(r))
	WriteAPI(w, http.StatusBadRequest, map[string]string{
		"error":             "invalid_grant",
		"error_description": "Two-factor authentication is on: sign in through the browser.",
	})
	return true
}

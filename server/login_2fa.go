package server

import (
	"context"
	"errors"
	"net/http"
	"time"

	"kith/account"
	"kith/store"
)

// Two-factor sign-in. With an authenticator app (TOTP) or a passkey set
// up, a right password on /login makes no session yet: it makes a
// challenge, found by a short-lived cookie, and the browser is sent to
// /login/2fa for a code, a recovery code or a passkey. The session is made
// only once that is answered. The OAuth consent page sends a visitor
// through /login, so apps get the same two steps.

const (
	// challengeCookie holds a sign-in's (or a set-up's) next step.
	challengeCookie = "kith_challenge"
	// challengeLifetime is how long a step waits for its answer.
	challengeLifetime = 5 * time.Minute
	// maxSecondFactorTries wrong codes end a sign-in: the password must
	// be typed again (and each try also takes from the login limiter).
	maxSecondFactorTries = 5
)

// askSecondFactor is called by handleLogin once the password is right.
// When a second factor is on it starts the second step and sends the
// browser there, reporting true; when none is, it reports false and the
// caller makes the session.
func (s *Server) askSecondFactor(w http.ResponseWriter, r *http.Request, next string) bool {
	tf, err := s.db.TwoFactor(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return true
	}
	if !tf.On() {
		return false
	}
	token := account.NewToken(32)
	err = s.db.InTx(r.Context(), func(tx *store.Tx) error {
		return tx.CreateAuthChallenge(r.Context(), token, store.AuthChallenge{
			Kind: store.ChallengeSecondFactor, Next: next, ExpiresAt: s.opts.Now().Add(challengeLifetime),
		})
	})
	if err != nil {
		s.renderError(w, r, err)
		return true
	}
	s.setCookie(w, challengeCookie, token, challengeLifetime)
	s.logger.Info("login password accepted, second factor asked", "ip", clientIP(r))
	http.Redirect(w, r, "/login/2fa", http.StatusSeeOther)
	return true
}

// secondStepPage asks for the second factor.
type secondStepPage struct {
	Site          site
	CSRFToken     string
	TOTP          bool
	RecoveryCodes bool
	Passkeys      bool
	Error         string
}

// pendingSignIn returns the second-factor challenge of the browser's
// cookie, and the cookie's value.
func (s *Server) pendingSignIn(r *http.Request) (string, store.AuthChallenge, error) {
	c, err := r.Cookie(s.cookieName(challengeCookie))
	if err != nil || c.Value == "" {
		return "", store.AuthChallenge{}, store.ErrNotFound
	}
	ch, err := s.db.AuthChallenge(r.Context(), c.Value, store.ChallengeSecondFactor, s.opts.Now())
	return c.Value, ch, err
}

// signInAgain sends the browser back to the password form, saying why.
func (s *Server) signInAgain(w http.ResponseWriter, r *http.Request, next, why string) {
	s.clearCookie(w, challengeCookie)
	s.renderLogin(w, r, http.StatusUnauthorized, loginPage{Site: s.site(r), Next: next, Error: why})
}

// handleSecondStepForm shows GET /login/2fa.
func (s *Server) handleSecondStepForm(w http.ResponseWriter, r *http.Request) {
	if sessionFrom(r) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	_, _, err := s.pendingSignIn(r)
	if errors.Is(err, store.ErrNotFound) {
		s.signInAgain(w, r, "/", "That sign-in has expired. Enter your password again.")
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.renderSecondStep(w, r, http.StatusOK, "")
}

func (s *Server) renderSecondStep(w http.ResponseWriter, r *http.Request, status int, msg string) {
	tf, err := s.db.TwoFactor(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view := secondStepPage{Site: s.site(r), CSRFToken: account.NewToken(32), TOTP: tf.TOTP,
		RecoveryCodes: tf.RecoveryCodes > 0, Passkeys: tf.Passkeys > 0, Error: msg}
	s.setCookie(w, "kith_login_csrf", view.CSRFToken, time.Hour)
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, "login_2fa", view)
}

// checkLoginCSRF checks a form posted before sign-in against the login
// form's cookie (double submit).
func (s *Server) checkLoginCSRF(r *http.Request) error {
	c, err := r.Cookie(s.cookieName("kith_login_csrf"))
	if err != nil || !tokensEqual(r.PostFormValue("csrf_token"), c.Value) {
		return errBadCSRF
	}
	return nil
}

// handleSecondStep takes POST /login/2fa: a code from the authenticator
// app or a recovery code. Each try goes through the sign-in limiter like a
// password (signin_limit.go).
func (s *Server) handleSecondStep(w http.ResponseWriter, r *http.Request) {
	if err := s.checkLoginCSRF(r); err != nil {
		s.renderError(w, r, err)
		return
	}
	if err := s.checkSignInAllowed(r); err != nil {
		s.renderError(w, r, err)
		return
	}
	token, ch, err := s.pendingSignIn(r)
	if errors.Is(err, store.ErrNotFound) {
		s.signInAgain(w, r, "/", "That sign-in has expired. Enter your password again.")
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	var problem, session string
	err = s.db.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		if problem, err = s.spendSecondFactorCode(r.Context(), tx, r.PostFormValue("code")); err != nil || problem != "" {
			return err
		}
		if _, err := tx.TakeAuthChallenge(r.Context(), token, store.ChallengeSecondFactor); err != nil {
			return err
		}
		session, err = s.startSession(r.Context(), tx, r)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		s.signInAgain(w, r, "/", "That sign-in has expired. Enter your password again.")
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if problem != "" {
		s.refuseSecondFactor(w, r, token, ch.Next, problem)
		return
	}
	s.signInSucceeded(r)
	s.signedIn(w, r, session, ch.Next, "code")
}

// refuseSecondFactor counts a wrong answer and asks again, or after
// maxSecondFactorTries sends the browser back to the password.
func (s *Server) refuseSecondFactor(w http.ResponseWriter, r *http.Request, token, next, problem string) {
	s.logger.Info("login second factor refused", "ip", clientIP(r))
	var tries int
	err := s.db.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		tries, err = tx.FailAuthChallenge(r.Context(), token, maxSecondFactorTries)
		return err
	})
	if errors.Is(err, store.ErrNotFound) || tries >= maxSecondFactorTries {
		s.signInAgain(w, r, next, "Too many wrong codes. Enter your password again.")
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.renderSecondStep(w, r, http.StatusUnauthorized, problem)
}

// spendSecondFactorCode checks a code typed by the owner: six digits are
// a TOTP code (of this step or the one before or after, and never one
// used before), anything else a recovery code, which is spent. It returns
// what is wrong with the code, or "" when it was right.
func (s *Server) spendSecondFactorCode(ctx context.Context, tx *store.Tx, code string) (string, error) {
	const wrong = "That code is not right."
	if account.NormalizeCode(code) == "" {
		return "Enter a code.", nil
	}
	if !account.IsTOTPCode(code) {
		ok, err := tx.UseRecoveryCode(ctx, account.HashRecoveryCode(code))
		if err != nil || !ok {
			return wrong, err
		}
		s.logger.Warn("recovery code used")
		return "", nil
	}
	secret, err := s.db.TOTPSecret(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return wrong, nil
	}
	if err != nil {
		return "", err
	}
	step, ok := account.CheckTOTP(secret, code, s.opts.Now())
	if !ok {
		return wrong, nil
	}
	fresh, err := tx.UseTOTPStep(ctx, step)
	if err != nil {
		return "", err
	}
	if !fresh {
		return "That code was used already. Wait for the next one.", nil
	}
	return "", nil
}

// startSession stores a new session for the browser of r and returns its
// cookie value.
func (s *Server) startSession(ctx context.Context, tx *store.Tx, r *http.Request) (string, error) {
	token := account.NewToken(32)
	err := tx.CreateSession(ctx, token, store.Session{
		CSRFToken: account.NewToken(32),
		ExpiresAt: s.opts.Now().Add(sessionLifetime),
		UserAgent: truncate(r.UserAgent(), 300),
		IP:        clientIP(r),
	})
	return token, err
}

// signedIn sets the session cookie, drops the sign-in's other cookies and
// sends the browser on. how is what completed the sign-in, for the log.
func (s *Server) signedIn(w http.ResponseWriter, r *http.Request, session, next, how string) {
	s.clearCookie(w, challengeCookie)
	s.clearCookie(w, "kith_login_csrf")
	s.setCookie(w, "kith_session", session, sessionLifetime)
	s.rememberBrowser(w, r)
	s.logger.Info("login", "ip", clientIP(r), "with", how)
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}

// refuseWithTwoFactor answers the OAuth password grant while a second
// factor is on, reporting true: a password alone must not make a token
// then. It answers before the password is checked, so the refusal tells
// nothing about the password.
//
// Note: Mastodon refuses the grant with invalid_grant when two-factor
// sign-in is on; its apps show error_description, so it says what to do.
func (s *Server) refuseWithTwoFactor(w http.ResponseWriter, r *http.Request) bool {
	tf, err := s.db.TwoFactor(r.Context())
	if err != nil {
		s.apiFail(w, r, err)
		return true
	}
	if !tf.On() {
		return false
	}
	s.logger.Info("token password grant refused: two-factor sign-in is on", "ip", clientIP(r))
	writeAPI(w, http.StatusBadRequest, map[string]string{
		"error":             "invalid_grant",
		"error_description": "Two-factor authentication is on: sign in through the browser.",
	})
	return true
}

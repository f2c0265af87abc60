package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"kith/account"
	"kith/server/core"
	"kith/store"
)

const (
	// challengeCookie holds a sign-in's (or a set-up's) next step.
	challengeCookie = "kith_challenge"
	// challengeLifetime is how long a step waits for its answer.
	ChallengeLifetime = 5 * time.Minute
	// maxSecondFactorTries wrong codes end a sign-in: the password must
	// be typed again (and each try also takes from the login limiter).
	MaxSecondFactorTries = 5
)

// askSecondFactor is called by HandleLogin once the password is right.
// When a second factor is on it starts the second step and sends the
// browser there, reporting true; when none is, it reports false and the
// caller makes the session.
func (s *Web) askSecondFactor(w http.ResponseWriter, r *http.Request, next string) bool {
	tf, err := s.DB.TwoFactor(r.Context())
	if err != nil {
		s.RenderError(w, r, err)
		return true
	}
	if !tf.On() {
		return false
	}
	token := account.NewToken(32)
	err = s.DB.InTx(r.Context(), func(tx *store.Tx) error {
		return tx.CreateAuthChallenge(r.Context(), token, store.AuthChallenge{
			Kind: store.ChallengeSecondFactor, Next: next, ExpiresAt: s.Opts.Now().Add(ChallengeLifetime),
		})
	})
	if err != nil {
		s.RenderError(w, r, err)
		return true
	}
	s.SetCookie(w, challengeCookie, token, ChallengeLifetime)
	s.Logger.Info("login password accepted, second factor asked", "ip", core.ClientIP(r))
	http.Redirect(w, r, "/login/2fa", http.StatusSeeOther)
	return true
}

// SecondStepPage asks for the second factor.
type SecondStepPage struct {
	Site          core.Site
	CSRFToken     string
	TOTP          bool
	RecoveryCodes bool
	Passkeys      bool
	Error         string
}

// pendingSignIn returns the second-factor challenge of the browser's
// cookie, and the cookie's value.
func (s *Web) pendingSignIn(r *http.Request) (string, store.AuthChallenge, error) {
	c, err := r.Cookie(s.CookieName(challengeCookie))
	if err != nil || c.Value == "" {
		return "", store.AuthChallenge{}, store.ErrNotFound
	}
	ch, err := s.DB.AuthChallenge(r.Context(), c.Value, store.ChallengeSecondFactor, s.Opts.Now())
	return c.Value, ch, err
}

// signInAgain sends the browser back to the password form, saying why.
func (s *Web) signInAgain(w http.ResponseWriter, r *http.Request, next, why string) {
	s.ClearCookie(w, challengeCookie)
	s.renderLogin(w, r, http.StatusUnauthorized, LoginPage{Site: s.Site(r), Next: next, Error: why})
}

// HandleSecondStepForm shows GET /login/2fa.
func (s *Web) HandleSecondStepForm(w http.ResponseWriter, r *http.Request) error {
	if core.SessionFrom(r) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	_, _, err := s.pendingSignIn(r)
	if errors.Is(err, store.ErrNotFound) {
		s.signInAgain(w, r, "/", "That sign-in has expired. Enter your password again.")
		return nil
	}
	if err != nil {
		return err
	}
	return s.renderSecondStep(w, r, http.StatusOK, "")
}

func (s *Web) renderSecondStep(w http.ResponseWriter, r *http.Request, status int, msg string) error {
	tf, err := s.DB.TwoFactor(r.Context())
	if err != nil {
		return err
	}
	view := SecondStepPage{Site: s.Site(r), CSRFToken: account.NewToken(32), TOTP: tf.TOTP,
		RecoveryCodes: tf.RecoveryCodes > 0, Passkeys: tf.Passkeys > 0, Error: msg}
	s.SetCookie(w, "kith_login_csrf", view.CSRFToken, time.Hour)
	w.Header().Set("Cache-Control", "no-store")
	s.Render(w, r, status, "login_2fa", view)
	return nil
}

// checkLoginCSRF checks a form posted before sign-in against the login
// form's cookie (double submit).
func (s *Web) checkLoginCSRF(r *http.Request) error {
	c, err := r.Cookie(s.CookieName("kith_login_csrf"))
	if err != nil || !core.TokensEqual(r.PostFormValue("csrf_token"), c.Value) {
		return core.ErrBadCSRF
	}
	return nil
}

// HandleSecondStep takes POST /login/2fa: a code from the authenticator
// app or a recovery code. Each try goes through the sign-in limiter like a
// password (core/signin.go).
func (s *Web) HandleSecondStep(w http.ResponseWriter, r *http.Request) error {
	if err := s.checkLoginCSRF(r); err != nil {
		return err
	}
	if err := s.CheckSignInAllowed(r); err != nil {
		return err
	}
	token, ch, err := s.pendingSignIn(r)
	if errors.Is(err, store.ErrNotFound) {
		s.signInAgain(w, r, "/", "That sign-in has expired. Enter your password again.")
		return nil
	}
	if err != nil {
		return err
	}
	var problem, session string
	err = s.DB.InTx(r.Context(), func(tx *store.Tx) error {
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
		return nil
	}
	if err != nil {
		return err
	}
	if problem != "" {
		return s.refuseSecondFactor(w, r, token, ch.Next, problem)
	}
	s.SignInSucceeded(r)
	s.signedIn(w, r, session, ch.Next, "code")
	return nil
}

// refuseSecondFactor counts a wrong answer and asks again, or after
// maxSecondFactorTries sends the browser back to the password.
func (s *Web) refuseSecondFactor(w http.ResponseWriter, r *http.Request, token, next, problem string) error {
	s.Logger.Info("login second factor refused", "ip", core.ClientIP(r))
	var tries int
	err := s.DB.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		tries, err = tx.FailAuthChallenge(r.Context(), token, MaxSecondFactorTries)
		return err
	})
	if errors.Is(err, store.ErrNotFound) || tries >= MaxSecondFactorTries {
		s.signInAgain(w, r, next, "Too many wrong codes. Enter your password again.")
		return nil
	}
	if err != nil {
		return err
	}
	return s.renderSecondStep(w, r, http.StatusUnauthorized, problem)
}

// spendSecondFactorCode checks a code typed by the owner: six digits are
// a TOTP code (of this step or the one before or after, and never one
// used before), anything else a recovery code, which is spent. It returns
// what is wrong with the code, or "" when it was right.
func (s *Web) spendSecondFactorCode(ctx context.Context, tx *store.Tx, code string) (string, error) {
	const wrong = "That code is not right."
	if account.NormalizeCode(code) == "" {
		return "Enter a code.", nil
	}
	if !account.IsTOTPCode(code) {
		ok, err := tx.UseRecoveryCode(ctx, account.HashRecoveryCode(code))
		if err != nil || !ok {
			return wrong, err
		}
		s.Logger.Warn("recovery code used")
		return "", nil
	}
	secret, err := s.DB.TOTPSecret(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return wrong, nil
	}
	if err != nil {
		return "", err
	}
	step, ok := account.CheckTOTP(secret, code, s.Opts.Now())
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
func (s *Web) startSession(ctx context.Context, tx *store.Tx, r *http.Request) (string, error) {
	token := account.NewToken(32)
	err := tx.CreateSession(ctx, token, store.Session{
		CSRFToken: account.NewToken(32),
		ExpiresAt: s.Opts.Now().Add(core.SessionLifetime),
		UserAgent: truncate(r.UserAgent(), 300),
		IP:        core.ClientIP(r),
	})
	return token, err
}

// signedIn sets the session cookie, drops the sign-in's other cookies and
// sends the browser on. how is what completed the sign-in, for the log.
func (s *Web) signedIn(w http.ResponseWriter, r *http.Request, session, next, how string) {
	s.ClearCookie(w, challengeCookie)
	s.ClearCookie(w, "kith_login_csrf")
	s.SetCookie(w, "kith_session", session, core.SessionLifetime)
	s.RememberBrowser(w, r)
	s.Logger.Info("login", "ip", core.ClientIP(r), "with", how)
	http.Redirect(w, r, SafeNext(next), http.StatusSeeOther)
}

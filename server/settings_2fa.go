package server

import (
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"kith/account"
	"kith/store"
)

// Settings → Two-factor sign-in (/settings/2fa): the authenticator app
// (TOTP: set up with a QR code and a confirming code, turned off with the
// password and a code), recovery codes (ten, shown once, each usable
// once; made again with the password), and passkeys (added with the
// password through passkey.js, listed, removed). Whatever changes a second
// factor asks for the current password, checked through the sign-in
// limiter: a stolen session alone cannot add a way in or take one away.
// Only the passkey ceremony needs JavaScript.

type twoFactorPage struct {
	Site          site
	TOTP          bool
	RecoveryCodes int
	Passkeys      []passkeyRow
	// PasskeysOff says why passkeys cannot be used here (server.url's
	// host is an IP address), or is empty.
	PasskeysOff string
	Notice      string
	Error       string
}

// On reports whether a second factor is on.
func (p twoFactorPage) On() bool { return p.TOTP || len(p.Passkeys) > 0 }

type passkeyRow struct {
	ID         int64
	Name       string
	CreatedAt  time.Time
	LastUsedAt time.Time
}

// twoFactorNotices are the notices the page shows after a change, by its
// done parameter.
var twoFactorNotices = map[string]string{
	"totp-off":      "The authenticator app is turned off.",
	"passkey-added": "The passkey is added. You can sign in with it.",
	"passkey-gone":  "The passkey is removed.",
}

// handleTwoFactor shows GET /settings/2fa.
func (s *Server) handleTwoFactor(w http.ResponseWriter, r *http.Request) {
	s.renderTwoFactor(w, r, http.StatusOK, twoFactorNotices[r.URL.Query().Get("done")], "")
}

func (s *Server) renderTwoFactor(w http.ResponseWriter, r *http.Request, status int, notice, problem string) {
	view := twoFactorPage{Site: s.site(r), Notice: notice, Error: problem}
	tf, err := s.db.TwoFactor(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view.TOTP, view.RecoveryCodes = tf.TOTP, tf.RecoveryCodes
	rp, err := s.relyingParty()
	if err != nil {
		view.PasskeysOff = "Passkeys need a domain name in server.url; this server's is an IP address."
	} else {
		rows, err := s.db.Passkeys(r.Context(), rp.Config.RPID)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		for _, p := range rows {
			view.Passkeys = append(view.Passkeys, passkeyRow{ID: p.ID, Name: p.Name, CreatedAt: p.CreatedAt, LastUsedAt: p.LastUsedAt})
		}
	}
	s.render(w, r, status, "settings_2fa", view)
}

// checkOwnerPassword checks the current password typed on a settings
// form. It counts an attempt in the sign-in limiter (signin_limit.go);
// the caller gives it back with signInSucceeded once everything typed was
// right.
func (s *Server) checkOwnerPassword(r *http.Request) (bool, error) {
	if err := s.checkSignInAllowed(r); err != nil {
		return false, err
	}
	owner, err := s.db.Owner(r.Context())
	if err != nil {
		return false, err
	}
	return account.PasswordMatches(owner.PasswordHash, r.PostFormValue("current_password")), nil
}

// totpSetupPage shows a new secret as a QR code and as text, with the
// form that confirms it.
type totpSetupPage struct {
	Site   site
	Secret string
	Error  string
}

// handleTOTPSetup shows GET /settings/2fa/totp with a new secret, kept in
// a totp_setup challenge until a code confirms it.
func (s *Server) handleTOTPSetup(w http.ResponseWriter, r *http.Request) {
	tf, err := s.db.TwoFactor(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if tf.TOTP {
		http.Redirect(w, r, "/settings/2fa", http.StatusSeeOther)
		return
	}
	secret := account.NewTOTPSecret()
	token := account.NewToken(32)
	err = s.db.InTx(r.Context(), func(tx *store.Tx) error {
		return tx.CreateAuthChallenge(r.Context(), token, store.AuthChallenge{
			Kind: store.ChallengeTOTPSetup, Data: secret, ExpiresAt: s.opts.Now().Add(totpSetupLifetime),
		})
	})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.setCookie(w, challengeCookie, token, totpSetupLifetime)
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "settings_2fa_totp", totpSetupPage{Site: s.site(r), Secret: secret})
}

// totpSetupLifetime gives time to find the phone and install an app.
const totpSetupLifetime = 30 * time.Minute

// pendingTOTP returns the secret being set up and its challenge's cookie
// value.
func (s *Server) pendingTOTP(r *http.Request) (token, secret string, err error) {
	c, err := r.Cookie(s.cookieName(challengeCookie))
	if err != nil || c.Value == "" {
		return "", "", store.ErrNotFound
	}
	ch, err := s.db.AuthChallenge(r.Context(), c.Value, store.ChallengeTOTPSetup, s.opts.Now())
	return c.Value, ch.Data, err
}

// handleTOTPQRCode serves GET /settings/2fa/totp/qr.png: the QR code of
// the secret being set up. It is served by kith (CSP img-src 'self')
// rather than inlined, and never cached.
func (s *Server) handleTOTPQRCode(w http.ResponseWriter, r *http.Request) {
	_, secret, err := s.pendingTOTP(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	u, err := account.TOTPURL(s.config().Domain(), s.fed.URLs().Username()+"@"+s.config().Domain(), secret)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	png, err := account.TOTPQRCode(u)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(png)
}

// recoveryCodesPage shows new recovery codes, once.
type recoveryCodesPage struct {
	Site     site
	Codes    []string
	TOTPJust bool // the authenticator app was just turned on
}

// handleTOTPConfirm takes POST /settings/2fa/totp: the password and a
// code from the app, which proves the app has the secret. TOTP is then
// on, and the recovery codes are shown.
func (s *Server) handleTOTPConfirm(w http.ResponseWriter, r *http.Request) {
	if err := checkCSRF(r); err != nil {
		s.renderError(w, r, err)
		return
	}
	token, secret, err := s.pendingTOTP(r)
	if errors.Is(err, store.ErrNotFound) {
		s.renderTwoFactor(w, r, http.StatusConflict, "", "Setting up the app took too long. Start again.")
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	refuse := func(status int, msg string) {
		w.Header().Set("Cache-Control", "no-store")
		s.render(w, r, status, "settings_2fa_totp", totpSetupPage{Site: s.site(r), Secret: secret, Error: msg})
	}
	ok, err := s.checkOwnerPassword(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if !ok {
		refuse(http.StatusUnauthorized, "The password is not right.")
		return
	}
	step, ok := account.CheckTOTP(secret, r.PostFormValue("code"), s.opts.Now())
	if !ok {
		refuse(http.StatusUnprocessableEntity, "That code is not right. Check the phone's clock, and enter the code the app shows now.")
		return
	}
	s.signInSucceeded(r)
	codes, hashes := account.NewRecoveryCodes()
	err = s.db.InTx(r.Context(), func(tx *store.Tx) error {
		if _, err := tx.TakeAuthChallenge(r.Context(), token, store.ChallengeTOTPSetup); err != nil {
			return err
		}
		return tx.EnableTOTP(r.Context(), secret, step, hashes)
	})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.clearCookie(w, challengeCookie)
	s.logger.Info("two-factor sign-in: authenticator app turned on", "ip", clientIP(r))
	s.renderRecoveryCodes(w, r, codes, true)
}

func (s *Server) renderRecoveryCodes(w http.ResponseWriter, r *http.Request, codes []string, totpJust bool) {
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "settings_2fa_codes", recoveryCodesPage{Site: s.site(r), Codes: codes, TOTPJust: totpJust})
}

// handleTOTPDisable takes POST /settings/2fa/totp/disable: the password
// and a code (from the app, or a recovery code).
func (s *Server) handleTOTPDisable(w http.ResponseWriter, r *http.Request) {
	if err := checkCSRF(r); err != nil {
		s.renderError(w, r, err)
		return
	}
	ok, err := s.checkOwnerPassword(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if !ok {
		s.renderTwoFactor(w, r, http.StatusUnauthorized, "", "The password is not right; the app stays on.")
		return
	}
	var problem string
	err = s.db.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		if problem, err = s.spendSecondFactorCode(r.Context(), tx, r.PostFormValue("code")); err != nil || problem != "" {
			return err
		}
		return tx.DisableTOTP(r.Context())
	})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if problem != "" {
		s.renderTwoFactor(w, r, http.StatusUnauthorized, "", problem+" The app stays on.")
		return
	}
	s.signInSucceeded(r)
	s.logger.Info("two-factor sign-in: authenticator app turned off", "ip", clientIP(r))
	http.Redirect(w, r, "/settings/2fa?done=totp-off", http.StatusSeeOther)
}

// handleRecoveryCodes takes POST /settings/2fa/recovery: with the
// password, ten new recovery codes replace the old ones.
func (s *Server) handleRecoveryCodes(w http.ResponseWriter, r *http.Request) {
	if err := checkCSRF(r); err != nil {
		s.renderError(w, r, err)
		return
	}
	ok, err := s.checkOwnerPassword(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if !ok {
		s.renderTwoFactor(w, r, http.StatusUnauthorized, "", "The password is not right; the recovery codes are unchanged.")
		return
	}
	s.signInSucceeded(r)
	tf, err := s.db.TwoFactor(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if !tf.On() {
		s.renderTwoFactor(w, r, http.StatusConflict, "", "Recovery codes stand in for a second factor: set up an app or a passkey first.")
		return
	}
	codes, hashes := account.NewRecoveryCodes()
	if err := s.db.InTx(r.Context(), func(tx *store.Tx) error { return tx.ReplaceRecoveryCodes(r.Context(), hashes) }); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.logger.Info("two-factor sign-in: new recovery codes", "ip", clientIP(r))
	s.renderRecoveryCodes(w, r, codes, false)
}

// maxPasskeyName bounds a passkey's name, which is only a label.
const maxPasskeyName = 100

// passkeyName is the name typed for a new passkey, or a default.
func passkeyName(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	for len(s) > 0 && utf8.RuneCountInString(s) > maxPasskeyName {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	if s == "" {
		return "Passkey"
	}
	return s
}

package web

import (
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"kith/account"
	"kith/server/core"
	"kith/store"
)

type TwoFactorPage struct {
	Site          core.Site
	TOTP          bool
	RecoveryCodes int
	Passkeys      []PasskeyRow
	// PasskeysOff says why passkeys cannot be used here (server.url's
	// host is an IP address), or is empty.
	PasskeysOff string
	Notice      string
	Error       string
}

// On reports whether a second factor is on.
func (p TwoFactorPage) On() bool { return p.TOTP || len(p.Passkeys) > 0 }

type PasskeyRow struct {
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

// HandleTwoFactor shows GET /settings/2fa.
func (s *Web) HandleTwoFactor(w http.ResponseWriter, r *http.Request) error {
	return s.renderTwoFactor(w, r, http.StatusOK, twoFactorNotices[r.URL.Query().Get("done")], "")
}

func (s *Web) renderTwoFactor(w http.ResponseWriter, r *http.Request, status int, notice, problem string) error {
	view := TwoFactorPage{Site: s.Site(r), Notice: notice, Error: problem}
	tf, err := s.DB.TwoFactor(r.Context())
	if err != nil {
		return err
	}
	view.TOTP, view.RecoveryCodes = tf.TOTP, tf.RecoveryCodes
	rp, err := s.relyingParty()
	if err != nil {
		view.PasskeysOff = "Passkeys need a domain name in server.url; this server's is an IP address."
	} else {
		rows, err := s.DB.Passkeys(r.Context(), rp.Config.RPID)
		if err != nil {
			return err
		}
		for _, p := range rows {
			view.Passkeys = append(view.Passkeys, PasskeyRow{ID: p.ID, Name: p.Name, CreatedAt: p.CreatedAt, LastUsedAt: p.LastUsedAt})
		}
	}
	s.Render(w, r, status, "settings_2fa", view)
	return nil
}

// checkOwnerPassword checks the current password typed on a settings
// form. It counts an attempt in the sign-in limiter (core/signin.go);
// the caller gives it back with SignInSucceeded once everything typed was
// right.
func (s *Web) checkOwnerPassword(r *http.Request) (bool, error) {
	if err := s.CheckSignInAllowed(r); err != nil {
		return false, err
	}
	owner, err := s.DB.Owner(r.Context())
	if err != nil {
		return false, err
	}
	return account.PasswordMatches(owner.PasswordHash, r.PostFormValue("current_password")), nil
}

// TOTPSetupPage shows a new secret as a QR code and as text, with the
// form that confirms it.
type TOTPSetupPage struct {
	Site   core.Site
	Secret string
	Error  string
}

// HandleTOTPSetup shows GET /settings/2fa/totp with a new secret, kept in
// a totp_setup challenge until a code confirms it.
func (s *Web) HandleTOTPSetup(w http.ResponseWriter, r *http.Request) error {
	tf, err := s.DB.TwoFactor(r.Context())
	if err != nil {
		return err
	}
	if tf.TOTP {
		http.Redirect(w, r, "/settings/2fa", http.StatusSeeOther)
		return nil
	}
	secret := account.NewTOTPSecret()
	token := account.NewToken(32)
	err = s.DB.InTx(r.Context(), func(tx *store.Tx) error {
		return tx.CreateAuthChallenge(r.Context(), token, store.AuthChallenge{
			Kind: store.ChallengeTOTPSetup, Data: secret, ExpiresAt: s.Opts.Now().Add(totpSetupLifetime),
		})
	})
	if err != nil {
		return err
	}
	s.SetCookie(w, challengeCookie, token, totpSetupLifetime)
	w.Header().Set("Cache-Control", "no-store")
	s.Render(w, r, http.StatusOK, "settings_2fa_totp", TOTPSetupPage{Site: s.Site(r), Secret: secret})
	return nil
}

// totpSetupLifetime gives time to find the phone and install an app.
const totpSetupLifetime = 30 * time.Minute

// pendingTOTP returns the secret being set up and its challenge's cookie
// value.
func (s *Web) pendingTOTP(r *http.Request) (token, secret string, err error) {
	c, err := r.Cookie(s.CookieName(challengeCookie))
	if err != nil || c.Value == "" {
		return "", "", store.ErrNotFound
	}
	ch, err := s.DB.AuthChallenge(r.Context(), c.Value, store.ChallengeTOTPSetup, s.Opts.Now())
	return c.Value, ch.Data, err
}

// HandleTOTPQRCode serves GET /settings/2fa/totp/qr.png: the QR code of
// the secret being set up. It is served by kith (CSP img-src 'self')
// rather than inlined, and never cached.
func (s *Web) HandleTOTPQRCode(w http.ResponseWriter, r *http.Request) error {
	_, secret, err := s.pendingTOTP(r)
	if err != nil {
		return err
	}
	u, err := account.TOTPURL(s.Config().Domain(), s.Fed.URLs().Username()+"@"+s.Config().Domain(), secret)
	if err != nil {
		return err
	}
	png, err := account.TOTPQRCode(u)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(png)
	return nil
}

// RecoveryCodesPage shows new recovery codes, once.
type RecoveryCodesPage struct {
	Site     core.Site
	Codes    []string
	TOTPJust bool // the authenticator app was just turned on
}

// HandleTOTPConfirm takes POST /settings/2fa/totp: the password and a
// code from the app, which proves the app has the secret. TOTP is then
// on, and the recovery codes are shown.
func (s *Web) HandleTOTPConfirm(w http.ResponseWriter, r *http.Request) error {
	if err := core.CheckCSRF(r); err != nil {
		return err
	}
	token, secret, err := s.pendingTOTP(r)
	if errors.Is(err, store.ErrNotFound) {
		return s.renderTwoFactor(w, r, http.StatusConflict, "", "Setting up the app took too long. Start again.")
	}
	if err != nil {
		return err
	}
	refuse := func(status int, msg string) {
		w.Header().Set("Cache-Control", "no-store")
		s.Render(w, r, status, "settings_2fa_totp", TOTPSetupPage{Site: s.Site(r), Secret: secret, Error: msg})
	}
	ok, err := s.checkOwnerPassword(r)
	if err != nil {
		return err
	}
	if !ok {
		refuse(http.StatusUnauthorized, "The password is not right.")
		return nil
	}
	step, ok := account.CheckTOTP(secret, r.PostFormValue("code"), s.Opts.Now())
	if !ok {
		refuse(http.StatusUnprocessableEntity, "That code is not right. Check the phone's clock, and enter the code the app shows now.")
		return nil
	}
	s.SignInSucceeded(r)
	codes, hashes := account.NewRecoveryCodes()
	err = s.DB.InTx(r.Context(), func(tx *store.Tx) error {
		if _, err := tx.TakeAuthChallenge(r.Context(), token, store.ChallengeTOTPSetup); err != nil {
			return err
		}
		return tx.EnableTOTP(r.Context(), secret, step, hashes)
	})
	if err != nil {
		return err
	}
	s.ClearCookie(w, challengeCookie)
	s.Logger.Info("two-factor sign-in: authenticator app turned on", "ip", core.ClientIP(r))
	s.renderRecoveryCodes(w, r, codes, true)
	return nil
}

func (s *Web) renderRecoveryCodes(w http.ResponseWriter, r *http.Request, codes []string, totpJust bool) {
	w.Header().Set("Cache-Control", "no-store")
	s.Render(w, r, http.StatusOK, "settings_2fa_codes", RecoveryCodesPage{Site: s.Site(r), Codes: codes, TOTPJust: totpJust})
}

// HandleTOTPDisable takes POST /settings/2fa/totp/disable: the password
// and a code (from the app, or a recovery code).
func (s *Web) HandleTOTPDisable(w http.ResponseWriter, r *http.Request) error {
	if err := core.CheckCSRF(r); err != nil {
		return err
	}
	ok, err := s.checkOwnerPassword(r)
	if err != nil {
		return err
	}
	if !ok {
		return s.renderTwoFactor(w, r, http.StatusUnauthorized, "", "The password is not right; the app stays on.")
	}
	var problem string
	err = s.DB.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		if problem, err = s.spendSecondFactorCode(r.Context(), tx, r.PostFormValue("code")); err != nil || problem != "" {
			return err
		}
		return tx.DisableTOTP(r.Context())
	})
	if err != nil {
		return err
	}
	if problem != "" {
		return s.renderTwoFactor(w, r, http.StatusUnauthorized, "", problem+" The app stays on.")
	}
	s.SignInSucceeded(r)
	s.Logger.Info("two-factor sign-in: authenticator app turned off", "ip", core.ClientIP(r))
	http.Redirect(w, r, "/settings/2fa?done=totp-off", http.StatusSeeOther)
	return nil
}

// HandleRecoveryCodes takes POST /settings/2fa/recovery: with the
// password, ten new recovery codes replace the old ones.
func (s *Web) HandleRecoveryCodes(w http.ResponseWriter, r *http.Request) error {
	if err := core.CheckCSRF(r); err != nil {
		return err
	}
	ok, err := s.checkOwnerPassword(r)
	if err != nil {
		return err
	}
	if !ok {
		return s.renderTwoFactor(w, r, http.StatusUnauthorized, "", "The password is not right; the recovery codes are unchanged.")
	}
	s.SignInSucceeded(r)
	tf, err := s.DB.TwoFactor(r.Context())
	if err != nil {
		return err
	}
	if !tf.On() {
		return s.renderTwoFactor(w, r, http.StatusConflict, "", "Recovery codes stand in for a second factor: set up an app or a passkey first.")
	}
	codes, hashes := account.NewRecoveryCodes()
	if err := s.DB.InTx(r.Context(), func(tx *store.Tx) error { return tx.ReplaceRecoveryCodes(r.Context(), hashes) }); err != nil {
		return err
	}
	s.Logger.Info("two-factor sign-in: new recovery codes", "ip", core.ClientIP(r))
	s.renderRecoveryCodes(w, r, codes, false)
	return nil
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

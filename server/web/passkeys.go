package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"kith/account"
	"kith/server/core"
	"kith/store"
)

// webAuthnUserHandleSetting keeps the owner's WebAuthn user handle: random,
// made with the first passkey, and the same for every passkey after.
const webAuthnUserHandleSetting = "webauthn_user_handle"

// errNoPasskeys is a passkey ceremony on a server.url whose host cannot be
// an RP ID (an IP address).
var errNoPasskeys = errors.New("passkeys need a domain name in server.url")

// relyingParty is the WebAuthn relying party for server.url.
func (s *Web) relyingParty() (*webauthn.WebAuthn, error) {
	u := s.Config().BaseURL()
	rp, err := webauthn.New(&webauthn.Config{
		RPID:          u.Hostname(),
		RPDisplayName: s.Config().Domain(),
		RPOrigins:     []string{u.Scheme + "://" + u.Host},
		// Note: password managers have answered with extension outputs
		// nobody asked for; kith asks for none and uses none, so they are
		// ignored rather than failing the ceremony.
		ExtensionsUnsolicitedOutputPolicy: protocol.UnsolicitedOutputPolicyIgnore,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNoPasskeys, err)
	}
	return rp, nil
}

// passkeyOwner is the owner as WebAuthn sees them.
type passkeyOwner struct {
	handle []byte
	name   string
	creds  []webauthn.Credential
}

func (o *passkeyOwner) WebAuthnID() []byte { return o.handle }

func (o *passkeyOwner) WebAuthnName() string { return o.name }

func (o *passkeyOwner) WebAuthnDisplayName() string { return o.name }

func (o *passkeyOwner) WebAuthnCredentials() []webauthn.Credential { return o.creds }

// loadPasskeyOwner reads the owner's user handle and passkeys for the
// relying party. create makes the handle when there is none yet (adding
// the first passkey); otherwise a missing handle means no passkeys.
func (s *Web) loadPasskeyOwner(ctx context.Context, rp *webauthn.WebAuthn, create bool) (*passkeyOwner, error) {
	o := &passkeyOwner{name: s.Fed.URLs().Username() + "@" + s.Config().Domain()}
	enc, err := s.DB.Setting(ctx, webAuthnUserHandleSetting)
	switch {
	case errors.Is(err, store.ErrNotFound) && create:
		o.handle = make([]byte, 32)
		rand.Read(o.handle)
		err = s.DB.InTx(ctx, func(tx *store.Tx) error {
			return tx.SetSetting(ctx, webAuthnUserHandleSetting, base64.RawURLEncoding.EncodeToString(o.handle))
		})
		if err != nil {
			return nil, err
		}
	case errors.Is(err, store.ErrNotFound):
		return o, nil
	case err != nil:
		return nil, err
	default:
		if o.handle, err = base64.RawURLEncoding.DecodeString(enc); err != nil {
			return nil, fmt.Errorf("webauthn user handle: %w", err)
		}
	}
	rows, err := s.DB.Passkeys(ctx, rp.Config.RPID)
	if err != nil {
		return nil, err
	}
	for _, row := range rows {
		var c webauthn.Credential
		if err := json.Unmarshal([]byte(row.Record), &c); err != nil {
			return nil, fmt.Errorf("passkey %d: %w", row.ID, err)
		}
		o.creds = append(o.creds, c)
	}
	return o, nil
}

// passkeyFail answers a ceremony's request with {"error": ...}, which
// passkey.js shows. Unexpected errors are logged and not described.
func (s *Web) passkeyFail(w http.ResponseWriter, r *http.Request, status int, msg string, err error) {
	if status >= 500 {
		s.Logger.Error("passkey request failed", "path", r.URL.Path, "err", err)
		msg = "Something went wrong. The details are in the server log."
	} else if err != nil {
		s.Logger.Info("passkey refused", "path", r.URL.Path, "ip", core.ClientIP(r), "err", err)
	}
	core.WriteAPI(w, status, map[string]string{"error": msg})
}

// Anyone may begin a sign-in with a passkey, and each begin stores a
// challenge for a few minutes: passkeyBegins per address at once, then
// one per passkeyBeginRefill, keep that table small.
const (
	PasskeyBegins      = 20
	PasskeyBeginRefill = 3 * time.Second
)

// HandlePasskeyLoginBegin is POST /login/passkey/begin: the options for
// navigator.credentials.get. With step=second it is the second step of a
// sign-in whose password was right (any of the owner's passkeys, allowed
// by id); otherwise a sign-in with a passkey alone (discoverable, user
// verification required), which starts its own challenge.
func (s *Web) HandlePasskeyLoginBegin(begins *core.RateLimiter) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !begins.Allow(core.ClientIP(r)) {
			w.Header().Set("Retry-After", strconv.Itoa(int(PasskeyBeginRefill.Seconds())))
			s.passkeyFail(w, r, http.StatusTooManyRequests, "Too many attempts. Wait a minute and try again.", nil)
			return
		}
		s.beginPasskeyLogin(w, r)
	}
}

func (s *Web) beginPasskeyLogin(w http.ResponseWriter, r *http.Request) {
	if err := s.checkLoginCSRF(r); err != nil {
		s.passkeyFail(w, r, http.StatusForbidden, "The page has expired. Reload it and try again.", err)
		return
	}
	rp, err := s.relyingParty()
	if err != nil {
		s.passkeyFail(w, r, http.StatusNotFound, "Passkeys cannot be used on this server.", err)
		return
	}
	owner, err := s.loadPasskeyOwner(r.Context(), rp, false)
	if err != nil {
		s.passkeyFail(w, r, http.StatusInternalServerError, "", err)
		return
	}
	if len(owner.creds) == 0 {
		s.passkeyFail(w, r, http.StatusNotFound, "No passkey is set up. Sign in with your password.", nil)
		return
	}
	var assertion *protocol.CredentialAssertion
	var sd *webauthn.SessionData
	token, kind := "", store.ChallengePasskeyLogin
	if r.PostFormValue("step") == "second" {
		kind = store.ChallengeSecondFactor
		if token, _, err = s.pendingSignIn(r); err != nil {
			s.passkeyFail(w, r, http.StatusUnauthorized, "That sign-in has expired. Enter your password again.", err)
			return
		}
		assertion, sd, err = rp.BeginLogin(owner, webauthn.WithUserVerification(protocol.VerificationPreferred))
	} else {
		assertion, sd, err = rp.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	}
	if err != nil {
		s.passkeyFail(w, r, http.StatusInternalServerError, "", err)
		return
	}
	data, err := json.Marshal(sd)
	if err != nil {
		s.passkeyFail(w, r, http.StatusInternalServerError, "", err)
		return
	}
	err = s.DB.InTx(r.Context(), func(tx *store.Tx) error {
		if kind == store.ChallengeSecondFactor {
			return tx.SetAuthChallengeData(r.Context(), token, string(data))
		}
		token = account.NewToken(32)
		return tx.CreateAuthChallenge(r.Context(), token, store.AuthChallenge{
			Kind: kind, Next: SafeNext(r.PostFormValue("next")), Data: string(data), ExpiresAt: s.Opts.Now().Add(ChallengeLifetime),
		})
	})
	if err != nil {
		s.passkeyFail(w, r, http.StatusInternalServerError, "", err)
		return
	}
	s.SetCookie(w, challengeCookie, token, ChallengeLifetime)
	core.WriteAPI(w, http.StatusOK, assertion)
}

// HandlePasskeyLoginFinish is POST /login/passkey/finish: the signed
// assertion (credential, JSON) for the challenge begin made. Each try goes
// through the sign-in limiter. It answers {"redirect": URL} once signed
// in.
func (s *Web) HandlePasskeyLoginFinish(w http.ResponseWriter, r *http.Request) {
	if err := s.checkLoginCSRF(r); err != nil {
		s.passkeyFail(w, r, http.StatusForbidden, "The page has expired. Reload it and try again.", err)
		return
	}
	if err := s.CheckSignInAllowed(r); err != nil {
		core.SetRetryAfter(w, err)
		s.passkeyFail(w, r, http.StatusTooManyRequests, "Too many sign-in attempts. Wait a few minutes and try again.", err)
		return
	}
	kind := store.ChallengePasskeyLogin
	if r.PostFormValue("step") == "second" {
		kind = store.ChallengeSecondFactor
	}
	expired := func(err error) {
		s.passkeyFail(w, r, http.StatusUnauthorized, "That sign-in has expired. Start again.", err)
	}
	c, err := r.Cookie(s.CookieName(challengeCookie))
	if err != nil {
		expired(err)
		return
	}
	ch, err := s.DB.AuthChallenge(r.Context(), c.Value, kind, s.Opts.Now())
	if err != nil {
		expired(err)
		return
	}
	cred, err := s.verifyAssertion(r, kind, ch.Data)
	if err != nil {
		s.passkeyFail(w, r, http.StatusUnauthorized, "That passkey was not accepted.", err)
		return
	}
	record, err := json.Marshal(cred)
	if err != nil {
		s.passkeyFail(w, r, http.StatusInternalServerError, "", err)
		return
	}
	var session string
	err = s.DB.InTx(r.Context(), func(tx *store.Tx) error {
		if _, err := tx.TakeAuthChallenge(r.Context(), c.Value, kind); err != nil {
			return err // answered already: an assertion signs in once
		}
		if err := tx.UsePasskey(r.Context(), cred.ID, string(record)); err != nil {
			return err
		}
		session, err = s.startSession(r.Context(), tx, r)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		expired(err)
		return
	}
	if err != nil {
		s.passkeyFail(w, r, http.StatusInternalServerError, "", err)
		return
	}
	s.SignInSucceeded(r)
	s.ClearCookie(w, challengeCookie)
	s.ClearCookie(w, "kith_login_csrf")
	s.SetCookie(w, "kith_session", session, core.SessionLifetime)
	s.Logger.Info("login", "ip", core.ClientIP(r), "with", "passkey", "second_factor", kind == store.ChallengeSecondFactor)
	core.WriteAPI(w, http.StatusOK, map[string]string{"redirect": SafeNext(ch.Next)})
}

// verifyAssertion checks the assertion posted as "credential" against the
// ceremony begun (data: WebAuthn's session data) and the owner's passkeys,
// and returns the passkey's record as the sign-in leaves it.
func (s *Web) verifyAssertion(r *http.Request, kind, data string) (*webauthn.Credential, error) {
	if data == "" {
		return nil, errors.New("no ceremony begun")
	}
	var sd webauthn.SessionData
	if err := json.Unmarshal([]byte(data), &sd); err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes([]byte(r.PostFormValue("credential")))
	if err != nil {
		return nil, err
	}
	rp, err := s.relyingParty()
	if err != nil {
		return nil, err
	}
	owner, err := s.loadPasskeyOwner(r.Context(), rp, false)
	if err != nil {
		return nil, err
	}
	var cred *webauthn.Credential
	if kind == store.ChallengeSecondFactor {
		cred, err = rp.ValidateLogin(owner, sd, parsed)
	} else {
		cred, err = rp.ValidateDiscoverableLogin(func(rawID, userHandle []byte) (webauthn.User, error) {
			if len(owner.handle) == 0 || !bytes.Equal(userHandle, owner.handle) {
				return nil, errors.New("not the owner's user handle")
			}
			return owner, nil
		}, sd, parsed)
	}
	if err != nil {
		return nil, err
	}
	if cred.Authenticator.CloneWarning {
		// The signature counter went back: two copies of one key exist.
		return nil, errors.New("passkey sign count went backwards: the authenticator may be cloned")
	}
	return cred, nil
}

// passkeysSignIn reports whether the login page offers a sign-in with a
// passkey alone: one is registered for this server.url.
func (s *Web) passkeysSignIn(ctx context.Context) bool {
	rp, err := s.relyingParty()
	if err != nil {
		return false
	}
	keys, err := s.DB.Passkeys(ctx, rp.Config.RPID)
	if err != nil {
		s.Logger.Warn("list passkeys failed", "err", err)
		return false
	}
	return len(keys) > 0
}

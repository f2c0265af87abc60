package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"kith/account"
	"kith/server/core"
	"kith/store"
)

// passkeyRegistration is what a registration keeps between begin and
// finish.
type passkeyRegistration struct {
	Session webauthn.SessionData `json:"session"`
	Name    string               `json:"name"`
}

// HandlePasskeyRegisterBegin is POST /settings/2fa/passkeys/begin.
func (s *Web) HandlePasskeyRegisterBegin(w http.ResponseWriter, r *http.Request) {
	if err := core.CheckCSRF(r); err != nil {
		s.passkeyFail(w, r, http.StatusForbidden, "The page has expired. Reload it and try again.", err)
		return
	}
	ok, err := s.checkOwnerPassword(r)
	if errors.Is(err, core.ErrTooManyTries) {
		core.SetRetryAfter(w, err)
		s.passkeyFail(w, r, http.StatusTooManyRequests, "Too many attempts. Wait a few minutes and try again.", err)
		return
	}
	if err != nil {
		s.passkeyFail(w, r, http.StatusInternalServerError, "", err)
		return
	}
	if !ok {
		s.passkeyFail(w, r, http.StatusUnauthorized, "The password is not right.", nil)
		return
	}
	s.SignInSucceeded(r)
	rp, err := s.relyingParty()
	if err != nil {
		s.passkeyFail(w, r, http.StatusNotFound, "Passkeys need a domain name in server.url.", err)
		return
	}
	owner, err := s.loadPasskeyOwner(r.Context(), rp, true)
	if err != nil {
		s.passkeyFail(w, r, http.StatusInternalServerError, "", err)
		return
	}
	// A discoverable credential, so the passkey can sign in without the
	// username or the password; the same authenticator is not added twice.
	creation, sd, err := rp.BeginRegistration(owner,
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementRequired, RequireResidentKey: protocol.ResidentKeyRequired(),
			UserVerification: protocol.VerificationPreferred,
		}),
		webauthn.WithExclusions(webauthn.Credentials(owner.creds).CredentialDescriptors()))
	if err != nil {
		s.passkeyFail(w, r, http.StatusInternalServerError, "", err)
		return
	}
	data, err := json.Marshal(passkeyRegistration{Session: *sd, Name: passkeyName(r.PostFormValue("name"))})
	if err != nil {
		s.passkeyFail(w, r, http.StatusInternalServerError, "", err)
		return
	}
	token := account.NewToken(32)
	err = s.DB.InTx(r.Context(), func(tx *store.Tx) error {
		return tx.CreateAuthChallenge(r.Context(), token, store.AuthChallenge{
			Kind: store.ChallengePasskeyRegister, Data: string(data), ExpiresAt: s.Opts.Now().Add(ChallengeLifetime),
		})
	})
	if err != nil {
		s.passkeyFail(w, r, http.StatusInternalServerError, "", err)
		return
	}
	s.SetCookie(w, challengeCookie, token, ChallengeLifetime)
	core.WriteAPI(w, http.StatusOK, creation)
}

// HandlePasskeyRegisterFinish is POST /settings/2fa/passkeys/finish: the
// new credential (JSON, as "credential"). It answers {"redirect": URL}.
func (s *Web) HandlePasskeyRegisterFinish(w http.ResponseWriter, r *http.Request) {
	if err := core.CheckCSRF(r); err != nil {
		s.passkeyFail(w, r, http.StatusForbidden, "The page has expired. Reload it and try again.", err)
		return
	}
	expired := func(err error) {
		s.passkeyFail(w, r, http.StatusConflict, "Adding the passkey took too long. Start again.", err)
	}
	c, err := r.Cookie(s.CookieName(challengeCookie))
	if err != nil {
		expired(err)
		return
	}
	var ch store.AuthChallenge
	err = s.DB.InTx(r.Context(), func(tx *store.Tx) error {
		ch, err = tx.TakeAuthChallenge(r.Context(), c.Value, store.ChallengePasskeyRegister)
		return err
	})
	if err != nil {
		expired(err)
		return
	}
	s.ClearCookie(w, challengeCookie)
	var reg passkeyRegistration
	if err := json.Unmarshal([]byte(ch.Data), &reg); err != nil {
		s.passkeyFail(w, r, http.StatusInternalServerError, "", err)
		return
	}
	rp, err := s.relyingParty()
	if err != nil {
		s.passkeyFail(w, r, http.StatusNotFound, "Passkeys need a domain name in server.url.", err)
		return
	}
	owner, err := s.loadPasskeyOwner(r.Context(), rp, false)
	if err != nil {
		s.passkeyFail(w, r, http.StatusInternalServerError, "", err)
		return
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes([]byte(r.PostFormValue("credential")))
	if err != nil {
		s.passkeyFail(w, r, http.StatusBadRequest, "The browser's answer was not understood.", err)
		return
	}
	cred, err := rp.CreateCredential(owner, reg.Session, parsed)
	if err != nil {
		s.passkeyFail(w, r, http.StatusBadRequest, "That passkey was not accepted.", err)
		return
	}
	record, err := json.Marshal(cred)
	if err != nil {
		s.passkeyFail(w, r, http.StatusInternalServerError, "", err)
		return
	}
	err = s.DB.InTx(r.Context(), func(tx *store.Tx) error {
		_, err := tx.AddPasskey(r.Context(), store.Passkey{CredentialID: cred.ID, RPID: rp.Config.RPID, Name: reg.Name, Record: string(record)})
		return err
	})
	if err != nil {
		s.passkeyFail(w, r, http.StatusInternalServerError, "", err)
		return
	}
	s.Logger.Info("two-factor sign-in: passkey added", "ip", core.ClientIP(r))
	core.WriteAPI(w, http.StatusOK, map[string]string{"redirect": "/settings/2fa?done=passkey-added"})
}

// HandlePasskeyRemove is POST /settings/2fa/passkeys/{id}/remove.
func (s *Web) HandlePasskeyRemove(w http.ResponseWriter, r *http.Request) error {
	if err := core.CheckCSRF(r); err != nil {
		return err
	}
	id, err := strconv.ParseInt(core.PathParam(r, "id"), 10, 64)
	if err != nil {
		return store.ErrNotFound
	}
	if err := s.DB.InTx(r.Context(), func(tx *store.Tx) error { return tx.DeletePasskey(r.Context(), id) }); err != nil {
		return err
	}
	s.Logger.Info("two-factor sign-in: passkey removed", "ip", core.ClientIP(r))
	http.Redirect(w, r, "/settings/2fa?done=passkey-gone", http.StatusSeeOther)
	return nil
}

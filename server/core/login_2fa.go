package core

import (
	"net/http"
)

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

package server

import (
	"bytes"
	"encoding/hex"
	"net/http"
	"time"

	"kith/store"
)

type sessionRow struct {
	ID        string // hex of the token hash: identifies, cannot sign in
	Current   bool
	UserAgent string
	IP        string
	CreatedAt time.Time
	SeenAt    time.Time
}

type sessionsPage struct {
	Site     site
	Sessions []sessionRow
}

// handleSessions lists the browsers signed in as the owner.
func (s *Server) handleSessions(w http.ResponseWriter, r *http.Request) {
	all, err := s.db.Sessions(r.Context(), s.opts.Now())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	current := sessionFrom(r)
	view := sessionsPage{Site: s.site(r)}
	for _, sess := range all {
		view.Sessions = append(view.Sessions, sessionRow{
			ID: hex.EncodeToString(sess.TokenHash), Current: bytes.Equal(sess.TokenHash, current.TokenHash),
			UserAgent: sess.UserAgent, IP: sess.IP, CreatedAt: sess.CreatedAt, SeenAt: sess.SeenAt,
		})
	}
	s.render(w, r, http.StatusOK, "sessions", view)
}

// handleRevokeSession signs one browser out.
func (s *Server) handleRevokeSession(w http.ResponseWriter, r *http.Request) {
	if err := checkCSRF(r); err != nil {
		s.renderError(w, r, err)
		return
	}
	hash, err := hex.DecodeString(r.PostFormValue("id"))
	if err != nil || len(hash) == 0 {
		s.renderError(w, r, &userError{http.StatusBadRequest, "That session is not known."})
		return
	}
	if err := s.db.InTx(r.Context(), func(tx *store.Tx) error { return tx.DeleteSession(r.Context(), hash) }); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.closeStreamsOf(store.Revoked{Sessions: [][]byte{hash}})
	http.Redirect(w, r, "/settings/sessions", http.StatusSeeOther)
}

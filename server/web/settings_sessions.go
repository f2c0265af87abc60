package web

import (
	"bytes"
	"encoding/hex"
	"net/http"
	"time"

	"kith/server/core"
	"kith/store"
)

type SessionRow struct {
	ID        string // hex of the token hash: identifies, cannot sign in
	Current   bool
	UserAgent string
	IP        string
	CreatedAt time.Time
	SeenAt    time.Time
}

type SessionsPage struct {
	Site     core.Site
	Sessions []SessionRow
}

// HandleSessions lists the browsers signed in as the owner.
func (s *Web) HandleSessions(w http.ResponseWriter, r *http.Request) error {
	all, err := s.DB.Sessions(r.Context(), s.Opts.Now())
	if err != nil {
		return err
	}
	current := core.SessionFrom(r)
	view := SessionsPage{Site: s.Site(r)}
	for _, sess := range all {
		view.Sessions = append(view.Sessions, SessionRow{
			ID: hex.EncodeToString(sess.TokenHash), Current: bytes.Equal(sess.TokenHash, current.TokenHash),
			UserAgent: sess.UserAgent, IP: sess.IP, CreatedAt: sess.CreatedAt, SeenAt: sess.SeenAt,
		})
	}
	s.Render(w, r, http.StatusOK, "sessions", view)
	return nil
}

// HandleRevokeSession signs one browser out.
func (s *Web) HandleRevokeSession(w http.ResponseWriter, r *http.Request) error {
	if err := core.CheckCSRF(r); err != nil {
		return err
	}
	hash, err := hex.DecodeString(r.PostFormValue("id"))
	if err != nil || len(hash) == 0 {
		return core.Refuse(http.StatusBadRequest, "That session is not known.")
	}
	if err := s.DB.InTx(r.Context(), func(tx *store.Tx) error { return tx.DeleteSession(r.Context(), hash) }); err != nil {
		return err
	}
	s.CloseStreamsOf(store.Revoked{Sessions: [][]byte{hash}})
	http.Redirect(w, r, "/settings/sessions", http.StatusSeeOther)
	return nil
}

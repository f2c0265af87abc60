package web

import (
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"kith/server/core"
	"kith/store"
)

// PushRow is one Web Push subscription on the settings page.
type PushRow struct {
	ID            string // hex of the token hash: identifies, cannot sign in
	App           string
	Host          string // the push service; the rest of the endpoint is a secret
	CreatedAt     time.Time
	LastSuccessAt time.Time // zero: never
	LastFailureAt time.Time // zero: never
	LastError     string
}

// PushPage lists the apps that get push notifications.
type PushPage struct {
	Site          core.Site
	Subscriptions []PushRow
	Sent          int  // test pushes just queued
	SentTest      bool // the test button was pressed
	Removed       bool
}

// HandlePushSettings lists the Web Push subscriptions.
func (s *Web) HandlePushSettings(w http.ResponseWriter, r *http.Request) error {
	subs, err := s.DB.PushSubscriptions(r.Context())
	if err != nil {
		return err
	}
	q := r.URL.Query()
	view := PushPage{Site: s.Site(r), Removed: q.Get("removed") == "1", SentTest: q.Has("sent")}
	view.Sent, _ = strconv.Atoi(q.Get("sent"))
	for _, sub := range subs {
		row := PushRow{ID: hex.EncodeToString(sub.TokenHash), App: sub.AppName, CreatedAt: sub.CreatedAt,
			LastSuccessAt: sub.LastSuccessAt, LastFailureAt: sub.LastFailureAt, LastError: sub.LastError}
		if u, err := url.Parse(sub.Endpoint); err == nil {
			row.Host = u.Host
		}
		view.Subscriptions = append(view.Subscriptions, row)
	}
	s.Render(w, r, http.StatusOK, "settings_push", view)
	return nil
}

// HandleRemovePush ends one subscription; the app's token stays valid.
func (s *Web) HandleRemovePush(w http.ResponseWriter, r *http.Request) error {
	if err := core.CheckCSRF(r); err != nil {
		return err
	}
	hash, err := hex.DecodeString(r.PostFormValue("id"))
	if err != nil || len(hash) == 0 {
		return core.Refuse(http.StatusBadRequest, "That subscription is not known.")
	}
	if err := s.DB.InTx(r.Context(), func(tx *store.Tx) error { return tx.DeletePushSubscription(r.Context(), hash) }); err != nil {
		return err
	}
	http.Redirect(w, r, "/settings/push?removed=1", http.StatusSeeOther)
	return nil
}

// HandleTestPush queues a test notification to every subscription.
func (s *Web) HandleTestPush(w http.ResponseWriter, r *http.Request) error {
	if err := core.CheckCSRF(r); err != nil {
		return err
	}
	n, err := s.Fed.SendTestPush(r.Context())
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/settings/push?sent="+strconv.Itoa(n), http.StatusSeeOther)
	return nil
}

package server

import (
	"encoding/hex"
	"net/http"
	"slices"
	"strings"

	"kith/store"
)

// The Mastodon push subscription endpoints.

// pushAlerts are the alert types a Web Push subscription may ask for.
var pushAlerts = []string{"mention", "status", "reblog", "follow", "follow_request", "favourite", "poll", "update",
	"admin.sign_up", "admin.report"}

// apiPushSubscription is Mastodon's WebPushSubscription.
type apiPushSubscription struct {
	ID        string          `json:"id"`
	Endpoint  string          `json:"endpoint"`
	Standard  bool            `json:"standard"`
	Alerts    map[string]bool `json:"alerts"`
	Policy    string          `json:"policy"`
	ServerKey string          `json:"server_key"`
}

func apiPushOf(sub store.PushSubscription) apiPushSubscription {
	out := apiPushSubscription{ID: hex.EncodeToString(sub.TokenHash[:min(8, len(sub.TokenHash))]), Endpoint: sub.Endpoint,
		Alerts: map[string]bool{}, Policy: sub.Policy}
	for _, a := range pushAlerts {
		out.Alerts[a] = sub.Alerts[a]
	}
	return out
}

func readPushAlerts(p apiParams, alerts map[string]bool) (map[string]bool, string) {
	out := map[string]bool{}
	for _, a := range pushAlerts {
		out[a] = p.Bool("data[alerts]["+a+"]", alerts[a])
	}
	policy := p.String("data[policy]")
	if !slices.Contains([]string{"all", "followed", "follower", "none"}, policy) {
		policy = p.String("policy")
	}
	if !slices.Contains([]string{"all", "followed", "follower", "none"}, policy) {
		policy = "all"
	}
	return out, policy
}

// Web Push: subscriptions are stored, one per access token, so apps see
// their settings kept; kith does not send pushes yet (no VAPID key, no
// encryption), which the instance says by announcing no key.

// handleCreatePush answers POST /api/v1/push/subscription.
func (s *Server) handleCreatePush(w http.ResponseWriter, r *http.Request) {
	p, err := params(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	alerts, policy := readPushAlerts(p, nil)
	sub := store.PushSubscription{TokenHash: apiToken(r).TokenHash, Endpoint: p.String("subscription[endpoint]"),
		P256dh: p.String("subscription[keys][p256dh]"), Auth: p.String("subscription[keys][auth]"), Alerts: alerts, Policy: policy}
	if !strings.HasPrefix(sub.Endpoint, "https://") || sub.P256dh == "" || sub.Auth == "" {
		apiError(w, http.StatusUnprocessableEntity, "Validation failed: subscription needs an https endpoint and its p256dh and auth keys")
		return
	}
	if err := s.db.InTx(r.Context(), func(tx *store.Tx) error { return tx.PutPushSubscription(r.Context(), sub) }); err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeAPI(w, http.StatusOK, apiPushOf(sub))
}

// handlePush answers GET /api/v1/push/subscription.
func (s *Server) handlePush(w http.ResponseWriter, r *http.Request) {
	sub, err := s.db.PushSubscriptionOf(r.Context(), apiToken(r).TokenHash)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeAPI(w, http.StatusOK, apiPushOf(sub))
}

// handleUpdatePush answers PUT /api/v1/push/subscription: alerts and
// policy only.
func (s *Server) handleUpdatePush(w http.ResponseWriter, r *http.Request) {
	p, err := params(r)
	var sub store.PushSubscription
	if err == nil {
		sub, err = s.db.PushSubscriptionOf(r.Context(), apiToken(r).TokenHash)
	}
	if err == nil {
		sub.Alerts, sub.Policy = readPushAlerts(p, sub.Alerts)
		err = s.db.InTx(r.Context(), func(tx *store.Tx) error {
			return tx.UpdatePushAlerts(r.Context(), sub.TokenHash, sub.Alerts, sub.Policy)
		})
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeAPI(w, http.StatusOK, apiPushOf(sub))
}

// handleDeletePush answers DELETE /api/v1/push/subscription.
func (s *Server) handleDeletePush(w http.ResponseWriter, r *http.Request) {
	if err := s.db.InTx(r.Context(), func(tx *store.Tx) error {
		return tx.DeletePushSubscription(r.Context(), apiToken(r).TokenHash)
	}); err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeAPI(w, http.StatusOK, map[string]any{})
}

package api

import (
	"encoding/hex"
	"net/http"
	"slices"
	"strings"

	"kith/server/core"
	"kith/store"
)

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

func readPushAlerts(p core.APIParams, alerts map[string]bool) (map[string]bool, string) {
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

// HandleCreatePush answers POST /api/v1/push/subscription.
func (s *API) HandleCreatePush(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	if err != nil {
		return err
	}
	alerts, policy := readPushAlerts(p, nil)
	sub := store.PushSubscription{TokenHash: core.APIToken(r).TokenHash, Endpoint: p.String("subscription[endpoint]"),
		P256dh: p.String("subscription[keys][p256dh]"), Auth: p.String("subscription[keys][auth]"), Alerts: alerts, Policy: policy}
	if !strings.HasPrefix(sub.Endpoint, "https://") || sub.P256dh == "" || sub.Auth == "" {
		core.APIError(w, http.StatusUnprocessableEntity, "Validation failed: subscription needs an https endpoint and its p256dh and auth keys")
		return nil
	}
	if err := s.DB.InTx(r.Context(), func(tx *store.Tx) error { return tx.PutPushSubscription(r.Context(), sub) }); err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, apiPushOf(sub))
	return nil
}

// HandlePush answers GET /api/v1/push/subscription.
func (s *API) HandlePush(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.DB.PushSubscriptionOf(r.Context(), core.APIToken(r).TokenHash)
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, apiPushOf(sub))
	return nil
}

// HandleUpdatePush answers PUT /api/v1/push/subscription: alerts and
// policy only.
func (s *API) HandleUpdatePush(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	var sub store.PushSubscription
	if err == nil {
		sub, err = s.DB.PushSubscriptionOf(r.Context(), core.APIToken(r).TokenHash)
	}
	if err == nil {
		sub.Alerts, sub.Policy = readPushAlerts(p, sub.Alerts)
		err = s.DB.InTx(r.Context(), func(tx *store.Tx) error {
			return tx.UpdatePushAlerts(r.Context(), sub.TokenHash, sub.Alerts, sub.Policy)
		})
	}
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, apiPushOf(sub))
	return nil
}

// HandleDeletePush answers DELETE /api/v1/push/subscription.
func (s *API) HandleDeletePush(w http.ResponseWriter, r *http.Request) error {
	if err := s.DB.InTx(r.Context(), func(tx *store.Tx) error {
		return tx.DeletePushSubscription(r.Context(), core.APIToken(r).TokenHash)
	}); err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, map[string]any{})
	return nil
}

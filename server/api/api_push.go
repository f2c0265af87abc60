package api

import (
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"kith/federation/webpush"
	"kith/server/core"
	"kith/store"
)

// pushAlerts are the alert types a Web Push subscription may ask for.
var pushAlerts = []string{"mention", "status", "reblog", "follow", "follow_request", "favourite", "poll", "update",
	"admin.sign_up", "admin.report", "quote", "quoted_update"}

// apiPushSubscription is Mastodon's WebPushSubscription.
type apiPushSubscription struct {
	ID        string          `json:"id"`
	Endpoint  string          `json:"endpoint"`
	Standard  bool            `json:"standard"`
	Alerts    map[string]bool `json:"alerts"`
	Policy    string          `json:"policy"`
	ServerKey string          `json:"server_key"`
}

func (s *API) apiPushOf(sub store.PushSubscription) apiPushSubscription {
	out := apiPushSubscription{ID: hex.EncodeToString(sub.TokenHash[:min(8, len(sub.TokenHash))]), Endpoint: sub.Endpoint,
		Standard: sub.Standard, Alerts: map[string]bool{}, Policy: sub.Policy, ServerKey: s.Fed.VAPIDPublicKey()}
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

// HandleCreatePush answers POST /api/v1/push/subscription. It replaces
// the token's subscription if it has one (one per token, as Mastodon
// keeps them).
func (s *API) HandleCreatePush(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	if err != nil {
		return err
	}
	alerts, policy := readPushAlerts(p, nil)
	token := core.APIToken(r)
	sub := store.PushSubscription{TokenHash: token.TokenHash, Endpoint: p.String("subscription[endpoint]"),
		P256dh: p.String("subscription[keys][p256dh]"), Auth: p.String("subscription[keys][auth]"), Alerts: alerts, Policy: policy,
		Standard: p.Bool("subscription[standard]", false)}
	if msg := s.checkPushEndpoint(sub.Endpoint); msg != "" {
		core.APIError(w, http.StatusUnprocessableEntity, "Validation failed: "+msg)
		return nil
	}
	if len(sub.P256dh) > 256 || len(sub.Auth) > 128 ||
		(webpush.Subscription{P256dh: sub.P256dh, Auth: sub.Auth}).Check() != nil {
		core.APIError(w, http.StatusUnprocessableEntity, "Validation failed: keys need a P-256 public key (p256dh) and a 16-byte auth secret")
		return nil
	}
	if sub.SealedToken, err = s.Fed.SealPushToken(core.BearerToken(r), token.TokenHash); err != nil {
		return err
	}
	if err := s.DB.InTx(r.Context(), func(tx *store.Tx) error { return tx.PutPushSubscription(r.Context(), sub) }); err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, s.apiPushOf(sub))
	return nil
}

// checkPushEndpoint says what is wrong with a push endpoint, "" if
// nothing. Push services are reached over https; plain http only to the
// loopback and private hosts a test or lab configuration lets the
// federation transport reach, which refuses any other at send time.
func (s *API) checkPushEndpoint(endpoint string) string {
	u, err := url.Parse(endpoint)
	switch {
	case len(endpoint) > 2048 || err != nil || u.Host == "" || u.User != nil:
		return "the endpoint is not a URL"
	case u.Scheme == "https":
		return ""
	case u.Scheme == "http" && s.Config().Federation.AllowPrivateAddresses:
		return ""
	case u.Scheme == "http" && s.Config().Federation.Hosts[strings.ToLower(u.Hostname())] != "":
		return ""
	}
	return "the endpoint must be an https URL"
}

// HandlePush answers GET /api/v1/push/subscription.
func (s *API) HandlePush(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.DB.PushSubscriptionOf(r.Context(), core.APIToken(r).TokenHash)
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, s.apiPushOf(sub))
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
	core.WriteAPI(w, http.StatusOK, s.apiPushOf(sub))
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

package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"

	"kith/events"
	"kith/server/core"
	"kith/store"
)

// handleStreamingSocket serves the multiplexed WebSocket: streams named
// in the query are subscribed at once, and the client subscribes and
// unsubscribes with {"type":"subscribe","stream":"hashtag","tag":"x"}.
func (s *API) handleStreamingSocket(w http.ResponseWriter, r *http.Request) {
	t := core.APIToken(r)
	if t == nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		core.APIError(w, http.StatusUnauthorized, "Missing access token")
		return
	}
	q := r.URL.Query()
	var initial []events.Filter
	if q.Get("stream") != "" {
		f, serr := s.streamFilter(r.Context(), t, streamRequest{Stream: q.Get("stream"), Tag: q.Get("tag"), List: q.Get("list")})
		if serr != nil {
			core.APIError(w, serr.status, serr.msg)
			return
		}
		initial = append(initial, f)
	}
	sub, err := s.Opts.Events.SubscribeAs(events.TokenCredential(t.TokenHash), initial...)
	if err != nil {
		core.APIError(w, http.StatusServiceUnavailable, "Too many streams are open")
		return
	}
	defer sub.Cancel()
	opts := &websocket.AcceptOptions{
		// Note: Mastodon's web app and other browser clients connect
		// from their own origin; the token, not a cookie, authorizes,
		// so any origin may connect.
		InsecureSkipVerify: true,
	}
	if proto := strings.TrimSpace(r.Header.Get("Sec-WebSocket-Protocol")); proto != "" {
		opts.Subprotocols = []string{proto} // Note: Mastodon echoes the token protocol back.
	}
	core.OpenStream(w)
	conn, err := websocket.Accept(w, r, opts)
	if err != nil {
		return // Accept has answered
	}
	defer conn.CloseNow()
	conn.SetReadLimit(core.MaxStreamMessage)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	out := make(chan StreamFrame, 4)
	go s.readStreamRequests(ctx, cancel, conn, t, sub, out)
	s.writeStreamFrames(ctx, conn, t, core.BearerToken(r), sub, out)
}

// readStreamRequests applies a WebSocket client's subscribe and
// unsubscribe messages until the connection ends; refusals go back as
// error frames on out.
func (s *API) readStreamRequests(ctx context.Context, cancel context.CancelFunc, conn *websocket.Conn, t *store.OAuthToken, sub *events.Subscription, out chan<- StreamFrame) {
	defer cancel()
	for {
		var req streamRequest
		_, data, err := conn.Read(ctx)
		if err != nil {
			return
		}
		if json.Unmarshal(data, &req) != nil {
			continue // Note: Mastodon ignores messages it cannot parse.
		}
		f, serr := s.streamFilter(ctx, t, req)
		switch {
		case serr != nil:
			msg := serr.msg
			select {
			case out <- StreamFrame{Event: "error", Payload: &msg}:
			case <-ctx.Done():
				return
			}
		case req.Type == "subscribe":
			if sub.Add(f) != nil {
				msg := "Too many streams"
				select {
				case out <- StreamFrame{Event: "error", Payload: &msg}:
				case <-ctx.Done():
					return
				}
			}
		case req.Type == "unsubscribe":
			sub.Remove(f)
		}
	}
}

// writeStreamFrames sends events, error frames and pings until the
// connection ends or the token is revoked (at once through the hub, or
// found gone at a credentialRecheck: revoke.go).
func (s *API) writeStreamFrames(ctx context.Context, conn *websocket.Conn, t *store.OAuthToken, token string, sub *events.Subscription, out <-chan StreamFrame) {
	write := func(f StreamFrame) bool {
		b, err := json.Marshal(f)
		if err != nil {
			return false
		}
		wctx, cancel := context.WithTimeout(ctx, core.StreamWriteTimeout)
		defer cancel()
		return conn.Write(wctx, websocket.MessageText, b) == nil
	}
	revoked := func() { conn.Close(websocket.StatusPolicyViolation, "access token revoked") }
	beat := time.NewTicker(core.HeartbeatEvery)
	defer beat.Stop()
	recheck := time.NewTicker(core.CredentialRecheck)
	defer recheck.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-sub.Revoked():
			revoked()
			return
		case <-recheck.C:
			if !s.stillValid(ctx, token) {
				revoked()
				return
			}
		case <-beat.C:
			pctx, cancel := context.WithTimeout(ctx, core.StreamWriteTimeout)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				return
			}
		case f := <-out:
			if !write(f) {
				return
			}
		case e := <-sub.Events():
			if !sub.Has(e.Filter()) {
				continue // unsubscribed while the event waited
			}
			name, payload, ok, err := s.renderEvent(ctx, t, e)
			if err != nil {
				s.Logger.Warn("stream render failed", "kind", e.Kind, "err", err)
			}
			if ok && !write(StreamFrame{Stream: streamNames(e.Filter()), Event: name, Payload: payload}) {
				return
			}
		}
	}
}

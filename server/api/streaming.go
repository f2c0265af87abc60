package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"kith/events"
	"kith/server/core"
	"kith/store"
)

// streamRequest is a stream as a client names it.
type streamRequest struct {
	Type   string `json:"type"` // subscribe or unsubscribe (WebSocket only)
	Stream string `json:"stream"`
	Tag    string `json:"tag"`
	List   string `json:"list"`
}

// StreamFrame is one WebSocket message, as Mastodon sends it.
type StreamFrame struct {
	Stream  []string `json:"stream"`
	Event   string   `json:"event"`
	Payload *string  `json:"payload,omitempty"`
}

// streamError is a refusal of a stream: the HTTP status and message.
type streamError struct {
	status int
	msg    string
}

// streamFilter checks a requested stream against the request's token and
// the store, and returns what to subscribe to.
//
// Note: Mastodon (4.x) requires a token for every stream; read or
// read:statuses for all but user:notification, which needs read or
// read:notifications. Public and hashtag streams admit app-only tokens.
func (s *API) streamFilter(ctx context.Context, t *store.OAuthToken, req streamRequest) (events.Filter, *streamError) {
	f := events.Filter{Stream: req.Stream}
	switch {
	case t == nil:
		return f, &streamError{http.StatusUnauthorized, "Missing access token"}
	case req.Stream == events.UserNotification && !core.AnyScopeAllowed(t.Scopes, []string{"read:notifications"}):
		return f, &streamError{http.StatusForbidden, "Access token does not have the required scopes"}
	case req.Stream != events.UserNotification && !core.AnyScopeAllowed(t.Scopes, []string{"read:statuses"}):
		return f, &streamError{http.StatusForbidden, "Access token does not have the required scopes"}
	}
	switch req.Stream {
	case events.Public, events.PublicLocal, events.PublicRemote:
	case events.Hashtag, events.HashtagLocal:
		f.Tag = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(req.Tag), "#"))
		if f.Tag == "" {
			return f, &streamError{http.StatusBadRequest, "No tag for stream provided"}
		}
	case events.User, events.UserNotification, events.Direct, events.List:
		if t.AppOnly {
			return f, &streamError{http.StatusUnprocessableEntity, "This method requires an authenticated user"}
		}
		if req.Stream != events.List {
			break
		}
		id, err := strconv.ParseInt(req.List, 10, 64)
		if err == nil {
			_, err = s.DB.ListByID(ctx, id)
		}
		if err != nil {
			return f, &streamError{http.StatusNotFound, "List not found"}
		}
		f.ListID = id
	default:
		return f, &streamError{http.StatusBadRequest, "Unknown stream type"}
	}
	return f, nil
}

// streamNames is the stream field of a WebSocket frame.
func streamNames(f events.Filter) []string {
	switch {
	case f.Tag != "":
		return []string{f.Stream, f.Tag}
	case f.Stream == events.List:
		return []string{f.Stream, core.APIID(f.ListID)}
	}
	return []string{f.Stream}
}

// renderEvent renders an event for the client: its name and payload.
// ok is false for an event with nothing left to show (a post deleted
// since, a notification the token may not read).
func (s *API) renderEvent(ctx context.Context, t *store.OAuthToken, e events.Event) (name string, payload *string, ok bool, err error) {
	if e.Kind == events.Notification && !core.AnyScopeAllowed(t.Scopes, []string{"read:notifications"}) {
		return "", nil, false, nil
	}
	// The rendering is shared by every subscriber of the event, so it must
	// not end when the first subscriber's request does.
	shared := context.WithoutCancel(ctx)
	return s.Rendered.get(e, func() (string, *string, bool, error) { return s.renderEventOnce(shared, e) })
}

// renderEventOnce renders an event's payload.
func (s *API) renderEventOnce(ctx context.Context, e events.Event) (name string, payload *string, ok bool, err error) {
	text := func(v any) (*string, bool, error) {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, false, err
		}
		str := string(b)
		return &str, true, nil
	}
	switch e.Kind {
	case events.Delete:
		id := core.APIID(e.PostID)
		return e.Kind, &id, true, nil
	case events.FiltersChanged:
		return e.Kind, nil, true, nil
	case events.Notification:
		n, err := s.DB.NotificationByID(ctx, e.NotificationID)
		if errors.Is(err, store.ErrNotFound) {
			return "", nil, false, nil
		}
		if err != nil {
			return "", nil, false, err
		}
		rn, err := s.renderNotifications(ctx, []store.Notification{n})
		if err != nil || len(rn.list) == 0 {
			return "", nil, false, err
		}
		payload, ok, err = text(rn.notification(rn.list[0]))
		return e.Kind, payload, ok, err
	case events.Conversation:
		c, err := s.DB.ConversationByID(ctx, e.ConversationID)
		if errors.Is(err, store.ErrNotFound) {
			return "", nil, false, nil
		}
		var out apiConversation
		if err == nil {
			out, err = s.renderConversation(ctx, c)
		}
		if err != nil {
			return "", nil, false, err
		}
		payload, ok, err = text(out)
		return e.Kind, payload, ok, err
	case events.Update, events.StatusUpdate:
		p, err := s.DB.PostByID(ctx, e.PostID)
		if errors.Is(err, store.ErrNotFound) {
			return "", nil, false, nil
		}
		if err != nil {
			return "", nil, false, err
		}
		st, err := s.renderStatus(ctx, p)
		if errors.Is(err, store.ErrNotFound) {
			return "", nil, false, nil
		}
		if err != nil {
			return "", nil, false, err
		}
		payload, ok, err = text(st)
		return e.Kind, payload, ok, err
	}
	return "", nil, false, fmt.Errorf("unknown event kind %q", e.Kind)
}

// stillValid reports whether the stream's token still exists; streams
// end when the owner revokes the token (revoke.go). A failed read keeps
// the stream: the next check decides.
func (s *API) stillValid(ctx context.Context, token string) bool {
	_, err := s.DB.OAuthTokenByToken(ctx, token)
	return !errors.Is(err, store.ErrNotFound)
}

// WSProtocolToken lets a WebSocket client send its token as
// Sec-WebSocket-Protocol, as Mastodon's web app does (browsers cannot set
// Authorization on a WebSocket); apiAuth then reads it as a bearer token.
func WSProtocolToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if proto := r.Header.Get("Sec-WebSocket-Protocol"); proto != "" && core.BearerToken(r) == "" {
			r.Header.Set("Authorization", "Bearer "+strings.TrimSpace(proto))
		}
		next.ServeHTTP(w, r)
	})
}

// HandleStreamingHealth answers GET /api/v1/streaming/health.
func HandleStreamingHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("OK"))
}

// HandleStreaming answers GET /api/v1/streaming: a WebSocket when the
// client asks to upgrade, else server-sent events for the stream named by
// the stream parameter (as Mastodon also allows).
func (s *API) HandleStreaming(w http.ResponseWriter, r *http.Request) {
	if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		s.handleStreamingSocket(w, r)
		return
	}
	s.HandleStreamingEvents(r.URL.Query().Get("stream"))(w, r)
}

// HandleStreamingEvents answers an SSE stream URL such as
// /api/v1/streaming/user or /api/v1/streaming/hashtag?tag=kith.
func (s *API) HandleStreamingEvents(stream string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		t := core.APIToken(r)
		f, serr := s.streamFilter(r.Context(), t, streamRequest{Stream: stream, Tag: q.Get("tag"), List: q.Get("list")})
		if serr != nil {
			core.APIError(w, serr.status, serr.msg)
			return
		}
		sub, err := s.Opts.Events.SubscribeAs(events.TokenCredential(t.TokenHash), f)
		if err != nil {
			core.APIError(w, http.StatusServiceUnavailable, "Too many streams are open")
			return
		}
		defer sub.Cancel()
		token := core.BearerToken(r)
		s.PumpSSE(w, r, sub, func() bool { return s.stillValid(r.Context(), token) }, func(e events.Event) string {
			name, payload, ok, err := s.renderEvent(r.Context(), t, e)
			if err != nil {
				s.Logger.Warn("stream render failed", "kind", e.Kind, "err", err)
			}
			if !ok {
				return ""
			}
			msg := "event: " + name + "\n"
			if payload != nil {
				msg += "data: " + *payload + "\n"
			}
			return msg + "\n"
		})
	}
}

// SSEStreamPaths maps each SSE URL to its stream: /api/v1/streaming/ and
// the stream name with ':' as '/'.
func SSEStreamPaths() map[string]string {
	out := map[string]string{}
	for _, name := range events.Streams {
		out["/api/v1/streaming/"+strings.ReplaceAll(name, ":", "/")] = name
	}
	return out
}

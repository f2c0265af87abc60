package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"kith/events"
	"kith/store"
)

// The Mastodon streaming API: a WebSocket at /api/v1/streaming that
// multiplexes streams (streaming_socket.go), and one server-sent-events
// URL per stream. The events hub carries ids only; each event is rendered
// here, when it is sent, from the rows as they are then.

// Streaming timings.
const (
	// heartbeatEvery is how often an idle stream proves it is alive
	// (Mastodon sends ":thump" every 15 s on SSE).
	heartbeatEvery = 15 * time.Second
	// streamWriteTimeout bounds one write to a client; a client that
	// cannot take a frame in this long is disconnected.
	streamWriteTimeout = 10 * time.Second
	// maxStreamMessage bounds a client's WebSocket message.
	maxStreamMessage = 4 << 10
)

// streamRequest is a stream as a client names it.
type streamRequest struct {
	Type   string `json:"type"` // subscribe or unsubscribe (WebSocket only)
	Stream string `json:"stream"`
	Tag    string `json:"tag"`
	List   string `json:"list"`
}

// streamFrame is one WebSocket message, as Mastodon sends it.
type streamFrame struct {
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
func (s *Server) streamFilter(ctx context.Context, t *store.OAuthToken, req streamRequest) (events.Filter, *streamError) {
	f := events.Filter{Stream: req.Stream}
	switch {
	case t == nil:
		return f, &streamError{http.StatusUnauthorized, "Missing access token"}
	case req.Stream == events.UserNotification && !anyScopeAllowed(t.Scopes, []string{"read:notifications"}):
		return f, &streamError{http.StatusForbidden, "Access token does not have the required scopes"}
	case req.Stream != events.UserNotification && !anyScopeAllowed(t.Scopes, []string{"read:statuses"}):
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
			_, err = s.db.ListByID(ctx, id)
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
		return []string{f.Stream, apiID(f.ListID)}
	}
	return []string{f.Stream}
}

// renderEvent renders an event for the client: its name and payload.
// ok is false for an event with nothing left to show (a post deleted
// since, a notification the token may not read).
func (s *Server) renderEvent(ctx context.Context, t *store.OAuthToken, e events.Event) (name string, payload *string, ok bool, err error) {
	if e.Kind == events.Notification && !anyScopeAllowed(t.Scopes, []string{"read:notifications"}) {
		return "", nil, false, nil
	}
	// The rendering is shared by every subscriber of the event, so it must
	// not end when the first subscriber's request does.
	shared := context.WithoutCancel(ctx)
	return s.rendered.get(e, func() (string, *string, bool, error) { return s.renderEventOnce(shared, e) })
}

// renderEventOnce renders an event's payload.
func (s *Server) renderEventOnce(ctx context.Context, e events.Event) (name string, payload *string, ok bool, err error) {
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
		id := apiID(e.PostID)
		return e.Kind, &id, true, nil
	case events.FiltersChanged:
		return e.Kind, nil, true, nil
	case events.Notification:
		n, err := s.db.NotificationByID(ctx, e.NotificationID)
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
	case events.Update, events.StatusUpdate:
		p, err := s.db.PostByID(ctx, e.PostID)
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
		if e.Stream == events.Direct && e.Kind == events.Update {
			payload, ok, err = text(s.conversationOf(ctx, p, st))
			return "conversation", payload, ok, err
		}
		payload, ok, err = text(st)
		return e.Kind, payload, ok, err
	}
	return "", nil, false, fmt.Errorf("unknown event kind %q", e.Kind)
}

// apiConversation is Mastodon's Conversation entity.
type apiConversation struct {
	ID         string       `json:"id"`
	Unread     bool         `json:"unread"`
	Accounts   []apiAccount `json:"accounts"`
	LastStatus *apiStatus   `json:"last_status"`
}

// conversationOf makes the Conversation a direct post belongs to: its
// participants other than the owner.
//
// Note: Mastodon's direct stream sends "conversation" events, not
// "update". kith keeps no conversation rows, so the id is the post's own.
func (s *Server) conversationOf(ctx context.Context, p store.Post, st apiStatus) apiConversation {
	c := apiConversation{ID: st.ID, Unread: p.AuthorID != s.fed.LocalActorID(), Accounts: []apiAccount{}, LastStatus: &st}
	if p.AuthorID != s.fed.LocalActorID() {
		c.Accounts = append(c.Accounts, st.Account)
	}
	var others []store.Actor
	for _, m := range p.Mentions {
		if a, err := s.db.ActorByURI(ctx, m.ActorURI); err == nil && a.ID != s.fed.LocalActorID() && a.ID != p.AuthorID {
			others = append(others, a)
		}
	}
	if accounts, err := s.renderAccounts(ctx, others); err == nil {
		c.Accounts = append(c.Accounts, accounts...)
	}
	return c
}

// stillValid reports whether the stream's token still exists; streams
// end when the owner revokes the token (revoke.go). A failed read keeps
// the stream: the next check decides.
func (s *Server) stillValid(ctx context.Context, token string) bool {
	_, err := s.db.OAuthTokenByToken(ctx, token)
	return !errors.Is(err, store.ErrNotFound)
}

// openStream prepares a long-lived response: the server's read and write
// timeouts, meant for ordinary requests, are lifted for this one.
func openStream(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Time{})
	rc.SetWriteDeadline(time.Time{})
}

// startSSE begins a server-sent-events response and returns the function
// that writes to it: each write is flushed at once and bounded by
// streamWriteTimeout; false means the client is gone.
func startSSE(w http.ResponseWriter) func(text string) bool {
	openStream(w)
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no") // Note: nginx would otherwise buffer the stream.
	w.WriteHeader(http.StatusOK)
	return func(text string) bool {
		rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
		if _, err := w.Write([]byte(text)); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
}

// wsProtocolToken lets a WebSocket client send its token as
// Sec-WebSocket-Protocol, as Mastodon's web app does (browsers cannot set
// Authorization on a WebSocket); apiAuth then reads it as a bearer token.
func wsProtocolToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if proto := r.Header.Get("Sec-WebSocket-Protocol"); proto != "" && bearerToken(r) == "" {
			r.Header.Set("Authorization", "Bearer "+strings.TrimSpace(proto))
		}
		next.ServeHTTP(w, r)
	})
}

// handleStreamingHealth answers GET /api/v1/streaming/health.
func handleStreamingHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("OK"))
}

// handleStreaming answers GET /api/v1/streaming: a WebSocket when the
// client asks to upgrade, else server-sent events for the stream named by
// the stream parameter (as Mastodon also allows).
func (s *Server) handleStreaming(w http.ResponseWriter, r *http.Request) {
	if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		s.handleStreamingSocket(w, r)
		return
	}
	s.handleStreamingEvents(r.URL.Query().Get("stream"))(w, r)
}

// handleStreamingEvents answers an SSE stream URL such as
// /api/v1/streaming/user or /api/v1/streaming/hashtag?tag=kith.
func (s *Server) handleStreamingEvents(stream string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		t := apiToken(r)
		f, serr := s.streamFilter(r.Context(), t, streamRequest{Stream: stream, Tag: q.Get("tag"), List: q.Get("list")})
		if serr != nil {
			apiError(w, serr.status, serr.msg)
			return
		}
		sub, err := s.opts.Events.SubscribeAs(events.TokenCredential(t.TokenHash), f)
		if err != nil {
			apiError(w, http.StatusServiceUnavailable, "Too many streams are open")
			return
		}
		defer sub.Cancel()
		token := bearerToken(r)
		s.pumpSSE(w, r, sub, func() bool { return s.stillValid(r.Context(), token) }, func(e events.Event) string {
			name, payload, ok, err := s.renderEvent(r.Context(), t, e)
			if err != nil {
				s.logger.Warn("stream render failed", "kind", e.Kind, "err", err)
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

// pumpSSE writes sub's events as server-sent events until the client
// leaves, the server shuts down, or the stream's credential is revoked:
// sub's Revoked says so at once, valid (checked every
// credentialRecheck) when another process revoked it. message turns an
// event into the text to write; "" skips it.
func (s *Server) pumpSSE(w http.ResponseWriter, r *http.Request, sub *events.Subscription, valid func() bool, message func(events.Event) string) {
	write := startSSE(w)
	if !write(":)\n") {
		return
	}
	beat := time.NewTicker(heartbeatEvery)
	defer beat.Stop()
	recheck := time.NewTicker(credentialRecheck)
	defer recheck.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.streamsEnd.Done():
			return
		case <-sub.Revoked():
			return
		case <-recheck.C:
			if !valid() {
				return
			}
		case <-beat.C:
			if !write(":thump\n") {
				return
			}
		case e := <-sub.Events():
			if msg := message(e); msg != "" && !write(msg) {
				return
			}
		}
	}
}

// sseStreamPaths maps each SSE URL to its stream: /api/v1/streaming/ and
// the stream name with ':' as '/'.
func sseStreamPaths() map[string]string {
	out := map[string]string{}
	for _, name := range events.Streams {
		out["/api/v1/streaming/"+strings.ReplaceAll(name, ":", "/")] = name
	}
	return out
}

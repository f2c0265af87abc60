package core

import (
	"net/http"
	"time"

	"kith/events"
)

// Streaming timings.
const (
	// heartbeatEvery is how often an idle stream proves it is alive
	// (Mastodon sends ":thump" every 15 s on SSE).
	HeartbeatEvery = 15 * time.Second
	// streamWriteTimeout bounds one write to a client; a client that
	// cannot take a frame in this long is disconnected.
	StreamWriteTimeout = 10 * time.Second
	// maxStreamMessage bounds a client's WebSocket message.
	MaxStreamMessage = 4 << 10
)

// OpenStream prepares a long-lived response: the server's read and write
// timeouts, meant for ordinary requests, are lifted for this one.
func OpenStream(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Time{})
	rc.SetWriteDeadline(time.Time{})
}

// startSSE begins a server-sent-events response and returns the function
// that writes to it: each write is flushed at once and bounded by
// streamWriteTimeout; false means the client is gone.
func startSSE(w http.ResponseWriter) func(text string) bool {
	OpenStream(w)
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no") // Note: nginx would otherwise buffer the stream.
	w.WriteHeader(http.StatusOK)
	return func(text string) bool {
		rc.SetWriteDeadline(time.Now().Add(StreamWriteTimeout))
		if _, err := w.Write([]byte(text)); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
}

// PumpSSE writes sub's events as server-sent events until the client
// leaves, the server shuts down, or the stream's credential is revoked:
// sub's Revoked says so at once, valid (checked every
// credentialRecheck) when another process revoked it. message turns an
// event into the text to write; "" skips it.
func (s *Env) PumpSSE(w http.ResponseWriter, r *http.Request, sub *events.Subscription, valid func() bool, message func(events.Event) string) {
	write := startSSE(w)
	if !write(":)\n") {
		return
	}
	beat := time.NewTicker(HeartbeatEvery)
	defer beat.Stop()
	recheck := time.NewTicker(CredentialRecheck)
	defer recheck.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.StreamsEnd.Done():
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

package core

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strings"

	"kith/federation"
)

// WantsActivityJSON reports whether a request asks for ActivityPub JSON
// rather than HTML: the same URLs serve both.
func WantsActivityJSON(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "application/activity+json":
			return true
		case "application/ld+json":
			// Note: peers send profile="https://www.w3.org/ns/activitystreams";
			// a bare ld+json is taken to mean the same.
			p := params["profile"]
			if p == "" || strings.Contains(p, "activitystreams") {
				return true
			}
		}
	}
	return false
}

// WriteActivityJSON answers with an ActivityPub document.
func WriteActivityJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", federation.ActivityJSON+"; charset=utf-8")
	w.Header().Set("Vary", "Accept")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func WriteJSON(w http.ResponseWriter, status int, contentType string, v any) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// APError maps federation errors to plain-text statuses for peers.
func (s *Env) APError(w http.ResponseWriter, r *http.Request, err error) {
	var tooBig *http.MaxBytesError
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, federation.ErrUnauthorized):
		status = http.StatusUnauthorized
	case errors.Is(err, federation.ErrBadRequest):
		status = http.StatusBadRequest
	case errors.Is(err, federation.ErrForbidden):
		status = http.StatusForbidden
	case errors.Is(err, federation.ErrNotFound):
		status = http.StatusNotFound
	case errors.As(err, &tooBig):
		status = http.StatusRequestEntityTooLarge
	}
	if status == http.StatusInternalServerError {
		s.Logger.Error("activitypub request failed", "path", r.URL.Path, "err", err)
	} else {
		s.Logger.Debug("activitypub request refused", "path", r.URL.Path, "status", status, "err", err)
	}
	http.Error(w, http.StatusText(status), status)
}

// HandleActor serves the owner's actor to peers and sends browsers to the
// profile page.
func (s *Env) HandleActor(w http.ResponseWriter, r *http.Request) {
	if !WantsActivityJSON(r) {
		http.Redirect(w, r, s.Fed.URLs().Profile(), http.StatusFound)
		return
	}
	doc, err := s.Fed.ActorDocument(r.Context())
	if err != nil {
		s.APError(w, r, err)
		return
	}
	WriteActivityJSON(w, http.StatusOK, doc)
}

package core

import (
	"encoding/json"
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

// WriteJSON answers with v as JSON of contentType, readable from any
// origin (peers and discovery are public).
func WriteJSON(w http.ResponseWriter, status int, contentType string, v any) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// HandleActor serves the owner's actor to peers and sends browsers to the
// profile page.
func (s *Env) HandleActor(w http.ResponseWriter, r *http.Request) error {
	if !WantsActivityJSON(r) {
		http.Redirect(w, r, s.Fed.URLs().Profile(), http.StatusFound)
		return nil
	}
	doc, err := s.Fed.ActorDocument(r.Context())
	if err != nil {
		return err
	}
	WriteActivityJSON(w, http.StatusOK, doc)
	return nil
}

package server

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"kith/federation"
)

// wantsActivityJSON reports whether a request asks for ActivityPub JSON
// rather than HTML: the same URLs serve both.
func wantsActivityJSON(r *http.Request) bool {
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

// writeActivityJSON answers with an ActivityPub document.
func writeActivityJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", federation.ActivityJSON+"; charset=utf-8")
	w.Header().Set("Vary", "Accept")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) handleWebFinger(w http.ResponseWriter, r *http.Request) {
	resource := r.URL.Query().Get("resource")
	if resource == "" {
		http.Error(w, "resource parameter missing", http.StatusBadRequest)
		return
	}
	jrd, err := s.fed.WebFinger(resource)
	if err != nil {
		http.Error(w, "no such account here", http.StatusNotFound)
		return
	}
	writeJSON(w, http.StatusOK, "application/jrd+json; charset=utf-8", jrd)
}

func (s *Server) handleHostMeta(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, ".json") || strings.Contains(r.Header.Get("Accept"), "json") {
		writeJSON(w, http.StatusOK, "application/jrd+json; charset=utf-8", s.fed.HostMetaJSON())
		return
	}
	w.Header().Set("Content-Type", "application/xrd+xml; charset=utf-8")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Write(s.fed.HostMetaXML())
}

func (s *Server) handleNodeInfoLinks(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, "application/json", s.fed.NodeInfoLinks())
}

func (s *Server) handleNodeInfo(w http.ResponseWriter, r *http.Request) {
	version := pathParam(r, "version")
	doc, err := s.fed.NodeInfo(r.Context(), version)
	if err != nil {
		s.apError(w, r, err)
		return
	}
	ct := `application/json; profile="http://nodeinfo.diaspora.software/ns/schema/` + version + `#"`
	writeJSON(w, http.StatusOK, ct, doc)
}

// handleInbox receives an activity: the body is capped, the signature
// verified, and the activity stored for the queue to apply. It answers 202
// once the activity is safely stored, 401 for any signature it cannot
// verify (peers that try RFC 9421 first then fall back), 400 for junk.
func (s *Server) handleInbox(w http.ResponseWriter, r *http.Request) {
	if !isActivityContentType(r.Header.Get("Content-Type")) {
		http.Error(w, "expected an ActivityPub document", http.StatusUnsupportedMediaType)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.apError(w, r, err)
		return
	}
	if err := s.fed.Receive(r.Context(), r, body); err != nil {
		s.apError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func isActivityContentType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	// Note: some servers post with plain application/json.
	return mt == "application/activity+json" || mt == "application/ld+json" || mt == "application/json"
}

// apError maps federation errors to plain-text statuses for peers.
func (s *Server) apError(w http.ResponseWriter, r *http.Request, err error) {
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
		s.logger.Error("activitypub request failed", "path", r.URL.Path, "err", err)
	} else {
		s.logger.Debug("activitypub request refused", "path", r.URL.Path, "status", status, "err", err)
	}
	http.Error(w, http.StatusText(status), status)
}

// ownerOnly answers 404 for /users/{name} paths of anyone but the owner.
func (s *Server) ownerOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(pathParam(r, "username"), s.fed.URLs().Username()) {
			s.apError(w, r, federation.ErrNotFound)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// handleActor serves the owner's actor to peers and sends browsers to the
// profile page.
func (s *Server) handleActor(w http.ResponseWriter, r *http.Request) {
	if !wantsActivityJSON(r) {
		http.Redirect(w, r, s.fed.URLs().Profile(), http.StatusFound)
		return
	}
	doc, err := s.fed.ActorDocument(r.Context())
	if err != nil {
		s.apError(w, r, err)
		return
	}
	writeActivityJSON(w, http.StatusOK, doc)
}

func (s *Server) handleInstanceActor(w http.ResponseWriter, r *http.Request) {
	writeActivityJSON(w, http.StatusOK, s.fed.InstanceActorDocument())
}

func (s *Server) handleOutbox(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	maxID, _ := strconv.ParseInt(q.Get("max_id"), 10, 64)
	doc, err := s.fed.Outbox(r.Context(), q.Get("page") == "true", maxID)
	if err != nil {
		s.apError(w, r, err)
		return
	}
	writeActivityJSON(w, http.StatusOK, doc)
}

func (s *Server) handleFollowCollection(w http.ResponseWriter, r *http.Request) {
	which := "followers"
	if strings.HasSuffix(r.URL.Path, "/following") {
		which = "following"
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	hidden, _ := s.db.Setting(r.Context(), "hide_network")
	doc, err := s.fed.FollowCollection(r.Context(), which, page, hidden == "true")
	if err != nil {
		s.apError(w, r, err)
		return
	}
	writeActivityJSON(w, http.StatusOK, doc)
}

func (s *Server) handleFeatured(w http.ResponseWriter, r *http.Request) {
	doc, err := s.fed.Featured(r.Context())
	if err != nil {
		s.apError(w, r, err)
		return
	}
	writeActivityJSON(w, http.StatusOK, doc)
}

// handlePostDocument serves a local post as a Note, or sends a browser to
// its page.
func (s *Server) handlePostDocument(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(pathParam(r, "id"), 10, 64)
	if err != nil {
		s.apError(w, r, federation.ErrNotFound)
		return
	}
	if !wantsActivityJSON(r) {
		http.Redirect(w, r, s.fed.URLs().PostPage(id), http.StatusFound)
		return
	}
	doc, err := s.fed.PostDocument(r.Context(), id)
	if err != nil {
		s.apError(w, r, err)
		return
	}
	writeActivityJSON(w, http.StatusOK, doc)
}

// handleCreateActivity serves the Create that published a public post.
func (s *Server) handleCreateActivity(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(pathParam(r, "id"), 10, 64)
	if err != nil {
		s.apError(w, r, federation.ErrNotFound)
		return
	}
	act, err := s.db.ActivityByURI(r.Context(), s.fed.URLs().CreateActivity(id))
	if err != nil || !act.Public {
		s.apError(w, r, federation.ErrNotFound)
		return
	}
	w.Header().Set("Content-Type", federation.ActivityJSON+"; charset=utf-8")
	w.Write(act.Body)
}

func (s *Server) handleReplies(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(pathParam(r, "id"), 10, 64)
	if err != nil {
		s.apError(w, r, federation.ErrNotFound)
		return
	}
	doc, err := s.fed.RepliesCollection(r.Context(), id)
	if err != nil {
		s.apError(w, r, err)
		return
	}
	writeActivityJSON(w, http.StatusOK, doc)
}

package server

import (
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"kith/federation"
	"kith/server/core"
)

func (s *Server) handleWebFinger(w http.ResponseWriter, r *http.Request) {
	resource := r.URL.Query().Get("resource")
	if resource == "" {
		http.Error(w, "resource parameter missing", http.StatusBadRequest)
		return
	}
	jrd, err := s.Fed.WebFinger(resource)
	if err != nil {
		http.Error(w, "no such account here", http.StatusNotFound)
		return
	}
	core.WriteJSON(w, http.StatusOK, "application/jrd+json; charset=utf-8", jrd)
}

func (s *Server) handleHostMeta(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, ".json") || strings.Contains(r.Header.Get("Accept"), "json") {
		core.WriteJSON(w, http.StatusOK, "application/jrd+json; charset=utf-8", s.Fed.HostMetaJSON())
		return
	}
	w.Header().Set("Content-Type", "application/xrd+xml; charset=utf-8")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Write(s.Fed.HostMetaXML())
}

func (s *Server) handleNodeInfoLinks(w http.ResponseWriter, r *http.Request) {
	core.WriteJSON(w, http.StatusOK, "application/json", s.Fed.NodeInfoLinks())
}

func (s *Server) handleNodeInfo(w http.ResponseWriter, r *http.Request) error {
	version := core.PathParam(r, "version")
	doc, err := s.Fed.NodeInfo(r.Context(), version)
	if err != nil {
		return err
	}
	ct := `application/json; profile="http://nodeinfo.diaspora.software/ns/schema/` + version + `#"`
	core.WriteJSON(w, http.StatusOK, ct, doc)
	return nil
}

// handleInbox receives an activity: the body is capped, the signature
// verified, and the activity stored for the queue to apply. It answers 202
// once the activity is safely stored, 401 for any signature it cannot
// verify (a peer that knocks with one signature scheme tries the other
// after a 401), 400 for junk.
func (s *Server) handleInbox(w http.ResponseWriter, r *http.Request) error {
	if !isActivityContentType(r.Header.Get("Content-Type")) {
		http.Error(w, "expected an ActivityPub document", http.StatusUnsupportedMediaType)
		return nil
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	if err := s.Fed.Receive(r.Context(), r, body); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

// readBody reads a request body into one buffer of its declared length
// (limitBodies has capped it), instead of growing one as it comes.
func readBody(r *http.Request) ([]byte, error) {
	if r.ContentLength <= 0 || r.ContentLength > maxBody {
		return io.ReadAll(r.Body)
	}
	b := make([]byte, r.ContentLength)
	if _, err := io.ReadFull(r.Body, b); err != nil {
		return nil, err
	}
	return b, nil
}

func isActivityContentType(ct string) bool {
	switch ct {
	case "application/activity+json", "application/ld+json", "application/json":
		return true // what peers send, answered without parsing
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	// Note: some servers post with plain application/json.
	return mt == "application/activity+json" || mt == "application/ld+json" || mt == "application/json"
}

// truthy reads a query flag as Rails does: "true", "1", "on" and the like.
func truthy(v string) bool {
	switch strings.ToLower(v) {
	case "1", "t", "true", "on", "y", "yes":
		return true
	}
	return false
}

// ownerOnly answers 404 for /users/{name} paths of anyone but the owner.
func (s *Server) ownerOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(core.PathParam(r, "username"), s.Fed.URLs().Username()) {
			s.PlainFail(w, r, federation.ErrNotFound)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) handleInstanceActor(w http.ResponseWriter, r *http.Request) {
	core.WriteActivityJSON(w, http.StatusOK, s.Fed.InstanceActorDocument())
}

// handleInstanceCollection serves the instance actor's collections, all
// empty; the last path segment names the collection.
func (s *Server) handleInstanceCollection(w http.ResponseWriter, r *http.Request) error {
	doc, err := s.Fed.InstanceCollection(r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:])
	if err != nil {
		return err
	}
	core.WriteActivityJSON(w, http.StatusOK, doc)
	return nil
}

func (s *Server) handleOutbox(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	maxID, _ := strconv.ParseInt(q.Get("max_id"), 10, 64)
	doc, err := s.Fed.Outbox(r.Context(), q.Get("page") == "true", maxID)
	if err != nil {
		return err
	}
	core.WriteActivityJSON(w, http.StatusOK, doc)
	return nil
}

func (s *Server) handleFollowCollection(w http.ResponseWriter, r *http.Request) error {
	which := "followers"
	if strings.HasSuffix(r.URL.Path, "/following") {
		which = "following"
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	hidden, _ := s.DB.Setting(r.Context(), "hide_network")
	doc, err := s.Fed.FollowCollection(r.Context(), which, page, hidden == "true")
	if err != nil {
		return err
	}
	core.WriteActivityJSON(w, http.StatusOK, doc)
	return nil
}

// handleFollowersSync serves the partial followers collection of FEP-8fcf
// to a signed request: the owner's followers on the signer's server.
func (s *Server) handleFollowersSync(w http.ResponseWriter, r *http.Request) error {
	doc, err := s.Fed.FollowersSync(r.Context(), r)
	if err != nil {
		return err
	}
	core.WriteActivityJSON(w, http.StatusOK, doc)
	return nil
}

func (s *Server) handleFeatured(w http.ResponseWriter, r *http.Request) error {
	doc, err := s.Fed.Featured(r.Context())
	if err != nil {
		return err
	}
	core.WriteActivityJSON(w, http.StatusOK, doc)
	return nil
}

// handleFeaturedTags serves the owner's featured hashtags (the actor's
// featuredTags).
func (s *Server) handleFeaturedTags(w http.ResponseWriter, r *http.Request) error {
	doc, err := s.Fed.FeaturedTagsCollection(r.Context())
	if err != nil {
		return err
	}
	core.WriteActivityJSON(w, http.StatusOK, doc)
	return nil
}

// handlePostDocument serves a local post as a Note, or sends a browser to
// its page.
func (s *Server) handlePostDocument(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(core.PathParam(r, "id"), 10, 64)
	if err != nil {
		return federation.ErrNotFound
	}
	if !core.WantsActivityJSON(r) {
		http.Redirect(w, r, s.Fed.URLs().PostPage(id), http.StatusFound)
		return nil
	}
	doc, err := s.Fed.PostDocument(r.Context(), id)
	if err != nil {
		return err
	}
	core.WriteActivityJSON(w, http.StatusOK, doc)
	return nil
}

// handleCreateActivity serves the Create that published a public post.
func (s *Server) handleCreateActivity(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(core.PathParam(r, "id"), 10, 64)
	if err != nil {
		return federation.ErrNotFound
	}
	act, err := s.DB.ActivityByURI(r.Context(), s.Fed.URLs().CreateActivity(id))
	if err != nil || !act.Public {
		return federation.ErrNotFound
	}
	w.Header().Set("Content-Type", federation.ActivityJSON+"; charset=utf-8")
	w.Write(act.Body)
	return nil
}

// handleReplies serves a local post's replies collection, or a page of it
// when the query asks (Mastodon's page, only_other_accounts and min_id).
func (s *Server) handleReplies(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(core.PathParam(r, "id"), 10, 64)
	if err != nil {
		return federation.ErrNotFound
	}
	q := r.URL.Query()
	minID, _ := strconv.ParseInt(q.Get("min_id"), 10, 64)
	doc, err := s.Fed.RepliesCollection(r.Context(), id, federation.RepliesQuery{
		Page: truthy(q.Get("page")), Others: truthy(q.Get("only_other_accounts")), MinID: max(minID, 0)})
	if err != nil {
		return err
	}
	core.WriteActivityJSON(w, http.StatusOK, doc)
	return nil
}

// handleQuoteAuthorization serves a stamp the owner gave a remote post to
// quote one of theirs, so that any server can check the quote; a revoked
// stamp is gone.
func (s *Server) handleQuoteAuthorization(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(core.PathParam(r, "id"), 10, 64)
	if err != nil {
		return federation.ErrNotFound
	}
	doc, err := s.Fed.QuoteAuthorizationDocument(r.Context(), id)
	if err != nil {
		return err
	}
	core.WriteActivityJSON(w, http.StatusOK, doc)
	return nil
}

// handleEmojiDocument serves one of the owner's custom emoji, what its
// Emoji tags' id names; a browser is sent to the image.
func (s *Server) handleEmojiDocument(w http.ResponseWriter, r *http.Request) error {
	doc, err := s.Fed.EmojiDocument(r.Context(), core.PathParam(r, "shortcode"))
	if err != nil {
		return err
	}
	if !core.WantsActivityJSON(r) {
		http.Redirect(w, r, doc.Icon.URL, http.StatusFound)
		return nil
	}
	core.WriteActivityJSON(w, http.StatusOK, doc)
	return nil
}

package api

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"kith/federation"
	"kith/server/core"
	"kith/store"
)

// visiblePost loads a post the request may see; one it may not is not
// found, as Mastodon answers.
func (s *API) visiblePost(r *http.Request, id int64) (store.Post, error) {
	p, err := s.DB.PostByID(r.Context(), id)
	if err != nil {
		return store.Post{}, err
	}
	visible, err := s.DB.VisiblePosts(r.Context(), s.ViewerID(r), []int64{id})
	if err != nil {
		return store.Post{}, err
	}
	if !visible[id] {
		return store.Post{}, store.ErrNotFound
	}
	return p, nil
}

// postByPath loads the visible post named by the {id} path parameter.
func (s *API) postByPath(r *http.Request) (store.Post, error) {
	id, err := core.PathID(r, "id")
	if err != nil {
		return store.Post{}, err
	}
	return s.visiblePost(r, id)
}

// ownPostByPath loads the owner's post named by {id}; another's post is
// not found, as Mastodon answers.
func (s *API) ownPostByPath(r *http.Request) (store.Post, error) {
	id, err := core.PathID(r, "id")
	if err != nil {
		return store.Post{}, err
	}
	p, err := s.DB.PostByID(r.Context(), id)
	if err != nil {
		return store.Post{}, err
	}
	if p.AuthorID != s.DB.OwnerID() || p.ReblogOfID != 0 {
		return store.Post{}, store.ErrNotFound
	}
	return p, nil
}

// writeAccount renders one actor and answers with it.
func (s *API) writeAccount(w http.ResponseWriter, r *http.Request, a store.Actor) error {
	out, err := s.renderAccount(r.Context(), a)
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}

// writeStatus renders one post and answers with it.
func (s *API) writeStatus(w http.ResponseWriter, r *http.Request, p store.Post) error {
	out, err := s.renderStatus(r.Context(), p)
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}

// HandleStatus answers GET /api/v1/statuses/:id.
func (s *API) HandleStatus(w http.ResponseWriter, r *http.Request) error {
	p, err := s.postByPath(r)
	if err != nil {
		return err
	}
	return s.writeStatus(w, r, p)
}

// HandleStatuses answers GET /api/v1/statuses?id[]=: the visible ones of
// the posts asked for, in the order asked.
func (s *API) HandleStatuses(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	if err != nil {
		return err
	}
	ids := idsParam(p)
	if len(ids) > store.MaxLimit {
		ids = ids[:store.MaxLimit]
	}
	visible, err := s.DB.VisiblePosts(r.Context(), s.ViewerID(r), ids)
	if err != nil {
		return err
	}
	found, err := s.DB.PostsByIDs(r.Context(), ids)
	if err != nil {
		return err
	}
	byID := map[int64]store.Post{}
	for _, p := range found {
		byID[p.ID] = p
	}
	var posts []store.Post
	for _, id := range ids {
		if p, ok := byID[id]; ok && visible[id] {
			posts = append(posts, p)
			delete(byID, id)
		}
	}
	out, err := s.renderStatuses(r.Context(), posts)
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}

// readStatusRequest reads a new status's parameters, filling what was not
// sent from the owner's posting defaults.
func (s *API) readStatusRequest(ctx context.Context, p core.APIParams) (federation.StatusRequest, error) {
	d, err := s.PostingDefaults(ctx)
	if err != nil {
		return federation.StatusRequest{}, err
	}
	req := federation.StatusRequest{Text: p.String("status"), MediaIDs: p.List("media_ids"), SpoilerText: p.String("spoiler_text"),
		Visibility: p.String("visibility"), Sensitive: p.Bool("sensitive", d.Sensitive && len(p.List("media_ids")) > 0)}
	if req.ContentType, err = contentTypeParam(p, store.TextPlain); err != nil {
		return federation.StatusRequest{}, err
	}
	if req.Visibility == "" {
		req.Visibility = d.Privacy
	}
	if lang := cmp.Or(p.String("language"), d.Language); lang != "" {
		req.Language = &lang
	}
	if id := p.String("in_reply_to_id"); id != "" {
		req.InReplyToID = &id
	}
	// Note: Fedibird, Pleroma and Akkoma name it quote_id, and clients
	// written for them (Mastodon.py's "fedibird" feature set) send that.
	if id := cmp.Or(p.String("quoted_status_id"), p.String("quote_id")); id != "" {
		req.QuotedStatusID = &id
	}
	req.QuotePolicy = p.String("quote_approval_policy")
	if req.QuotePolicy != "" && !federation.ValidQuotePolicy(req.QuotePolicy) {
		return federation.StatusRequest{}, core.Refuse(http.StatusUnprocessableEntity, "Validation failed: quote_approval_policy must be public, followers or nobody")
	}
	if opts := p.List("poll[options]"); len(opts) > 0 {
		req.Poll = &federation.StatusRequestPoll{Options: opts, ExpiresIn: p.Int("poll[expires_in]", 86400),
			Multiple: p.Bool("poll[multiple]", false), HideTotal: p.Bool("poll[hide_totals]", false)}
	}
	if req.Poll != nil && len(req.MediaIDs) > 0 {
		return federation.StatusRequest{}, core.Refuse(http.StatusUnprocessableEntity, "Validation failed: a post cannot have both media and a poll")
	}
	if len(req.MediaIDs) > core.StatusMediaMax {
		return federation.StatusRequest{}, core.Refuse(http.StatusUnprocessableEntity, "Validation failed: a post has at most 4 media attachments")
	}
	return req, nil
}

// contentTypeParam reads content_type, the format of status: plain text
// (Mastodon's semantics) or Markdown, def when it is not sent.
// Note: Akkoma, Pleroma and glitch-soc take content_type on
// POST /api/v1/statuses and PUT /api/v1/statuses/:id; Mastodon has none
// and treats status as plain text.
func contentTypeParam(p core.APIParams, def string) (string, error) {
	switch v := strings.ToLower(strings.TrimSpace(p.String("content_type"))); v {
	case "":
		return def, nil
	case store.TextPlain, store.TextMarkdown:
		return v, nil
	default:
		return "", core.Refuse(http.StatusUnprocessableEntity, "Validation failed: content_type must be text/plain or text/markdown")
	}
}

// HandleCreateStatus answers POST /api/v1/statuses.
func (s *API) HandleCreateStatus(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, err := core.Params(r)
	if err != nil {
		return err
	}
	req, err := s.readStatusRequest(ctx, p)
	if err != nil {
		return err
	}
	if p.String("scheduled_at") != "" {
		return s.scheduleStatus(w, r, req, p.String("scheduled_at"))
	}
	key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if key != "" {
		var id int64
		err := s.DB.InTx(ctx, func(tx *store.Tx) error {
			var err error
			id, err = tx.PostForIdempotencyKey(ctx, key, s.Opts.Now().Add(-core.IdempotencyWindow))
			return err
		})
		if err == nil {
			if post, err := s.DB.PostByID(ctx, id); err == nil {
				return s.writeStatus(w, r, post)
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	np, err := s.Fed.NewPostFromRequest(ctx, req)
	if err != nil {
		return err
	}
	post, err := s.Fed.Post(ctx, np)
	if err != nil {
		return err
	}
	if key != "" {
		if err := s.DB.InTx(ctx, func(tx *store.Tx) error { return tx.PutIdempotencyKey(ctx, key, post.ID) }); err != nil {
			s.Logger.Warn("store idempotency key failed", "err", err)
		}
	}
	return s.writeStatus(w, r, post)
}

// apiScheduledStatus is Mastodon's ScheduledStatus entity.
type apiScheduledStatus struct {
	ID               string               `json:"id"`
	ScheduledAt      string               `json:"scheduled_at"`
	Params           json.RawMessage      `json:"params"`
	MediaAttachments []apiMediaAttachment `json:"media_attachments"`
}

// scheduleStatus stores a post to publish later and answers the
// ScheduledStatus. Publishing due posts is federation's job.
func (s *API) scheduleStatus(w http.ResponseWriter, r *http.Request, req federation.StatusRequest, at string) error {
	ctx := r.Context()
	when, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return core.Refuse(http.StatusUnprocessableEntity, "Validation failed: scheduled_at must be a time such as 2026-12-01T09:00:00Z")
	}
	if when.Before(s.Opts.Now().Add(core.MinScheduleAhead)) {
		// Note: Mastodon's message, word for word.
		return core.Refuse(http.StatusUnprocessableEntity, "Validation failed: Scheduled at the specified time must be at least 5 minutes in the future")
	}
	media, err := s.Fed.Uploads(ctx, req.MediaIDs, 0)
	if err != nil {
		return err
	}
	if req.MediaIDs == nil {
		req.MediaIDs = []string{}
	}
	params, _ := json.Marshal(req)
	sched := store.ScheduledStatus{ScheduledAt: when.UTC(), Params: params}
	for _, a := range media {
		sched.MediaIDs = append(sched.MediaIDs, a.ID)
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		sched.ID, err = tx.CreateScheduledStatus(ctx, sched)
		return err
	})
	if err != nil {
		return err
	}
	out := apiScheduledStatus{ID: core.APIID(sched.ID), ScheduledAt: core.APITime(when), Params: params, MediaAttachments: []apiMediaAttachment{}}
	for _, a := range media {
		out.MediaAttachments = append(out.MediaAttachments, s.apiMediaOf(a, true))
	}
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}

// HandleDeleteStatus answers DELETE /api/v1/statuses/:id with the deleted
// post and its source text, so apps can offer to redraft it.
func (s *API) HandleDeleteStatus(w http.ResponseWriter, r *http.Request) error {
	p, err := s.ownPostByPath(r)
	if err != nil {
		return err
	}
	out, err := s.renderStatus(r.Context(), p)
	if err != nil {
		return err
	}
	if _, err := s.Fed.Delete(r.Context(), p.ID); err != nil {
		return err
	}
	text := p.Source
	out.Text = &text
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}

// HandleStatusContext answers GET /api/v1/statuses/:id/context. For the
// owner it first asks a remote post's server for replies kith lacks, for
// a short while, and queues a crawl of the whole thread; whatever arrives
// later shows next time.
func (s *API) HandleStatusContext(w http.ResponseWriter, r *http.Request) error {
	p, err := s.postByPath(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if s.ViewerID(r) != 0 {
		fctx, cancel := context.WithTimeout(ctx, core.ContextFetchTimeout)
		if _, err := s.Fed.FetchReplies(fctx, p.ID); err != nil {
			s.Logger.Debug("fetch replies failed", "post", p.ID, "err", err)
		}
		cancel()
	}
	viewer := s.ViewerID(r)
	ancestors, err := s.DB.Ancestors(ctx, viewer, p.ID, core.ContextAncestors)
	if err != nil {
		return err
	}
	descendants, err := s.DB.Descendants(ctx, viewer, p.URI, core.ContextDescendants)
	if err != nil {
		return err
	}
	rendered, err := s.renderStatuses(ctx, slices.Concat(ancestors, descendants))
	if err != nil {
		return err
	}
	n := min(len(ancestors), len(rendered))
	core.WriteAPI(w, http.StatusOK, map[string][]APIStatus{"ancestors": rendered[:n], "descendants": rendered[n:]})
	return nil
}

package api

import (
	"cmp"
	"net/http"
	"strings"
	"time"

	"kith/federation"
	"kith/server/core"
	"kith/store"
)

// HandleEditStatus answers PUT /api/v1/statuses/:id. What is not sent
// stays as it was, the format of the text (content_type) among it.
func (s *API) HandleEditStatus(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	old, err := s.ownPostByPath(r)
	if err != nil {
		return err
	}
	p, err := core.Params(r)
	if err != nil {
		return err
	}
	np := federation.NewPost{Text: old.Source, Summary: old.Summary, Sensitive: old.Sensitive, Language: old.Language,
		Attachments: old.Attachments}
	if p.Has("status") {
		np.Text = p.String("status")
	}
	if np.SourceType, err = contentTypeParam(p, ""); err != nil {
		return err
	}
	if p.Has("spoiler_text") {
		np.Summary = p.String("spoiler_text")
	}
	if p.Has("sensitive") {
		np.Sensitive = p.Bool("sensitive", false)
	}
	if p.Has("language") {
		np.Language = p.String("language")
	}
	if p.Has("media_ids[]") || p.Has("media_ids") {
		ids := p.List("media_ids")
		if len(ids) > core.StatusMediaMax {
			return core.Refuse(http.StatusUnprocessableEntity, "Validation failed: a post has at most 4 media attachments")
		}
		if np.Attachments, err = s.Fed.Uploads(ctx, ids, old.ID); err != nil {
			return err
		}
	}
	if opts := p.List("poll[options]"); len(opts) > 0 && !samePollOptions(old.Poll, opts) {
		return core.Refuse(http.StatusUnprocessableEntity, "Validation failed: kith cannot change a poll's options; delete and redraft the post instead")
	}
	edited, err := s.Fed.Edit(ctx, old.ID, np)
	if err != nil {
		return err
	}
	return s.writeStatus(w, r, edited)
}

func samePollOptions(poll *store.Poll, opts []string) bool {
	if poll == nil || len(poll.Options) != len(opts) {
		return false
	}
	for i, o := range poll.Options {
		if o.Title != strings.TrimSpace(opts[i]) {
			return false
		}
	}
	return true
}

// apiStatusEdit is Mastodon's StatusEdit entity: one version of a post.
type apiStatusEdit struct {
	Content          string               `json:"content"`
	SpoilerText      string               `json:"spoiler_text"`
	Sensitive        bool                 `json:"sensitive"`
	CreatedAt        string               `json:"created_at"`
	Account          apiAccount           `json:"account"`
	Poll             *apiEditPoll         `json:"poll"`
	MediaAttachments []apiMediaAttachment `json:"media_attachments"`
	Emojis           []apiEmoji           `json:"emojis"`
}

type apiEditPoll struct {
	Options []apiEditPollOption `json:"options"`
}

type apiEditPollOption struct {
	Title string `json:"title"`
}

// HandleStatusHistory answers GET /api/v1/statuses/:id/history: every
// version, oldest first, the current one last. kith keeps the text of
// earlier versions, not their media or poll, so every version shows the
// current ones.
func (s *API) HandleStatusHistory(w http.ResponseWriter, r *http.Request) error {
	p, err := s.postByPath(r)
	if err != nil {
		return err
	}
	edits, err := s.DB.PostEdits(r.Context(), p.ID)
	if err != nil {
		return err
	}
	cur, err := s.renderStatus(r.Context(), p)
	if err != nil {
		return err
	}
	if cur.Reblog != nil {
		return store.ErrNotFound
	}
	current := p
	current.EditedAt = firstTime(p.EditedAt, p.PublishedAt)
	out := []apiStatusEdit{}
	for _, v := range append(edits, current) {
		e := apiStatusEdit{Content: v.Content, SpoilerText: v.Summary, Sensitive: v.Sensitive, CreatedAt: core.APITime(v.EditedAt),
			Account: cur.Account, MediaAttachments: cur.MediaAttachments, Emojis: cur.Emojis}
		if p.Poll != nil {
			e.Poll = &apiEditPoll{Options: []apiEditPollOption{}}
			for _, o := range p.Poll.Options {
				e.Poll.Options = append(e.Poll.Options, apiEditPollOption{Title: o.Title})
			}
		}
		out = append(out, e)
	}
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}

func firstTime(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

// HandleStatusSource answers GET /api/v1/statuses/:id/source: the text as
// typed, for editing, and the format it was typed in. A post kith has no
// source of (another's) gives its text.
// Note: glitch-soc and Akkoma add content_type to Mastodon's StatusSource.
func (s *API) HandleStatusSource(w http.ResponseWriter, r *http.Request) error {
	p, err := s.postByPath(r)
	if err != nil {
		return err
	}
	text, contentType := p.Source, p.SourceType
	if text == "" {
		text = core.PlainText(p.Content)
	}
	core.WriteAPI(w, http.StatusOK, map[string]string{"id": core.APIID(p.ID), "text": text, "spoiler_text": p.Summary,
		"content_type": cmp.Or(contentType, store.TextPlain)})
	return nil
}

package web

import (
	"cmp"
	"context"
	"errors"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"kith/federation"
	"kith/server/core"
	"kith/store"
)

// ComposeSlots is how many images a post may carry, each with its own
// file input, alt text and focal point.
const ComposeSlots = core.StatusMediaMax

// composePollOptions is how many poll option inputs the form offers.
const composePollOptions = 4

// ComposeForm is what the form holds, filled from a post, a request or
// the defaults.
type ComposeForm struct {
	Text        string
	SourceType  string // store.TextMarkdown, or store.TextPlain for a plain-text post being edited
	Summary     string
	Sensitive   bool
	Visibility  string
	Language    string
	InReplyTo   int64 // the post replied to, 0 for none
	Edit        int64 // the post being edited, 0 for a new one
	Media       []mediaSlot
	Poll        []string // composePollOptions entries, blank ones unused
	Multiple    bool
	ExpiresIn   int    // seconds
	PollLocked  bool   // an edited post's poll cannot change
	Quote       int64  // the post quoted, 0 for none
	QuotePolicy string // who may quote the post: public, followers or nobody
}

// mediaSlot is one image of the form: an upload already stored (ID set)
// or an empty file input.
type mediaSlot struct {
	Index  int
	Number int // Index+1, for people
	ID     int64
	URL    string
	Alt    string
	Focus  string // "x,y", Mastodon's focal point
	Kind   string // image, video or audio: how the form shows a kept file
}

// choice is one option of a select.
type choice struct {
	Value, Label string
}

type ComposePage struct {
	Site    core.Site
	Form    ComposeForm
	Parent  []StatusView // the post replied to, when there is one
	Quoted  []StatusView // the post quoted, when there is one
	Preview template.HTML
	Error   string
}

// Visibilities are the choices of the visibility select.
func (ComposePage) Visibilities() []choice {
	return []choice{{store.Public, "Public"}, {store.Unlisted, "Unlisted (not in public timelines)"},
		{store.Private, "Followers only"}, {store.Direct, "Mentioned people only"}}
}

// QuotePolicies are the choices of who may quote the post.
func (ComposePage) QuotePolicies() []choice {
	return []choice{{store.QuotePublic, "Anyone"}, {store.QuoteFollowers, "Followers only"}, {store.QuoteNobody, "Only me"}}
}

// Expiries are the poll durations offered.
func (ComposePage) Expiries() []choice {
	return []choice{{"300", "5 minutes"}, {"1800", "30 minutes"}, {"3600", "1 hour"}, {"21600", "6 hours"},
		{"86400", "1 day"}, {"259200", "3 days"}, {"604800", "7 days"}}
}

// Languages are the languages offered, the form's own first if it is not
// among them.
func (p ComposePage) Languages() []choice {
	codes := []string{"en", "de", "fr", "es", "it", "nl", "pt", "sv", "da", "nb", "fi", "pl", "cs", "uk", "ru", "tr", "ar", "he", "ja", "zh", "ko"}
	out := []choice{{"", "Not set"}}
	if l := p.Form.Language; l != "" && !slices.Contains(codes, l) {
		out = append(out, choice{l, l})
	}
	for _, c := range codes {
		out = append(out, choice{c, c})
	}
	return out
}

// pollInput is one poll option input.
type pollInput struct {
	Index, Number int
	Value         string
}

// PollInputs are the poll option inputs, numbered.
func (p ComposePage) PollInputs() []pollInput {
	out := make([]pollInput, len(p.Form.Poll))
	for i, o := range p.Form.Poll {
		out[i] = pollInput{Index: i, Number: i + 1, Value: o}
	}
	return out
}

// Editing says whether the form edits a post, whose visibility and
// reply cannot change.
func (p ComposePage) Editing() bool { return p.Form.Edit != 0 }

// PlainText says whether the text is plain text: a post written from an
// app keeps its format when edited here.
func (p ComposePage) PlainText() bool { return p.Form.SourceType == store.TextPlain }

// HandleComposeForm shows the compose form, for a new post, a reply or an
// edit.
func (s *Web) HandleComposeForm(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	var f ComposeForm
	var err error
	switch {
	case q.Get("edit") != "":
		f, err = s.editForm(ctx, q.Get("edit"))
	default:
		f, err = s.newForm(ctx, q.Get("in_reply_to"))
	}
	if err != nil {
		return err
	}
	if id := q.Get("quote"); id != "" && f.Edit == 0 {
		quoted, err := s.ownerPost(ctx, id)
		if err != nil {
			return err
		}
		f.Quote = quoted.ID
	}
	return s.renderCompose(w, r, http.StatusOK, ComposePage{Form: f})
}

// newForm is the form for a new post or a reply, with the owner's
// defaults; a reply starts with the handles of those in the thread and
// is no more visible than its parent.
func (s *Web) newForm(ctx context.Context, inReplyTo string) (ComposeForm, error) {
	d, err := s.PostingDefaults(ctx)
	if err != nil {
		return ComposeForm{}, err
	}
	f := ComposeForm{SourceType: store.TextMarkdown, Visibility: d.Privacy, Language: d.Language, Sensitive: d.Sensitive, ExpiresIn: 86400}
	if f.QuotePolicy, err = s.Fed.DefaultQuotePolicy(ctx); err != nil {
		return ComposeForm{}, err
	}
	if inReplyTo == "" {
		return f.WithSlots(), nil
	}
	parent, err := s.ownerPost(ctx, inReplyTo)
	if err != nil {
		return ComposeForm{}, err
	}
	f.InReplyTo, f.Summary = parent.ID, parent.Summary
	if visibilityRank(parent.Visibility) > visibilityRank(f.Visibility) {
		f.Visibility = parent.Visibility
	}
	f.Text, err = s.replyHandles(ctx, parent)
	return f.WithSlots(), err
}

// visibilityRank orders visibilities from the widest audience.
func visibilityRank(v string) int {
	return slices.Index([]string{store.Public, store.Unlisted, store.Private, store.Direct}, v)
}

// replyHandles is the start of a reply: "@author @mentioned " without the
// owner, as Mastodon's composer writes it.
func (s *Web) replyHandles(ctx context.Context, parent store.Post) (string, error) {
	author, err := s.DB.ActorByID(ctx, parent.AuthorID)
	if err != nil {
		return "", err
	}
	var handles []string
	add := func(h string) {
		if h != "" && !slices.Contains(handles, h) {
			handles = append(handles, h)
		}
	}
	if !author.Local {
		add("@" + author.Username + "@" + author.Domain)
	}
	self := "@" + s.Config().Owner.Username + "@" + s.Config().Domain()
	for _, m := range parent.Mentions {
		if !strings.EqualFold(m.Name, self) && strings.Count(m.Name, "@") == 2 {
			add(m.Name)
		}
	}
	if len(handles) == 0 {
		return "", nil
	}
	return strings.Join(handles, " ") + " ", nil
}

// editForm is the form for one of the owner's posts, as written.
func (s *Web) editForm(ctx context.Context, id string) (ComposeForm, error) {
	p, err := s.ownerPost(ctx, id)
	if err != nil {
		return ComposeForm{}, err
	}
	if p.AuthorID != s.DB.OwnerID() || p.ReblogOfID != 0 {
		return ComposeForm{}, store.ErrNotFound
	}
	f := ComposeForm{Text: cmp.Or(p.Source, core.PlainText(p.Content)), SourceType: cmp.Or(p.SourceType, store.TextMarkdown),
		Summary: p.Summary, Sensitive: p.Sensitive, Visibility: p.Visibility, Language: p.Language, InReplyTo: p.InReplyToID, Edit: p.ID, ExpiresIn: 86400,
		QuotePolicy: federation.QuotePolicyOf(p)}
	for i, a := range p.Attachments {
		f.Media = append(f.Media, mediaSlot{Index: i, ID: a.ID, URL: a.URL, Alt: a.Description, Focus: focusString(a.FocusX, a.FocusY), Kind: mediaKind(a.MediaType)})
	}
	if p.Poll != nil {
		f.PollLocked, f.Multiple = true, p.Poll.Multiple
		for _, o := range p.Poll.Options {
			f.Poll = append(f.Poll, o.Title)
		}
	}
	return f.WithSlots(), nil
}

// WithSlots pads the media and poll inputs to their full number.
func (f ComposeForm) WithSlots() ComposeForm {
	for i := len(f.Media); i < ComposeSlots; i++ {
		f.Media = append(f.Media, mediaSlot{Index: i})
	}
	for i := range f.Media {
		f.Media[i].Number = i + 1
	}
	for len(f.Poll) < composePollOptions {
		f.Poll = append(f.Poll, "")
	}
	return f
}

func focusString(x, y float64) string {
	if x == 0 && y == 0 {
		return ""
	}
	return strconv.FormatFloat(x, 'f', -1, 64) + "," + strconv.FormatFloat(y, 'f', -1, 64)
}

// ownerPost loads a post the owner may see, by its id as text.
func (s *Web) ownerPost(ctx context.Context, id string) (store.Post, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return store.Post{}, store.ErrNotFound
	}
	visible, err := s.DB.VisiblePosts(ctx, s.DB.OwnerID(), []int64{n})
	if err != nil {
		return store.Post{}, err
	}
	if !visible[n] {
		return store.Post{}, store.ErrNotFound
	}
	return s.DB.PostByID(ctx, n)
}

// renderCompose renders the form, with the post replied to.
func (s *Web) renderCompose(w http.ResponseWriter, r *http.Request, status int, view ComposePage) error {
	view.Site = s.Site(r)
	if view.Form.InReplyTo != 0 {
		if parent, err := s.DB.PostByID(r.Context(), view.Form.InReplyTo); err == nil {
			views, err := s.statusViews(r.Context(), []store.Post{parent})
			if err != nil {
				return err
			}
			view.Parent = views
		}
	}
	if view.Form.Quote != 0 {
		if quoted, err := s.DB.PostByID(r.Context(), view.Form.Quote); err == nil {
			views, err := s.statusViews(r.Context(), []store.Post{quoted})
			if err != nil {
				return err
			}
			for i := range views {
				views[i].Preview = true
			}
			view.Quoted = views
		}
	}
	s.Render(w, r, status, "compose", view)
	return nil
}

// HandleCompose previews or publishes the form. Images sent with it are
// stored as uploads first, so a preview or a mistake keeps them.
func (s *Web) HandleCompose(slots core.UploadSlots) core.Failing {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := r.ParseMultipartForm(core.MaxMultipartMemory); err != nil && !errors.Is(err, http.ErrNotMultipart) {
			return core.Refuse(http.StatusBadRequest, "The form could not be read.")
		}
		if err := core.CheckCSRF(r); err != nil {
			return err
		}
		f, err := readComposeForm(r)
		if err != nil {
			return err
		}
		if err := s.fillDefaults(r, &f); err != nil {
			return err
		}
		if f.Media, err = s.composeMedia(r, f.Edit, slots); err != nil {
			return s.composeFailed(w, r, f, err)
		}
		if r.PostFormValue("action") == "preview" {
			preview, err := s.Fed.Preview(r.Context(), f.Text, f.SourceType)
			if err != nil {
				return s.composeFailed(w, r, f, err)
			}
			return s.renderCompose(w, r, http.StatusOK, ComposePage{Form: f.WithSlots(), Preview: core.TrustedHTML(preview)})
		}
		target, err := s.publish(r, f)
		if err != nil {
			return s.composeFailed(w, r, f, err)
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return nil
	}
}

// composeFailed shows the form again with what went wrong; a failure
// that is not the owner's to fix becomes an error page, except a 503
// (media storage away for a while): the form keeps what was typed, to
// send again.
func (s *Web) composeFailed(w http.ResponseWriter, r *http.Request, f ComposeForm, err error) error {
	status, msg := core.StatusOf(err)
	if (status >= 500 && status != http.StatusServiceUnavailable) || status == http.StatusNotFound || status == http.StatusForbidden {
		return err
	}
	return s.renderCompose(w, r, status, ComposePage{Form: f.WithSlots(), Error: msg})
}

// fillDefaults fills what a form did not send: the visibility and
// language (the short form on the home page sends neither) from the
// owner's posting defaults, and the format of the text: Markdown for a new
// post, the post's own for an edit.
func (s *Web) fillDefaults(r *http.Request, f *ComposeForm) error {
	if f.SourceType == "" {
		f.SourceType = store.TextMarkdown
		if f.Edit != 0 {
			if p, err := s.DB.PostByID(r.Context(), f.Edit); err == nil && p.SourceType != "" {
				f.SourceType = p.SourceType
			}
		}
	}
	_, hasVis := r.PostForm["visibility"]
	_, hasLang := r.PostForm["language"]
	if hasVis && hasLang {
		return nil
	}
	d, err := s.PostingDefaults(r.Context())
	if err != nil {
		return err
	}
	if !hasVis {
		f.Visibility = d.Privacy
	}
	if !hasLang {
		f.Language = d.Language
	}
	return nil
}

// readComposeForm reads the text fields of a posted form. The format of
// the text is the form's hidden content_type: Markdown, or plain text for
// the edit of a post written from an app.
func readComposeForm(r *http.Request) (ComposeForm, error) {
	id := func(name string) int64 {
		n, _ := strconv.ParseInt(r.PostFormValue(name), 10, 64)
		return n
	}
	f := ComposeForm{
		Text: r.PostFormValue("status"), Summary: strings.TrimSpace(r.PostFormValue("spoiler_text")),
		Sensitive: r.PostFormValue("sensitive") != "", Visibility: r.PostFormValue("visibility"),
		Language: strings.TrimSpace(r.PostFormValue("language")), InReplyTo: id("in_reply_to"), Edit: id("edit"),
		Multiple: r.PostFormValue("poll_multiple") != "", PollLocked: r.PostFormValue("poll_locked") != "",
		Quote: id("quoted_status_id"), QuotePolicy: r.PostFormValue("quote_approval_policy"),
	}
	if f.QuotePolicy != "" && !federation.ValidQuotePolicy(f.QuotePolicy) {
		return ComposeForm{}, core.Refuse(http.StatusBadRequest, "The form could not be read.")
	}
	switch f.SourceType = r.PostFormValue("content_type"); f.SourceType {
	case "", store.TextMarkdown, store.TextPlain:
	default:
		return ComposeForm{}, core.Refuse(http.StatusBadRequest, "The form could not be read.")
	}
	f.ExpiresIn, _ = strconv.Atoi(r.PostFormValue("poll_expires_in"))
	for _, o := range r.PostForm["poll_option"] {
		if len(f.Poll) < composePollOptions {
			f.Poll = append(f.Poll, o)
		}
	}
	return f, nil
}

// pollOptions are the poll options written, blanks dropped.
func (f ComposeForm) pollOptions() []string {
	var out []string
	for _, o := range f.Poll {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// publish posts the form, or saves the edit, through federation and
// returns where to go next: the thread for a reply or an edit, else home.
func (s *Web) publish(r *http.Request, f ComposeForm) (string, error) {
	ctx := r.Context()
	if f.Edit != 0 {
		return s.saveEdit(ctx, f)
	}
	req := f.statusRequest()
	if req.Poll != nil && len(req.MediaIDs) > 0 {
		return "", core.Refuse(http.StatusUnprocessableEntity, "A post cannot have both images and a poll.")
	}
	np, err := s.Fed.NewPostFromRequest(ctx, req)
	if err != nil {
		return "", err
	}
	p, err := s.Fed.Post(ctx, np)
	if err != nil {
		return "", err
	}
	if f.InReplyTo != 0 {
		return threadPath(f.InReplyTo) + postAnchor(p.ID), nil
	}
	return "/home", nil
}

// statusRequest is the new post the form asks for.
func (f ComposeForm) statusRequest() federation.StatusRequest {
	req := federation.StatusRequest{Text: f.Text, ContentType: f.SourceType, SpoilerText: f.Summary, Sensitive: f.Sensitive,
		Visibility: f.Visibility, Language: &f.Language, MediaIDs: f.mediaIDs()}
	if f.InReplyTo != 0 {
		id := strconv.FormatInt(f.InReplyTo, 10)
		req.InReplyToID = &id
	}
	if opts := f.pollOptions(); len(opts) > 0 {
		req.Poll = &federation.StatusRequestPoll{Options: opts, Multiple: f.Multiple, ExpiresIn: int64(f.ExpiresIn)}
	}
	if f.Quote != 0 {
		id := strconv.FormatInt(f.Quote, 10)
		req.QuotedStatusID = &id
	}
	req.QuotePolicy = f.QuotePolicy
	return req
}

// mediaIDs are the ids of the form's stored uploads.
func (f ComposeForm) mediaIDs() []string {
	var ids []string
	for _, m := range f.Media {
		if m.ID != 0 {
			ids = append(ids, strconv.FormatInt(m.ID, 10))
		}
	}
	return ids
}

// saveEdit saves the form as the new version of the post it edits, whose
// visibility, reply and poll stay as they were.
func (s *Web) saveEdit(ctx context.Context, f ComposeForm) (string, error) {
	np := federation.NewPost{Text: f.Text, SourceType: f.SourceType, Summary: f.Summary, Sensitive: f.Sensitive,
		Visibility: f.Visibility, Language: f.Language}
	var err error
	if np.Attachments, err = s.Fed.Uploads(ctx, f.mediaIDs(), f.Edit); err != nil {
		return "", err
	}
	p, err := s.Fed.Edit(ctx, f.Edit, np)
	if err != nil {
		return "", err
	}
	return threadPath(p.ID), nil
}

// threadPath is the owner's view of a post's thread.
func threadPath(id int64) string { return "/thread/" + strconv.FormatInt(id, 10) }

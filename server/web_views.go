package server

import (
	"context"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"kith/store"
)

// Views shared by every HTML page: one post (statusView, rendered by the
// "status" partial) and one account (accountView, rendered by the
// "account" partial). They are built from store rows in a fixed number of
// batch queries per page, never one query per row per field.

// accountView is one account as the web pages show it.
type accountView struct {
	ID          int64
	Local       bool
	Username    string
	Domain      string
	Handle      string // user@domain, without the leading @
	DisplayName string // the username when the account has no display name
	// ProfileURL is where a visitor sees the account: /@user for the
	// owner, the account's own page for a remote one.
	ProfileURL string
	// OwnerURL is the signed-in owner's view of the account (/accounts/ID).
	OwnerURL  string
	AvatarURL string // a default picture when the account has none
	HeaderURL string // empty when the account has none
	Bio       template.HTML
	Fields    []fieldView
	Locked    bool
	Bot       bool
	MovedTo   string // URI of the account it moved to, empty if none
	// Counts are filled only by accountViews (profile pages and lists).
	Statuses  int
	Followers int
	Following int
	// SignedIn and CSRFToken let the "account" partial show the owner's
	// buttons; Relationship is filled by pages that show them.
	SignedIn     bool
	CSRFToken    string
	ShowActions  bool
	Relationship store.Relationship
	ReturnTo     string // the local URL the buttons come back to
}

// fieldView is one profile field. Link is set when the value is a bare
// URL, so pages can link it with rel="me" for verification.
type fieldView struct {
	Name  string // plain text
	Value template.HTML
	Link  string
}

// statusView is one post as the web pages show it. For a boost it
// describes the boosted post, with BoostedBy and BoostID set.
type statusView struct {
	ID           int64 // the shown post's id (the boosted post for a boost)
	BoostID      int64 // the boost's own id, 0 when this is not a boost
	BoostedBy    *accountView
	Author       accountView
	URI          string
	URL          string // the public permalink (local) or the post's page on its server
	ThreadURL    string // the owner's thread view, /thread/ID
	Local        bool
	Visibility   string
	InReplyToID  int64
	InReplyToURI string
	Summary      string // the content warning, plain text
	Content      template.HTML
	Sensitive    bool
	Language     string
	PublishedAt  time.Time
	EditedAt     time.Time
	Attachments  []attachmentView
	Poll         *pollView
	Tags         []string
	Replies      int
	Reblogs      int
	Favourites   int
	// Viewer state: set only when the owner is signed in.
	SignedIn   bool
	CSRFToken  string
	Favourited bool
	Reblogged  bool
	Bookmarked bool
	Pinned     bool
	// Precomputed for the partial, which renders many posts per page:
	// links as the reader should follow them, times as text, and the
	// visibility's label (empty for public posts).
	AuthorHref      string
	Href            string
	PublishedISO    string
	Published       string
	Edited          bool
	VisibilityLabel string
	// DOMID is the article's id, the anchor actions come back to: a
	// boost's is its own post id, so a boost and the post it boosts
	// can share a page. ActionURL is where the owner's buttons post:
	// the boost (which stands for its post) or the post.
	DOMID     string
	ActionURL string
	Pinnable  bool // the owner's public or unlisted post
	// ReturnTo is the local URL the status action forms come back to.
	ReturnTo string
	// Role is the post's place in a thread view (ancestor, focus or
	// descendant), added to its class; empty elsewhere.
	Role string
	// Preview shows the post without its buttons (the page that asks
	// before deleting it).
	Preview bool
}

// withRole sets the thread role of views.
func withRole(views []statusView, role string) []statusView {
	for i := range views {
		views[i].Role = role
	}
	return views
}

// attachmentView is one media file of a post.
type attachmentView struct {
	URL         string
	MediaType   string
	Description string
	Width       int
	Height      int
	FocusX      float64
	FocusY      float64
	Kind        string // image, video, audio or unknown
}

// pollView is a post's poll with its results.
type pollView struct {
	Multiple    bool
	ExpiresAt   time.Time // zero when it never expires
	Closed      bool
	VotersCount int
	Voted       bool // the owner has voted
	Options     []pollOptionView
}

// pollOptionView is one poll choice with its share of the votes.
type pollOptionView struct {
	Index   int
	Title   string
	Votes   int
	Percent int // 0–100, of voters (multiple choice) or of votes
	Own     bool
}

// defaultAvatar is shown for accounts without a picture.
const defaultAvatar = "/static/avatar.png"

// accountViewOf builds the view of one actor, without counts.
func (s *Server) accountViewOf(ctx context.Context, a store.Actor) accountView {
	v := accountView{
		ID: a.ID, Local: a.Local, Username: a.Username, Domain: a.Domain, Handle: a.Handle(),
		DisplayName: a.DisplayName, AvatarURL: s.mediaURL(a.AvatarURL), HeaderURL: s.mediaURL(a.HeaderURL),
		Bio: trustedHTML(a.Summary), Locked: a.Locked, Bot: a.Bot, MovedTo: a.MovedTo,
		OwnerURL: "/accounts/" + strconv.FormatInt(a.ID, 10),
	}
	if v.DisplayName == "" {
		v.DisplayName = a.Username
	}
	if v.AvatarURL == "" {
		v.AvatarURL = defaultAvatar
	}
	switch {
	case a.Local:
		v.ProfileURL = "/@" + a.Username
	case a.URL != "":
		v.ProfileURL = a.URL
	default:
		v.ProfileURL = a.URI
	}
	for _, f := range a.Fields {
		v.Fields = append(v.Fields, fieldViewOf(f))
	}
	if sess := sessionFromContext(ctx); sess != nil {
		v.SignedIn, v.CSRFToken = true, sess.CSRFToken
	}
	return v
}

// fieldViewOf marks a field whose value is just an http(s) URL as a link.
// Field names are plain text; values are sanitized HTML (the owner's are
// escaped text).
func fieldViewOf(f store.Field) fieldView {
	fv := fieldView{Name: f.Name, Value: trustedHTML(f.Value)}
	text := strings.TrimSpace(html.UnescapeString(f.Value))
	if u, err := url.Parse(text); err == nil && !strings.ContainsAny(text, " <>\"") &&
		(u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		fv.Link = text
	}
	return fv
}

// accountViews builds the views of many actors with their counts.
func (s *Server) accountViews(ctx context.Context, actors []store.Actor) ([]accountView, error) {
	ids := make([]int64, len(actors))
	for i, a := range actors {
		ids[i] = a.ID
	}
	stats, err := s.db.AccountStats(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]accountView, len(actors))
	for i, a := range actors {
		st := stats[a.ID]
		out[i] = s.accountViewOf(ctx, a)
		out[i].Statuses, out[i].Followers, out[i].Following = st.Statuses, st.Followers, st.Following
	}
	return out, nil
}

// statusViewsFor builds the views of posts for the page r, whose URL the
// action forms return to.
func (s *Server) statusViewsFor(r *http.Request, posts []store.Post) ([]statusView, error) {
	views, err := s.statusViews(r.Context(), posts)
	back := r.URL.RequestURI()
	for i := range views {
		views[i].ReturnTo = back
	}
	return views, err
}

// repeatedDOMID gives v a distinct article id when seen already holds
// its id: a pinned post also in the profile's list, or a post several
// notifications are about. The first keeps status-ID, which actions come
// back to; later ones add suffix.
func repeatedDOMID(seen map[string]bool, v *statusView, suffix string) {
	if seen[v.DOMID] {
		v.DOMID += "-" + suffix
	}
	seen[v.DOMID] = true
}

// statusViews builds the views of posts (boosts shown as the post they
// boost, with who boosted it). Boosts of posts no longer stored are
// dropped. The owner's marks (favourited, boosted, bookmarked, pinned) are
// filled only when the request's context holds the owner's session.
func (s *Server) statusViews(ctx context.Context, posts []store.Post) ([]statusView, error) {
	targets, err := s.boostTargets(ctx, posts)
	if err != nil {
		return nil, err
	}
	// Visitors never see followers-only or direct posts, whichever page
	// asked: a boost's target is checked here too.
	signedIn := sessionFromContext(ctx) != nil
	var kept, shown []store.Post
	for _, p := range posts {
		if p.ReblogOfID != 0 {
			t, ok := targets[p.ReblogOfID]
			if !ok {
				continue // the boosted post is gone
			}
			p, t = t, p // show the boosted post; remember the boost
			if !signedIn && !publicVisibility(p.Visibility) {
				continue
			}
			kept, shown = append(kept, t), append(shown, p)
			continue
		}
		if !signedIn && !publicVisibility(p.Visibility) {
			continue
		}
		kept, shown = append(kept, p), append(shown, p)
	}
	var boosters []int64
	for _, p := range kept {
		if p.ReblogOfID != 0 {
			boosters = append(boosters, p.AuthorID)
		}
	}
	b, err := s.newViewBatch(ctx, shown, boosters)
	if err != nil {
		return nil, err
	}
	out := make([]statusView, 0, len(shown))
	for i, p := range kept {
		v := b.status(shown[i])
		if p.ReblogOfID != 0 {
			by := b.authors[p.AuthorID]
			v.BoostedBy, v.BoostID = &by, p.ID
			v.DOMID, v.ActionURL = "status-"+strconv.FormatInt(p.ID, 10), "/statuses/"+strconv.FormatInt(p.ID, 10)
		}
		out = append(out, v)
	}
	return out, nil
}

// viewBatch holds what a page of posts needs beyond the posts.
type viewBatch struct {
	s         *Server
	now       time.Time
	signedIn  bool
	csrfToken string
	authors   map[int64]accountView
	stats     map[int64]store.PostStat
	votes     map[int64][]int
}

// newViewBatch loads what the views of posts need, with the accounts of
// posts' authors and of boosters in one query.
func (s *Server) newViewBatch(ctx context.Context, posts []store.Post, boosters []int64) (*viewBatch, error) {
	b := &viewBatch{s: s, now: s.opts.Now(), authors: map[int64]accountView{}}
	if sess := sessionFromContext(ctx); sess != nil {
		b.signedIn, b.csrfToken = true, sess.CSRFToken
	}
	var ids, pollIDs []int64
	authorIDs := boosters
	for _, p := range posts {
		ids = append(ids, p.ID)
		if p.Poll != nil {
			pollIDs = append(pollIDs, p.ID)
		}
		authorIDs = append(authorIDs, p.AuthorID)
	}
	if err := b.loadAuthors(ctx, authorIDs); err != nil {
		return nil, err
	}
	var err error
	if b.stats, err = s.db.PostStats(ctx, s.fed.LocalActorID(), ids); err != nil {
		return nil, err
	}
	b.votes = map[int64][]int{}
	if b.signedIn {
		if b.votes, err = s.db.PollVotesBy(ctx, s.fed.LocalActorID(), pollIDs); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// loadAuthors builds the views of the accounts ids (repeats allowed).
func (b *viewBatch) loadAuthors(ctx context.Context, ids []int64) error {
	slices.Sort(ids)
	ids = slices.Compact(ids)
	actors, err := b.s.db.ActorsByIDs(ctx, ids)
	if err != nil {
		return err
	}
	if len(actors) != len(ids) {
		return fmt.Errorf("authors of posts: %d of %d stored: %w", len(actors), len(ids), store.ErrNotFound)
	}
	for _, a := range actors {
		b.authors[a.ID] = b.s.accountViewOf(ctx, a)
	}
	return nil
}

func (b *viewBatch) status(p store.Post) statusView {
	st := b.stats[p.ID]
	v := statusView{
		ID: p.ID, Author: b.authors[p.AuthorID], URI: p.URI, URL: p.URL, Local: p.Local,
		ThreadURL:  "/thread/" + strconv.FormatInt(p.ID, 10),
		Visibility: p.Visibility, InReplyToID: p.InReplyToID, InReplyToURI: p.InReplyToURI,
		Summary: p.Summary, Content: trustedHTML(p.Content), Sensitive: p.Sensitive, Language: p.Language,
		PublishedAt: p.PublishedAt, EditedAt: p.EditedAt, Tags: p.Tags,
		Replies: st.Replies, Reblogs: st.Reblogs, Favourites: st.Favourites,
		SignedIn: b.signedIn, CSRFToken: b.csrfToken,
	}
	if p.Local {
		v.URL = "/@" + v.Author.Username + "/" + strconv.FormatInt(p.ID, 10)
	} else if v.URL == "" {
		v.URL = p.URI
	}
	v.AuthorHref, v.Href = v.Author.ProfileURL, v.URL
	if b.signedIn {
		v.Favourited, v.Reblogged, v.Bookmarked, v.Pinned = st.Favourited, st.Reblogged, st.Bookmarked, st.Pinned
		v.AuthorHref, v.Href = v.Author.OwnerURL, v.ThreadURL
	}
	v.PublishedISO, v.Published = p.PublishedAt.UTC().Format(time.RFC3339), p.PublishedAt.UTC().Format(shortTimeLayout)
	v.Edited = !p.EditedAt.IsZero()
	id := strconv.FormatInt(p.ID, 10)
	v.DOMID, v.ActionURL = "status-"+id, "/statuses/"+id
	v.Pinnable = p.Local && publicVisibility(p.Visibility)
	v.VisibilityLabel = visibilityLabel(p.Visibility)
	for _, a := range p.Attachments {
		v.Attachments = append(v.Attachments, attachmentView{URL: b.s.mediaURL(a.URL), MediaType: a.MediaType,
			Description: a.Description, Width: a.Width, Height: a.Height, FocusX: a.FocusX, FocusY: a.FocusY,
			Kind: mediaKind(a.MediaType)})
	}
	if p.Poll != nil {
		v.Poll = pollViewOf(*p.Poll, b.votes[p.ID], b.now)
	}
	return v
}

// visibilityLabel names a visibility for readers; public needs no label.
func visibilityLabel(v string) string {
	switch v {
	case store.Unlisted:
		return "Unlisted"
	case store.Private:
		return "Followers only"
	case store.Direct:
		return "Direct"
	}
	return ""
}

func publicVisibility(v string) bool { return v == store.Public || v == store.Unlisted }

func mediaKind(mediaType string) string {
	kind, _, _ := strings.Cut(mediaType, "/")
	switch kind {
	case "image", "video", "audio":
		return kind
	}
	return "unknown"
}

func pollViewOf(p store.Poll, own []int, now time.Time) *pollView {
	v := &pollView{Multiple: p.Multiple, ExpiresAt: p.ExpiresAt, VotersCount: p.VotersCount, Voted: len(own) > 0,
		Closed: !p.ClosedAt.IsZero() || (!p.ExpiresAt.IsZero() && !now.Before(p.ExpiresAt))}
	total := 0
	for _, o := range p.Options {
		total += o.Votes
	}
	if p.Multiple && p.VotersCount > 0 {
		total = p.VotersCount // Note: Mastodon shows multiple-choice shares of voters
	}
	for i, o := range p.Options {
		ov := pollOptionView{Index: i, Title: o.Title, Votes: o.Votes}
		if total > 0 {
			ov.Percent = min(100, o.Votes*100/total)
		}
		for _, n := range own {
			if n == i {
				ov.Own = true
			}
		}
		v.Options = append(v.Options, ov)
	}
	return v
}

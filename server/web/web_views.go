package web

import (
	"cmp"
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

	"kith/federation/ap"
	"kith/server/core"
	"kith/store"
)

// AccountView is one account as the web pages show it.
type AccountView struct {
	ID          int64
	Local       bool
	Username    string
	Domain      string
	Handle      string // user@domain, without the leading @
	DisplayName string // the username when the account has no display name
	// Name is DisplayName with its custom emoji as images, for the page's
	// text (DisplayName stays for titles and attributes).
	Name template.HTML
	// ProfileURL is where a visitor sees the account: /@user for the
	// owner, the account's own page for a remote one.
	ProfileURL string
	// OwnerURL is the signed-in owner's view of the account (/accounts/ID).
	OwnerURL  string
	AvatarURL string // a default picture when the account has none
	HeaderURL string // empty when the account has none
	Bio       template.HTML
	Fields    []FieldView
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

// FieldView is one profile field. Link is set when the value is a bare
// URL, so pages can link it with rel="me" for verification.
type FieldView struct {
	Name  template.HTML // plain text with custom emoji as images
	Value template.HTML
	Link  string
}

// StatusView is one post as the web pages show it. For a boost it
// describes the boosted post, with BoostedBy and BoostID set.
type StatusView struct {
	ID           int64 // the shown post's id (the boosted post for a boost)
	BoostID      int64 // the boost's own id, 0 when this is not a boost
	BoostedBy    *AccountView
	Author       AccountView
	URI          string
	URL          string // the public permalink (local) or the post's page on its server
	ThreadURL    string // the owner's thread view, /thread/ID
	Local        bool
	Visibility   string
	InReplyToID  int64
	InReplyToURI string
	Summary      string        // the content warning, plain text
	SummaryHTML  template.HTML // Summary with its custom emoji as images
	Content      template.HTML
	Sensitive    bool
	Language     string
	PublishedAt  time.Time
	EditedAt     time.Time
	Attachments  []AttachmentView
	Poll         *PollView
	Card         *CardView // the preview of its first link, nil if none
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
	// before deleting it, a quoted post).
	Preview bool
	// Quote is the post this one quotes; nil when it quotes none.
	Quote *QuoteView
	// Quotable: the owner may quote this post (the Quote button).
	Quotable bool
}

// QuoteView is the post a post quotes: shown embedded, one level deep,
// when its author allowed the quote and the reader may see it; else a
// link, with why it is not shown.
type QuoteView struct {
	Status *StatusView
	Link   string
	Note   string
}

// withRole sets the thread role of views.
func withRole(views []StatusView, role string) []StatusView {
	for i := range views {
		views[i].Role = role
	}
	return views
}

// AttachmentView is one media file of a post.
type AttachmentView struct {
	URL         string
	MediaType   string
	Description string
	Width       int
	Height      int
	FocusX      float64
	FocusY      float64
	Kind        string // image, video, audio or unknown
	Poster      string // a local video's preview, shown until it plays
}

// CardView is a link preview as pages show it: plain text, escaped by
// the template; the image is kith's cached copy.
type CardView struct {
	URL          string
	Title        string
	Description  string
	ProviderName string
	AuthorName   string
	ImageURL     string // empty when the card has no image
	ImageAlt     string
	Width        int
	Height       int
	Host         string // the page's host, shown when there is no provider name
}

// cardViewOf builds the view of a card.
func (s *Web) cardViewOf(c store.Card) *CardView {
	v := &CardView{URL: cmp.Or(ap.HTTPURL(c.CardURL), ap.HTTPURL(c.URL)), Title: c.Title, Description: c.Description,
		ProviderName: c.ProviderName, AuthorName: c.AuthorName, ImageURL: s.MediaURL(c.ImageURL), ImageAlt: c.ImageDescription}
	if v.URL == "" {
		return nil
	}
	if v.ImageURL != "" {
		v.Width, v.Height = c.Width, c.Height
	}
	if u, err := url.Parse(v.URL); err == nil {
		v.Host = strings.TrimPrefix(u.Hostname(), "www.")
	}
	return v
}

// PollView is a post's poll with its results.
type PollView struct {
	Multiple    bool
	ExpiresAt   time.Time // zero when it never expires
	Closed      bool
	VotersCount int
	Voted       bool // the owner has voted
	Options     []PollOptionView
}

// PollOptionView is one poll choice with its share of the votes.
type PollOptionView struct {
	Index   int
	Title   template.HTML // plain text with custom emoji as images
	Votes   int
	Percent int // 0–100, of voters (multiple choice) or of votes
	Own     bool
}

// defaultAvatar is shown for accounts without a picture.
const defaultAvatar = "/static/avatar.png"

// accountViewOf builds the view of one actor, without counts.
func (s *Web) accountViewOf(ctx context.Context, a store.Actor) AccountView {
	emojis := s.EmojiSet(s.ActorEmojis(ctx, a))
	v := AccountView{
		ID: a.ID, Local: a.Local, Username: a.Username, Domain: a.Domain, Handle: a.Handle(),
		DisplayName: a.DisplayName, AvatarURL: s.MediaURL(a.AvatarURL), HeaderURL: s.MediaURL(a.HeaderURL),
		Bio: core.EmojiHTML(core.TrustedHTML(a.Summary), emojis), Locked: a.Locked, Bot: a.Bot, MovedTo: a.MovedTo,
		OwnerURL: "/accounts/" + strconv.FormatInt(a.ID, 10),
	}
	if v.DisplayName == "" {
		v.DisplayName = a.Username
	}
	v.Name = core.EmojiText(v.DisplayName, emojis)
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
		v.Fields = append(v.Fields, fieldViewOf(f, emojis))
	}
	if sess := core.SessionFromContext(ctx); sess != nil {
		v.SignedIn, v.CSRFToken = true, sess.CSRFToken
	}
	return v
}

// fieldViewOf marks a field whose value is just an http(s) URL as a link.
// Field names are plain text; values are sanitized HTML (the owner's are
// escaped text).
func fieldViewOf(f store.Field, emojis core.EmojiSet) FieldView {
	fv := FieldView{Name: core.EmojiText(f.Name, emojis), Value: core.EmojiHTML(core.TrustedHTML(f.Value), emojis)}
	text := strings.TrimSpace(html.UnescapeString(f.Value))
	if u, err := url.Parse(text); err == nil && !strings.ContainsAny(text, " <>\"") &&
		(u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		fv.Link = text
	}
	return fv
}

// accountViews builds the views of many actors with their counts.
func (s *Web) accountViews(ctx context.Context, actors []store.Actor) ([]AccountView, error) {
	stats, err := s.ActorStats(ctx, actors)
	if err != nil {
		return nil, err
	}
	out := make([]AccountView, len(actors))
	for i, a := range actors {
		st := stats[a.ID]
		out[i] = s.accountViewOf(ctx, a)
		out[i].Statuses, out[i].Followers, out[i].Following = st.Statuses, st.Followers, st.Following
	}
	return out, nil
}

// statusViewsFor builds the views of posts for the page r, whose URL the
// action forms return to.
func (s *Web) statusViewsFor(r *http.Request, posts []store.Post) ([]StatusView, error) {
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
func repeatedDOMID(seen map[string]bool, v *StatusView, suffix string) {
	if seen[v.DOMID] {
		v.DOMID += "-" + suffix
	}
	seen[v.DOMID] = true
}

// statusViews builds the views of posts (boosts shown as the post they
// boost, with who boosted it). Boosts of posts no longer stored are
// dropped. The owner's marks (favourited, boosted, bookmarked, pinned) are
// filled only when the request's context holds the owner's session.
func (s *Web) statusViews(ctx context.Context, posts []store.Post) ([]StatusView, error) {
	targets, err := s.BoostTargets(ctx, posts)
	if err != nil {
		return nil, err
	}
	// Visitors never see followers-only or direct posts, whichever page
	// asked: a boost's target is checked here too.
	signedIn := core.SessionFromContext(ctx) != nil
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
	quotedPosts, err := s.quotedPosts(ctx, shown, signedIn)
	if err != nil {
		return nil, err
	}
	// One batch for the page's posts and the posts they quote: their
	// authors, counts and cards in one query each, not two.
	b, err := s.newViewBatch(ctx, slices.Concat(shown, quotedPosts), boosters)
	if err != nil {
		return nil, err
	}
	quoted := b.quotedViews(quotedPosts)
	out := make([]StatusView, 0, len(shown))
	for i, p := range kept {
		v := b.status(shown[i])
		v.Quote = quoteViewOf(shown[i].Quote, quoted)
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
	s         *Web
	now       time.Time
	signedIn  bool
	csrfToken string
	authors   map[int64]AccountView
	stats     map[int64]store.PostStat
	votes     map[int64][]int
	cards     map[int64]store.Card
}

// newViewBatch loads what the views of posts need, with the accounts of
// posts' authors and of boosters in one query.
func (s *Web) newViewBatch(ctx context.Context, posts []store.Post, boosters []int64) (*viewBatch, error) {
	b := &viewBatch{s: s, now: s.Opts.Now(), authors: map[int64]AccountView{}}
	if sess := core.SessionFromContext(ctx); sess != nil {
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
	if b.stats, err = s.DB.PostStats(ctx, ids); err != nil {
		return nil, err
	}
	if b.cards, err = s.DB.PostCards(ctx, ids); err != nil {
		return nil, err
	}
	b.votes = map[int64][]int{}
	if b.signedIn {
		if b.votes, err = s.DB.OwnPollVotes(ctx, pollIDs); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// loadAuthors builds the views of the accounts ids (repeats allowed).
func (b *viewBatch) loadAuthors(ctx context.Context, ids []int64) error {
	slices.Sort(ids)
	ids = slices.Compact(ids)
	actors, err := b.s.DB.ActorsByIDs(ctx, ids)
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

func (b *viewBatch) status(p store.Post) StatusView {
	st := b.stats[p.ID]
	emojis := b.s.EmojiSet(p.Emojis)
	v := StatusView{
		ID: p.ID, Author: b.authors[p.AuthorID], URI: p.URI, URL: p.URL, Local: p.Local,
		ThreadURL:  "/thread/" + strconv.FormatInt(p.ID, 10),
		Visibility: p.Visibility, InReplyToID: p.InReplyToID, InReplyToURI: p.InReplyToURI,
		Summary: p.Summary, SummaryHTML: core.EmojiText(p.Summary, emojis),
		Content: core.EmojiHTML(core.TrustedHTML(p.Content), emojis), Sensitive: p.Sensitive, Language: p.Language,
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
	v.PublishedISO, v.Published = p.PublishedAt.UTC().Format(time.RFC3339), p.PublishedAt.UTC().Format(core.ShortTimeLayout)
	v.Edited = !p.EditedAt.IsZero()
	id := strconv.FormatInt(p.ID, 10)
	v.DOMID, v.ActionURL = "status-"+id, "/statuses/"+id
	v.Pinnable = p.Local && publicVisibility(p.Visibility)
	v.Quotable = b.signedIn && p.ReblogOfID == 0 && (publicVisibility(p.Visibility) || (p.Local && p.Visibility == store.Private)) &&
		(p.Local || (p.QuotePolicy != store.QuoteNobody && p.QuotePolicy != store.QuoteFollowers))
	v.VisibilityLabel = visibilityLabel(p.Visibility)
	for _, a := range p.Attachments {
		av := AttachmentView{URL: b.s.MediaURL(a.URL), MediaType: a.MediaType,
			Description: a.Description, Width: a.Width, Height: a.Height, FocusX: a.FocusX, FocusY: a.FocusY,
			Kind: mediaKind(a.MediaType)}
		if av.Kind == "video" && p.Local {
			av.Poster, _ = b.s.LocalPreview(a.URL)
		}
		v.Attachments = append(v.Attachments, av)
	}
	if p.Poll != nil {
		v.Poll = pollViewOf(*p.Poll, b.votes[p.ID], b.now, emojis)
	}
	// Note: Mastodon's web UI shows a post's media instead of its card.
	if c, ok := b.cards[p.ID]; ok && len(p.Attachments) == 0 {
		v.Card = b.s.cardViewOf(c)
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

func pollViewOf(p store.Poll, own []int, now time.Time, emojis core.EmojiSet) *PollView {
	v := &PollView{Multiple: p.Multiple, ExpiresAt: p.ExpiresAt, VotersCount: p.VotersCount, Voted: len(own) > 0,
		Closed: !p.ClosedAt.IsZero() || (!p.ExpiresAt.IsZero() && !now.Before(p.ExpiresAt))}
	total := 0
	for _, o := range p.Options {
		total += o.Votes
	}
	if p.Multiple && p.VotersCount > 0 {
		total = p.VotersCount // Note: Mastodon shows multiple-choice shares of voters
	}
	for i, o := range p.Options {
		ov := PollOptionView{Index: i, Title: core.EmojiText(o.Title, emojis), Votes: o.Votes}
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

// quotedPosts loads the posts that posts quote, where the quote is
// allowed and the reader may see the quoted post.
func (s *Web) quotedPosts(ctx context.Context, posts []store.Post, signedIn bool) ([]store.Post, error) {
	var ids []int64
	for _, p := range posts {
		if p.Quote.Shown() {
			ids = append(ids, p.Quote.QuotedID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	viewer := int64(0)
	if signedIn {
		viewer = s.DB.OwnerID()
	}
	visible, err := s.DB.VisiblePosts(ctx, viewer, ids)
	if err != nil {
		return nil, err
	}
	found, err := s.DB.PostsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	var quoted []store.Post
	for _, p := range found {
		if visible[p.ID] && (signedIn || publicVisibility(p.Visibility)) {
			quoted = append(quoted, p)
		}
	}
	return quoted, nil
}

// quotedViews builds the views of quoted posts, by id. They show without
// buttons and without their own quotes.
func (b *viewBatch) quotedViews(quoted []store.Post) map[int64]StatusView {
	out := make(map[int64]StatusView, len(quoted))
	for _, p := range quoted {
		v := b.status(p)
		v.Preview, v.Role = true, "quoted"
		v.DOMID = "quoted-" + strconv.FormatInt(p.ID, 10)
		out[p.ID] = v
	}
	return out
}

// quoteViewOf is how a post's quote shows.
func quoteViewOf(q *store.Quote, quoted map[int64]StatusView) *QuoteView {
	if q == nil {
		return nil
	}
	qv := &QuoteView{Link: q.QuotedURI}
	if v, ok := quoted[q.QuotedID]; ok && q.Shown() {
		qv.Status = &v
		return qv
	}
	switch q.State {
	case store.QuotePending:
		qv.Note = "waiting for its author's approval"
	case store.QuoteAccepted:
		qv.Note = "not available"
	case store.QuoteDeleted:
		qv.Note = "unavailable"
	case store.QuoteRevoked:
		qv.Note = "its author removed the quote"
	default:
		qv.Note = "not allowed by its author"
	}
	return qv
}

package api

import (
	"cmp"
	"context"
	"strings"
	"time"

	"kith/federation"
	"kith/federation/ap"
	"kith/media"
	"kith/server/core"
	"kith/store"
)

type apiAccount struct {
	ID              string      `json:"id"`
	Username        string      `json:"username"`
	Acct            string      `json:"acct"`
	DisplayName     string      `json:"display_name"`
	Locked          bool        `json:"locked"`
	Bot             bool        `json:"bot"`
	Discoverable    bool        `json:"discoverable"`
	Indexable       bool        `json:"indexable"`
	Group           bool        `json:"group"`
	CreatedAt       string      `json:"created_at"`
	Note            string      `json:"note"`
	URL             string      `json:"url"`
	URI             string      `json:"uri"`
	Avatar          string      `json:"avatar"`
	AvatarStatic    string      `json:"avatar_static"`
	Header          string      `json:"header"`
	HeaderStatic    string      `json:"header_static"`
	FollowersCount  int         `json:"followers_count"`
	FollowingCount  int         `json:"following_count"`
	StatusesCount   int         `json:"statuses_count"`
	LastStatusAt    *string     `json:"last_status_at"`
	HideCollections bool        `json:"hide_collections"`
	Noindex         bool        `json:"noindex"`
	Emojis          []apiEmoji  `json:"emojis"`
	Roles           []any       `json:"roles"`
	Fields          []apiField  `json:"fields"`
	Moved           *apiAccount `json:"moved,omitempty"`
	Source          *apiSource  `json:"source,omitempty"`
	Role            *apiRole    `json:"role,omitempty"`
}

type apiField struct {
	Name       string  `json:"name"`
	Value      string  `json:"value"`
	VerifiedAt *string `json:"verified_at"`
}

type apiSource struct {
	Privacy             string     `json:"privacy"`
	Sensitive           bool       `json:"sensitive"`
	Language            string     `json:"language"`
	Note                string     `json:"note"`
	Fields              []apiField `json:"fields"`
	FollowRequestsCount int        `json:"follow_requests_count"`
	HideCollections     bool       `json:"hide_collections"`
	Discoverable        bool       `json:"discoverable"`
	Indexable           bool       `json:"indexable"`
	QuotePolicy         string     `json:"quote_policy"` // Mastodon 4.5: the default for new posts
}

type apiRole struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Permissions string `json:"permissions"`
	Color       string `json:"color"`
	Highlighted bool   `json:"highlighted"`
}

// apiEmoji is Mastodon's CustomEmoji. Category is left out when there
// is none, as Mastodon does.
type apiEmoji struct {
	Shortcode       string `json:"shortcode"`
	URL             string `json:"url"`
	StaticURL       string `json:"static_url"`
	VisibleInPicker bool   `json:"visible_in_picker"`
	Category        string `json:"category,omitempty"`
}

// apiEmojisOf renders the custom emoji of a post or an account. An
// animated GIF has no still image of its own: static_url is the same file.
func (s *API) apiEmojisOf(emojis []store.Emoji) []apiEmoji {
	out := []apiEmoji{}
	for _, e := range emojis {
		if u := s.MediaURL(e.URL); u != "" {
			out = append(out, apiEmoji{Shortcode: e.Shortcode, URL: u, StaticURL: u, VisibleInPicker: true})
		}
	}
	return out
}

// accountStats are the counts shown on an account.
type accountStats struct {
	Statuses, Followers, Following int
	LastStatusAt                   time.Time
}

// apiAccountOf renders an actor. Remote accounts are user@domain in acct,
// the owner just the username, as Mastodon does for local accounts.
func (s *API) apiAccountOf(ctx context.Context, a store.Actor, st accountStats) apiAccount {
	acct := a.Username + "@" + a.Domain
	if a.Local {
		acct = a.Username
	}
	avatar, header := s.MediaURL(a.AvatarURL), s.MediaURL(a.HeaderURL)
	if avatar == "" {
		avatar = s.Config().Server.URL + "/static/avatar.png"
	}
	if header == "" {
		header = s.Config().Server.URL + "/static/header.png"
	}
	out := apiAccount{
		ID: core.APIID(a.ID), Username: a.Username, Acct: acct, DisplayName: a.DisplayName, Locked: a.Locked, Bot: a.Bot,
		Discoverable: a.Discoverable, Indexable: a.Discoverable, Group: a.Type == "Group", CreatedAt: core.APITime(accountCreated(a)),
		Note: a.Summary, URL: cmp.Or(ap.HTTPURL(a.URL), a.URI), URI: a.URI, Avatar: avatar, AvatarStatic: avatar,
		Header: header, HeaderStatic: header, FollowersCount: st.Followers, FollowingCount: st.Following,
		StatusesCount: st.Statuses, Emojis: s.apiEmojisOf(s.ActorEmojis(ctx, a)), Roles: []any{}, Fields: []apiField{},
	}
	if !st.LastStatusAt.IsZero() {
		day := st.LastStatusAt.UTC().Format("2006-01-02") // Mastodon gives only the day
		out.LastStatusAt = &day
	}
	for _, f := range a.Fields {
		out.Fields = append(out.Fields, apiField{Name: f.Name, Value: f.Value})
	}
	return out
}

// accountCreated is when an account was made; Mastodon truncates it to
// the day for privacy.
func accountCreated(a store.Actor) time.Time {
	t := a.PublishedAt
	if t.IsZero() {
		t = a.FetchedAt
	}
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

type APIStatus struct {
	ID                 string               `json:"id"`
	CreatedAt          string               `json:"created_at"`
	InReplyToID        *string              `json:"in_reply_to_id"`
	InReplyToAccountID *string              `json:"in_reply_to_account_id"`
	Sensitive          bool                 `json:"sensitive"`
	SpoilerText        string               `json:"spoiler_text"`
	Visibility         string               `json:"visibility"`
	Language           *string              `json:"language"`
	URI                string               `json:"uri"`
	URL                *string              `json:"url"`
	RepliesCount       int                  `json:"replies_count"`
	ReblogsCount       int                  `json:"reblogs_count"`
	FavouritesCount    int                  `json:"favourites_count"`
	EditedAt           *string              `json:"edited_at"`
	Favourited         bool                 `json:"favourited"`
	Reblogged          bool                 `json:"reblogged"`
	Muted              bool                 `json:"muted"`
	Bookmarked         bool                 `json:"bookmarked"`
	Pinned             bool                 `json:"pinned"`
	Content            string               `json:"content"`
	Filtered           []any                `json:"filtered"`
	Reblog             *APIStatus           `json:"reblog"`
	Application        *apiApplication      `json:"application"`
	Account            apiAccount           `json:"account"`
	MediaAttachments   []apiMediaAttachment `json:"media_attachments"`
	Mentions           []apiMention         `json:"mentions"`
	Tags               []apiTag             `json:"tags"`
	Emojis             []apiEmoji           `json:"emojis"`
	Card               any                  `json:"card"`
	Poll               *apiPoll             `json:"poll"`
	Text               *string              `json:"text,omitempty"` // only when deleting, for redraft
	// Quote is a Quote, or a ShallowQuote inside a quoted status (its
	// quoted_status_id instead of the status), or null.
	Quote         any              `json:"quote"`
	QuotesCount   int              `json:"quotes_count"`
	QuoteApproval apiQuoteApproval `json:"quote_approval"`
}

// apiQuote is Mastodon 4.5's Quote: its state, and the quoted status when
// it may be shown.
type apiQuote struct {
	State        string     `json:"state"`
	QuotedStatus *APIStatus `json:"quoted_status"`
}

// apiShallowQuote is the Quote of a status shown inside another quote:
// one level deep, by id only.
type apiShallowQuote struct {
	State          string  `json:"state"`
	QuotedStatusID *string `json:"quoted_status_id"`
}

// apiQuoteApproval says who may quote a status, and whether the viewer
// may: automatic, manual, denied or unknown.
type apiQuoteApproval struct {
	Automatic   []string `json:"automatic"`
	Manual      []string `json:"manual"`
	CurrentUser string   `json:"current_user"`
}

type apiApplication struct {
	Name    string  `json:"name"`
	Website *string `json:"website"`
}

type apiMention struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	URL      string `json:"url"`
	Acct     string `json:"acct"`
}

type apiTag struct {
	Name      string `json:"name"`
	URL       string `json:"url"`
	History   []any  `json:"history,omitempty"`
	Following *bool  `json:"following,omitempty"`
}

type apiMediaAttachment struct {
	ID               string         `json:"id"`
	Type             string         `json:"type"`
	URL              *string        `json:"url"`
	PreviewURL       *string        `json:"preview_url"`
	RemoteURL        *string        `json:"remote_url"`
	PreviewRemoteURL *string        `json:"preview_remote_url"`
	TextURL          *string        `json:"text_url"`
	Meta             map[string]any `json:"meta"`
	Description      *string        `json:"description"`
	Blurhash         *string        `json:"blurhash"`
}

type apiPoll struct {
	ID          string          `json:"id"`
	ExpiresAt   *string         `json:"expires_at"`
	Expired     bool            `json:"expired"`
	Multiple    bool            `json:"multiple"`
	VotesCount  int             `json:"votes_count"`
	VotersCount *int            `json:"voters_count"`
	Voted       bool            `json:"voted"`
	OwnVotes    []int           `json:"own_votes"`
	Options     []apiPollOption `json:"options"`
	Emojis      []apiEmoji      `json:"emojis"`
}

type apiPollOption struct {
	Title      string `json:"title"`
	VotesCount *int   `json:"votes_count"`
}

// apiStatusInput is everything needed to render one status: the post, its
// author, and what the owner did with it.
type apiStatusInput struct {
	Post        store.Post
	Author      apiAccount
	ReplyToAcct int64 // author id of the parent post, 0 if unknown
	Replies     int
	Reblogs     int
	Favourites  int
	Favourited  bool
	Reblogged   bool
	Bookmarked  bool
	Muted       bool
	Pinned      bool
	OwnVotes    []int
	Mentioned   map[string]store.Actor // mentioned actors by URI, for ids
	Reblog      *APIStatus
	Quotes      int    // accepted quotes of this post
	CanQuote    string // the viewer's quote_approval.current_user
}

func (s *API) apiStatusOf(v apiStatusInput, now time.Time) APIStatus {
	p := v.Post
	out := APIStatus{
		ID: core.APIID(p.ID), CreatedAt: core.APITime(p.PublishedAt), InReplyToID: core.APIIDPtr(p.InReplyToID),
		InReplyToAccountID: core.APIIDPtr(v.ReplyToAcct), Sensitive: p.Sensitive, SpoilerText: p.Summary,
		Visibility: p.Visibility, URI: p.URI, RepliesCount: v.Replies, ReblogsCount: v.Reblogs,
		FavouritesCount: v.Favourites, EditedAt: core.APITimePtr(p.EditedAt), Favourited: v.Favourited,
		Reblogged: v.Reblogged, Muted: v.Muted, Bookmarked: v.Bookmarked, Pinned: v.Pinned, Content: p.Content,
		Filtered: []any{}, Reblog: v.Reblog, Account: v.Author, MediaAttachments: []apiMediaAttachment{},
		Mentions: []apiMention{}, Tags: []apiTag{}, Emojis: []apiEmoji{}, QuotesCount: v.Quotes,
		QuoteApproval: apiQuoteApproval{Automatic: []string{}, Manual: []string{}, CurrentUser: cmp.Or(v.CanQuote, "unknown")},
	}
	if policy := federation.QuotePolicyOf(p); policy == store.QuotePublic || policy == store.QuoteFollowers {
		out.QuoteApproval.Automatic = []string{policy}
	}
	if p.Language != "" {
		out.Language = &p.Language
	}
	if u := ap.HTTPURL(p.URL); u != "" {
		out.URL = &u
	}
	if p.ReblogOfID != 0 {
		// A boost carries no text of its own.
		out.Content, out.URL, out.Language = "", nil, nil
	}
	for _, a := range p.Attachments {
		out.MediaAttachments = append(out.MediaAttachments, s.apiMediaOf(a, p.Local))
	}
	for _, m := range p.Mentions {
		mention := apiMention{URL: ap.HTTPURL(m.ActorURI), Username: mentionUsername(m.Name), Acct: strings.TrimPrefix(m.Name, "@")}
		if a, ok := v.Mentioned[m.ActorURI]; ok {
			mention.ID, mention.Username, mention.URL = core.APIID(a.ID), a.Username, cmp.Or(ap.HTTPURL(a.URL), a.URI)
			if a.Local {
				mention.Acct = a.Username
			}
		}
		out.Mentions = append(out.Mentions, mention)
	}
	for _, t := range p.Tags {
		out.Tags = append(out.Tags, apiTag{Name: t, URL: s.Fed.URLs().Tag(t)})
	}
	out.Emojis = s.apiEmojisOf(p.Emojis)
	if p.Poll != nil {
		poll := apiPollOf(p.ID, *p.Poll, v.OwnVotes, now)
		poll.Emojis = s.apiEmojisOf(emojisIn(p.Emojis, p.Poll))
		out.Poll = &poll
	}
	return out
}

func mentionUsername(name string) string {
	name = strings.TrimPrefix(name, "@")
	user, _, _ := strings.Cut(name, "@")
	return user
}

func apiPollOf(postID int64, poll store.Poll, ownVotes []int, now time.Time) apiPoll {
	out := apiPoll{
		ID: core.APIID(postID), ExpiresAt: core.APITimePtr(poll.ExpiresAt), Multiple: poll.Multiple,
		Voted: len(ownVotes) > 0, OwnVotes: ownVotes, Options: []apiPollOption{}, Emojis: []apiEmoji{},
	}
	if out.OwnVotes == nil {
		out.OwnVotes = []int{}
	}
	out.Expired = !poll.ClosedAt.IsZero() || (!poll.ExpiresAt.IsZero() && !now.Before(poll.ExpiresAt))
	for _, o := range poll.Options {
		votes := o.Votes
		out.VotesCount += votes
		out.Options = append(out.Options, apiPollOption{Title: o.Title, VotesCount: &votes})
	}
	if poll.Multiple || poll.VotersCount > 0 {
		voters := poll.VotersCount
		out.VotersCount = &voters
	}
	return out
}

// apiMediaOf renders an attachment. Its type comes from its media type.
// A local attachment's preview_url is its small preview, in a status as
// in the upload's answer, so an app sees one attachment.
func (s *API) apiMediaOf(a store.Attachment, local bool) apiMediaAttachment {
	typ := "unknown"
	switch {
	case strings.HasPrefix(a.MediaType, "image/gif"):
		typ = "gifv"
	case strings.HasPrefix(a.MediaType, "image/"):
		typ = "image"
	case strings.HasPrefix(a.MediaType, "video/"):
		typ = "video"
	case strings.HasPrefix(a.MediaType, "audio/"):
		typ = "audio"
	}
	u := s.MediaURL(a.URL)
	out := apiMediaAttachment{ID: core.APIID(a.ID), Type: typ, Meta: map[string]any{}}
	if u != "" {
		out.URL, out.PreviewURL = &u, &u
	}
	preview, hasPreview := "", false
	if local {
		preview, hasPreview = s.LocalPreview(a.URL)
	}
	if hasPreview {
		out.PreviewURL = &preview
	}
	if remote := ap.HTTPURL(a.URL); !local && remote != "" {
		out.RemoteURL = &remote
	}
	if a.Description != "" {
		d := a.Description
		out.Description = &d
	}
	if a.Blurhash != "" {
		b := a.Blurhash
		out.Blurhash = &b
	}
	if a.Width > 0 && a.Height > 0 {
		size := map[string]any{"width": a.Width, "height": a.Height, "size": itoa(a.Width) + "x" + itoa(a.Height),
			"aspect": float64(a.Width) / float64(a.Height)}
		out.Meta["original"] = size
		out.Meta["small"] = size
		if hasPreview {
			pw, ph := media.FitInside(a.Width, a.Height, media.UploadLimits.ThumbSide)
			out.Meta["small"] = map[string]any{"width": pw, "height": ph, "size": itoa(pw) + "x" + itoa(ph), "aspect": float64(pw) / float64(ph)}
		}
	}
	if local && (typ == "video" || typ == "audio") {
		s.addAVMeta(&out, a)
	} else if typ == "video" || typ == "audio" {
		// A remote file's preview is not the file: apps load
		// preview_url as an image. Nor has it a small size.
		out.PreviewURL = nil
		delete(out.Meta, "small")
	}
	if local && a.MediaType == "image/gif" {
		// Note: Mastodon's "gifv" is an MP4 video; kith keeps the GIF,
		// which apps show as an image.
		out.Type = "image"
	}
	if a.FocusX != 0 || a.FocusY != 0 {
		out.Meta["focus"] = map[string]float64{"x": a.FocusX, "y": a.FocusY}
	}
	return out
}

func itoa(n int) string { return core.APIID(int64(n)) }

type apiRelationship struct {
	ID                  string   `json:"id"`
	Following           bool     `json:"following"`
	ShowingReblogs      bool     `json:"showing_reblogs"`
	Notifying           bool     `json:"notifying"`
	Languages           []string `json:"languages"`
	FollowedBy          bool     `json:"followed_by"`
	Blocking            bool     `json:"blocking"`
	BlockedBy           bool     `json:"blocked_by"`
	Muting              bool     `json:"muting"`
	MutingNotifications bool     `json:"muting_notifications"`
	Requested           bool     `json:"requested"`
	RequestedBy         bool     `json:"requested_by"`
	DomainBlocking      bool     `json:"domain_blocking"`
	Endorsed            bool     `json:"endorsed"`
	Note                string   `json:"note"`
}

type APINotification struct {
	ID        string     `json:"id"`
	Type      string     `json:"type"`
	CreatedAt string     `json:"created_at"`
	GroupKey  string     `json:"group_key"`
	Account   apiAccount `json:"account"`
	Status    *APIStatus `json:"status,omitempty"`
}

// emojisIn keeps the emojis a poll's options use, which Mastodon lists
// on the poll.
func emojisIn(emojis []store.Emoji, poll *store.Poll) []store.Emoji {
	var out []store.Emoji
	for _, e := range emojis {
		for _, o := range poll.Options {
			if strings.Contains(o.Title, ":"+e.Shortcode+":") {
				out = append(out, e)
				break
			}
		}
	}
	return out
}

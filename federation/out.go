package federation

import (
	"time"

	"kith/store"
)

// PublicAddress is the special collection that makes a post public.
const PublicAddress = "https://www.w3.org/ns/activitystreams#Public"

// contextTerms is the @context kith sends: the AS2 and security contexts
// plus Mastodon's extension terms inline, as Mastodon does, so peers need
// not fetch anything to read them.
var contextTerms = []any{
	"https://www.w3.org/ns/activitystreams",
	"https://w3id.org/security/v1",
	map[string]any{
		"manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
		"sensitive":                 "as:sensitive",
		"Hashtag":                   "as:Hashtag",
		"movedTo":                   map[string]string{"@id": "as:movedTo", "@type": "@id"},
		"alsoKnownAs":               map[string]string{"@id": "as:alsoKnownAs", "@type": "@id"},
		"toot":                      "http://joinmastodon.org/ns#",
		"featured":                  map[string]string{"@id": "toot:featured", "@type": "@id"},
		"discoverable":              "toot:discoverable",
		"indexable":                 "toot:indexable",
		"Emoji":                     "toot:Emoji",
		"blurhash":                  "toot:blurhash",
		"votersCount":               "toot:votersCount",
		"focalPoint":                map[string]string{"@container": "@list", "@id": "toot:focalPoint"},
		"schema":                    "http://schema.org#",
		"PropertyValue":             "schema:PropertyValue",
		"value":                     "schema:value",
		"ostatus":                   "http://ostatus.org#",
		"conversation":              "ostatus:conversation",
	},
}

// outActivity is an activity kith sends. Object is an IRI string or an
// embedded object.
type outActivity struct {
	Context   any      `json:"@context,omitempty"`
	ID        string   `json:"id"`
	Type      string   `json:"type"`
	Actor     string   `json:"actor"`
	Published string   `json:"published,omitempty"`
	To        []string `json:"to,omitempty"`
	CC        []string `json:"cc,omitempty"`
	Object    any      `json:"object"`
	Target    any      `json:"target,omitempty"`
	Content   string   `json:"content,omitempty"`
}

// outNote is a local post as ActivityPub: a Note, or a Question for polls.
// Fields Mastodon always sends are present even when empty (null summary,
// null inReplyTo).
type outNote struct {
	Context      any               `json:"@context,omitempty"`
	ID           string            `json:"id"`
	Type         string            `json:"type"`
	Summary      *string           `json:"summary"`
	InReplyTo    *string           `json:"inReplyTo"`
	Published    string            `json:"published"`
	Updated      string            `json:"updated,omitempty"`
	URL          string            `json:"url"`
	AttributedTo string            `json:"attributedTo"`
	To           []string          `json:"to"`
	CC           []string          `json:"cc"`
	Sensitive    bool              `json:"sensitive"`
	Conversation string            `json:"conversation,omitempty"`
	Content      string            `json:"content"`
	ContentMap   map[string]string `json:"contentMap,omitempty"`
	Attachment   []outAttachment   `json:"attachment"`
	Tag          []outTag          `json:"tag"`
	OneOf        []outOption       `json:"oneOf,omitempty"`
	AnyOf        []outOption       `json:"anyOf,omitempty"`
	EndTime      string            `json:"endTime,omitempty"`
	Closed       string            `json:"closed,omitempty"`
	VotersCount  *int              `json:"votersCount,omitempty"`
}

type outAttachment struct {
	Type       string    `json:"type"`
	MediaType  string    `json:"mediaType"`
	URL        string    `json:"url"`
	Name       *string   `json:"name"`
	Blurhash   string    `json:"blurhash,omitempty"`
	FocalPoint []float64 `json:"focalPoint,omitempty"`
	Width      int       `json:"width,omitempty"`
	Height     int       `json:"height,omitempty"`
}

type outTag struct {
	Type string `json:"type"`
	Href string `json:"href"`
	Name string `json:"name"`
}

type outOption struct {
	Type    string         `json:"type"`
	Name    string         `json:"name"`
	Replies map[string]any `json:"replies"`
}

// timeFormat is how kith writes AS2 timestamps: UTC, second precision,
// as Mastodon does.
const timeFormat = "2006-01-02T15:04:05Z"

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeFormat)
}

// addressing returns to and cc for a post of the given visibility.
//
// Note: Mastodon addresses unlisted posts to followers with Public in cc,
// and followers-only posts to followers with mentions in cc.
func (f *Federation) addressing(visibility string, mentions []string) (to, cc []string) {
	followers := f.urls.Followers()
	switch visibility {
	case store.Public:
		return []string{PublicAddress}, append([]string{followers}, mentions...)
	case store.Unlisted:
		return []string{followers}, append([]string{PublicAddress}, mentions...)
	case store.Private:
		return []string{followers}, mentions
	default:
		return mentions, []string{}
	}
}

// noteOf renders a local post as a Note (or Question).
func (f *Federation) noteOf(p store.Post) outNote {
	var mentions []string
	for _, m := range p.Mentions {
		mentions = append(mentions, m.ActorURI)
	}
	to, cc := f.addressing(p.Visibility, mentions)
	n := outNote{
		ID: p.URI, Type: "Note", Published: formatTime(p.PublishedAt), Updated: formatTime(p.EditedAt),
		URL: p.URL, AttributedTo: f.urls.Actor(), To: nonEmpty(to), CC: nonEmpty(cc), Sensitive: p.Sensitive,
		Conversation: p.Conversation, Content: p.Content, Attachment: []outAttachment{}, Tag: []outTag{},
	}
	if p.Summary != "" {
		n.Summary = &p.Summary
	}
	if p.InReplyToURI != "" {
		n.InReplyTo = &p.InReplyToURI
	}
	if p.Language != "" {
		n.ContentMap = map[string]string{p.Language: p.Content}
	}
	for _, a := range p.Attachments {
		n.Attachment = append(n.Attachment, f.attachmentOf(a))
	}
	for _, m := range p.Mentions {
		n.Tag = append(n.Tag, outTag{Type: "Mention", Href: m.ActorURI, Name: m.Name})
	}
	for _, t := range p.Tags {
		n.Tag = append(n.Tag, outTag{Type: "Hashtag", Href: f.urls.Tag(t), Name: "#" + t})
	}
	if p.Poll != nil {
		f.addPoll(&n, *p.Poll)
	}
	return n
}

func (f *Federation) attachmentOf(a store.Attachment) outAttachment {
	out := outAttachment{Type: "Document", MediaType: a.MediaType, URL: a.URL, Blurhash: a.Blurhash, Width: a.Width, Height: a.Height}
	if a.Description != "" {
		out.Name = &a.Description
	}
	if a.FocusX != 0 || a.FocusY != 0 {
		out.FocalPoint = []float64{a.FocusX, a.FocusY}
	}
	return out
}

func (f *Federation) addPoll(n *outNote, poll store.Poll) {
	n.Type = "Question"
	opts := make([]outOption, len(poll.Options))
	for i, o := range poll.Options {
		opts[i] = outOption{Type: "Note", Name: o.Title, Replies: map[string]any{"type": "Collection", "totalItems": o.Votes}}
	}
	if poll.Multiple {
		n.AnyOf = opts
	} else {
		n.OneOf = opts
	}
	n.EndTime = formatTime(poll.ExpiresAt)
	n.Closed = formatTime(poll.ClosedAt)
	voters := poll.VotersCount
	n.VotersCount = &voters
}

func nonEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

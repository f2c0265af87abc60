package ap

import (
	"strings"
)

// Object is a post-like object: Note, Article, Page, Question, Image,
// Video, Audio, Event, Tombstone, or anything else a peer calls an object.
// Only the fields kith uses are read.
type Object struct {
	ID           string `json:"id"`
	Type         Type   `json:"type"`
	AttributedTo Refs   `json:"attributedTo"`

	// Name is a title (Article, Page) or, on a poll vote, the chosen option.
	Name       Str     `json:"name"`
	NameMap    LangMap `json:"nameMap"`
	Summary    Str     `json:"summary"` // the content warning on microblog posts
	SummaryMap LangMap `json:"summaryMap"`
	Content    Str     `json:"content"`
	ContentMap LangMap `json:"contentMap"`
	Source     Source  `json:"source"`

	// Note: Misskey puts the MFM source in _misskey_content.
	MisskeyContent Str `json:"_misskey_content"`

	Sensitive Bool `json:"sensitive"`
	// Note: Kroeg sends the prefixed key as:sensitive.
	ASSensitive Bool `json:"as:sensitive"`

	InReplyTo    IRI   `json:"inReplyTo"`
	Published    Time  `json:"published"`
	Updated      Time  `json:"updated"`
	URL          Links `json:"url"`
	To           IRIs  `json:"to"`
	CC           IRIs  `json:"cc"`
	Audience     IRIs  `json:"audience"` // Note: Owncast and Lemmy address by audience.
	Conversation IRI   `json:"conversation"`
	Context      IRI   `json:"context"`
	Replies      Ref   `json:"replies"`

	Tag        List[Tag]        `json:"tag"`
	Attachment List[Attachment] `json:"attachment"`

	// Quote posts. Note: Misskey sends quoteUrl and _misskey_quote,
	// Fedibird quoteUri or quoteURL, FEP-044f quote.
	QuoteFEP      IRI `json:"quote"`
	QuoteURL      IRI `json:"quoteUrl"`
	QuoteURI      IRI `json:"quoteUri"`
	QuoteURLUpper IRI `json:"quoteURL"`
	MisskeyQuote  IRI `json:"_misskey_quote"`
	// QuoteAuthorization is the stamp the quoted post's author gave
	// (FEP-044f); only the quote property's form carries one.
	QuoteAuthorization IRI `json:"quoteAuthorization"`
	// InteractionPolicy says who may quote the post (GoToSocial's
	// vocabulary, which Mastodon and FEP-044f use).
	InteractionPolicy InteractionPolicy `json:"interactionPolicy"`

	// A QuoteAuthorization's: the quoting post and the quoted one.
	InteractingObject IRI `json:"interactingObject"`
	InteractionTarget IRI `json:"interactionTarget"`

	// Polls (type Question).
	OneOf       List[PollOption] `json:"oneOf"`
	AnyOf       List[PollOption] `json:"anyOf"`
	EndTime     Time             `json:"endTime"`
	Closed      PollClosed       `json:"closed"`
	VotersCount Int              `json:"votersCount"`
}

// InteractionPolicy is who may interact with a post, and how.
type InteractionPolicy struct {
	CanQuote Approval `json:"canQuote"`
}

// Approval lists the actors (or collections, or Public) whose
// interactions are approved automatically, and those who may ask.
type Approval struct {
	AutomaticApproval IRIs `json:"automaticApproval"`
	ManualApproval    IRIs `json:"manualApproval"`
}

// Source is the text a post was written in, before rendering to HTML.
type Source struct {
	Content   Str `json:"content"`
	MediaType Str `json:"mediaType"`
}

// Tag is an entry of tag: a Mention, Hashtag, Emoji, or a Link (FEP-e232
// object links, used for quotes).
type Tag struct {
	Type      Type  `json:"type"`
	ID        IRI   `json:"id"`
	Name      Str   `json:"name"`
	Href      IRI   `json:"href"`
	MediaType Str   `json:"mediaType"`
	Icon      Image `json:"icon"` // the picture of a custom Emoji
	Updated   Time  `json:"updated"`
}

// Attachment is an entry of attachment: media (Document, Image, Video,
// Audio) on posts, PropertyValue profile fields on actors.
type Attachment struct {
	Type      Type  `json:"type"`
	URL       Links `json:"url"`
	MediaType Str   `json:"mediaType"`
	// Note: PeerTube and Funkwhale send mimeType.
	MimeType Str `json:"mimeType"`

	Name       Str       `json:"name"` // alt text on media; the label of a profile field
	Value      Str       `json:"value"`
	Width      Int       `json:"width"`
	Height     Int       `json:"height"`
	Blurhash   Str       `json:"blurhash"`
	FocalPoint []float64 `json:"focalPoint"`
}

// PollOption is one choice of a Question.
type PollOption struct {
	Type    Type      `json:"type"`
	Name    Str       `json:"name"`
	Replies ItemCount `json:"replies"` // votes so far
}

// PollClosed is a Question's closed property: a timestamp in Mastodon,
// sometimes just true.
type PollClosed struct {
	Closed bool
	At     Time
}

// UnmarshalJSON implements json.Unmarshaler.
func (p *PollClosed) UnmarshalJSON(b []byte) error {
	t := scalarText(b)
	*p = PollClosed{At: Time{ParseTime(t)}}
	p.Closed = !p.At.IsZero() || strings.EqualFold(t, "true")
	return nil
}

// ContentHTML returns the post's HTML: content, else the first contentMap
// value. It is untrusted; pass it through SanitizeHTML before use.
//
// Note: some Mastodon versions send only contentMap.
func (o *Object) ContentHTML() string {
	if o.Content != "" {
		return string(o.Content)
	}
	return o.ContentMap.First()
}

// SummaryText returns summary, else the first summaryMap value.
func (o *Object) SummaryText() string {
	if o.Summary != "" {
		return string(o.Summary)
	}
	return o.SummaryMap.First()
}

// IsSensitive reports whether the post is marked sensitive under either
// spelling.
func (o *Object) IsSensitive() bool { return bool(o.Sensitive || o.ASSensitive) }

// Quote returns the IRI of the quoted post, whichever key carried it.
func (o *Object) Quote() string {
	for _, q := range []IRI{o.QuoteFEP, o.QuoteURL, o.QuoteURI, o.QuoteURLUpper, o.MisskeyQuote} {
		if q != "" {
			return string(q)
		}
	}
	return ""
}

// IsLegacyQuote reports a quote sent only in an older form (quoteUrl,
// quoteUri, _misskey_quote), which cannot carry an authorization.
func (o *Object) IsLegacyQuote() bool { return o.QuoteFEP == "" && o.Quote() != "" }

// Author returns the id of the actor the object is attributed to. Among
// several it prefers a Person.
//
// Note: PeerTube attributes videos to [Person, Group] (the channel), in
// either order.
func (o *Object) Author() string {
	for _, r := range o.AttributedTo {
		if r.Type == "Person" && r.ID != "" {
			return r.ID
		}
	}
	ids := o.AttributedTo.IDs()
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}

// AuthorHostMatches reports whether the object's id lives on its author's
// host. A document whose author is on another host is either forged or
// must be fetched from the author's server before it is believed.
func (o *Object) AuthorHostMatches() bool {
	author := o.Author()
	return author != "" && SameHost(o.ID, author)
}

// PollOptions returns the options of a Question and whether more than one
// may be chosen.
func (o *Object) PollOptions() (options []PollOption, multiple bool) {
	if len(o.AnyOf) > 0 {
		return o.AnyOf, true
	}
	return o.OneOf, false
}

// Href returns the URL of the media.
func (a *Attachment) Href() string { return a.URL.First() }

// ContentType returns the attachment's media type from whichever key sent
// it, else from its url Link.
func (a *Attachment) ContentType() string {
	if a.MediaType != "" {
		return string(a.MediaType)
	}
	if a.MimeType != "" {
		return string(a.MimeType)
	}
	for _, l := range a.URL {
		if l.MediaType != "" {
			return l.MediaType
		}
	}
	return ""
}

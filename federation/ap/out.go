package ap

import (
	"bytes"
	"encoding/json"
	"time"
)

// The types in this file are what kith sends. They are plain structs whose
// field order is the order Mastodon writes its keys in, with omitempty
// where Mastodon leaves a key out, so peers see the shape they know best.

// Public is the special collection addressing a post to everyone.
const Public = "https://www.w3.org/ns/activitystreams#Public"

// term is an expanded JSON-LD term definition in the @context.
type term struct {
	Container string `json:"@container,omitempty"`
	ID        string `json:"@id"`
	Type      string `json:"@type,omitempty"`
}

// contextTerms are the extension terms Mastodon inlines in its @context,
// so that JSON-LD processors (and signature checkers) on the other end
// understand them without fetching anything.
type contextTerms struct {
	ManuallyApprovesFollowers string `json:"manuallyApprovesFollowers"`
	Toot                      string `json:"toot"`
	Featured                  term   `json:"featured"`
	FeaturedTags              term   `json:"featuredTags"`
	AlsoKnownAs               term   `json:"alsoKnownAs"`
	MovedTo                   term   `json:"movedTo"`
	Schema                    string `json:"schema"`
	PropertyValue             string `json:"PropertyValue"`
	Value                     string `json:"value"`
	Discoverable              string `json:"discoverable"`
	Indexable                 string `json:"indexable"`
	Memorial                  string `json:"memorial"`
	Sensitive                 string `json:"sensitive"`
	Hashtag                   string `json:"Hashtag"`
	Emoji                     string `json:"Emoji"`
	FocalPoint                term   `json:"focalPoint"`
	Blurhash                  string `json:"blurhash"`
	VotersCount               string `json:"votersCount"`
	Ostatus                   string `json:"ostatus"`
	Conversation              string `json:"conversation"`
	Quote                     string `json:"quote"`
	QuoteURL                  string `json:"quoteUrl"`
	MisskeyQuote              string `json:"_misskey_quote"`
	QuoteAuthorization        term   `json:"quoteAuthorization"`
	QuoteRequest              string `json:"QuoteRequest"`
	QuoteAuthorizationType    string `json:"QuoteAuthorization"`
	GTS                       string `json:"gts"`
	InteractionPolicy         term   `json:"interactionPolicy"`
	CanQuote                  term   `json:"canQuote"`
	AutomaticApproval         term   `json:"automaticApproval"`
	ManualApproval            term   `json:"manualApproval"`
	InteractingObject         term   `json:"interactingObject"`
	InteractionTarget         term   `json:"interactionTarget"`
}

// Context returns the @context kith puts on every document it sends: the
// AS2 and security vocabularies plus Mastodon's inline extension terms.
// It returns a fresh value each call.
func Context() []any {
	return []any{
		"https://www.w3.org/ns/activitystreams",
		"https://w3id.org/security/v1",
		contextTerms{
			ManuallyApprovesFollowers: "as:manuallyApprovesFollowers",
			Toot:                      "http://joinmastodon.org/ns#",
			Featured:                  term{ID: "toot:featured", Type: "@id"},
			FeaturedTags:              term{ID: "toot:featuredTags", Type: "@id"},
			AlsoKnownAs:               term{ID: "as:alsoKnownAs", Type: "@id"},
			MovedTo:                   term{ID: "as:movedTo", Type: "@id"},
			Schema:                    "http://schema.org#",
			PropertyValue:             "schema:PropertyValue",
			Value:                     "schema:value",
			Discoverable:              "toot:discoverable",
			Indexable:                 "toot:indexable",
			Memorial:                  "toot:memorial",
			Sensitive:                 "as:sensitive",
			Hashtag:                   "as:Hashtag",
			Emoji:                     "toot:Emoji",
			FocalPoint:                term{Container: "@list", ID: "toot:focalPoint"},
			Blurhash:                  "toot:blurhash",
			VotersCount:               "toot:votersCount",
			Ostatus:                   "http://ostatus.org#",
			Conversation:              "ostatus:conversation",
			// Quotes: FEP-044f, with the older keys Misskey and
			// Fedibird-era servers read, as Mastodon 4.5 defines them.
			Quote:                  "https://w3id.org/fep/044f#quote",
			QuoteURL:               "as:quoteUrl",
			MisskeyQuote:           "https://misskey-hub.net/ns#_misskey_quote",
			QuoteAuthorization:     term{ID: "https://w3id.org/fep/044f#quoteAuthorization", Type: "@id"},
			QuoteRequest:           "https://w3id.org/fep/044f#QuoteRequest",
			QuoteAuthorizationType: "https://w3id.org/fep/044f#QuoteAuthorization",
			GTS:                    "https://gotosocial.org/ns#",
			InteractionPolicy:      term{ID: "gts:interactionPolicy", Type: "@id"},
			CanQuote:               term{ID: "gts:canQuote", Type: "@id"},
			AutomaticApproval:      term{ID: "gts:automaticApproval", Type: "@id"},
			ManualApproval:         term{ID: "gts:manualApproval", Type: "@id"},
			InteractingObject:      term{ID: "gts:interactingObject", Type: "@id"},
			InteractionTarget:      term{ID: "gts:interactionTarget", Type: "@id"},
		},
	}
}

// OutActor is the owner's actor document.
type OutActor struct {
	Context                   any          `json:"@context,omitempty"`
	ID                        string       `json:"id"`
	Type                      string       `json:"type"`
	Following                 string       `json:"following"`
	Followers                 string       `json:"followers"`
	Inbox                     string       `json:"inbox"`
	Outbox                    string       `json:"outbox"`
	Featured                  string       `json:"featured,omitempty"`
	FeaturedTags              string       `json:"featuredTags,omitempty"`
	PreferredUsername         string       `json:"preferredUsername"`
	Name                      string       `json:"name"`
	Summary                   string       `json:"summary"`
	URL                       string       `json:"url"`
	ManuallyApprovesFollowers bool         `json:"manuallyApprovesFollowers"`
	Discoverable              bool         `json:"discoverable"`
	Indexable                 bool         `json:"indexable"`
	Published                 string       `json:"published,omitempty"`
	Memorial                  bool         `json:"memorial"`
	AlsoKnownAs               []string     `json:"alsoKnownAs,omitempty"`
	MovedTo                   string       `json:"movedTo,omitempty"`
	PublicKey                 OutPublicKey `json:"publicKey"`
	// AssertionMethod lists the Ed25519 key that signs integrity proofs.
	AssertionMethod []OutMultikey `json:"assertionMethod,omitempty"`
	Tag             []OutTag      `json:"tag"`
	Attachment      []OutField    `json:"attachment"`
	Endpoints       OutEndpoints  `json:"endpoints"`
	Icon            *OutImage     `json:"icon,omitempty"`
	Image           *OutImage     `json:"image,omitempty"`
}

// OutPublicKey is the actor's key: id is <actor>#main-key.
type OutPublicKey struct {
	ID           string `json:"id"`
	Owner        string `json:"owner"`
	PublicKeyPem string `json:"publicKeyPem"`
}

// OutMultikey is a verification method (FEP-521a): id is
// <actor>#ed25519-key, the key multibase-encoded ("z6Mk...").
type OutMultikey struct {
	ID                 string `json:"id"`
	Type               string `json:"type"` // "Multikey"
	Controller         string `json:"controller"`
	PublicKeyMultibase string `json:"publicKeyMultibase"`
}

// Contexts of what carries or publishes integrity proofs (FEP-8b32).
const (
	MultikeyContext      = "https://w3id.org/security/multikey/v1"
	DataIntegrityContext = "https://w3id.org/security/data-integrity/v1"
	// DIDContext defines assertionMethod.
	//
	// Note: without it Fedify's JSON-LD processing drops assertionMethod
	// and finds no key; Fedify's own actors carry it.
	DIDContext = "https://www.w3.org/ns/did/v1"
)

// WithContexts returns ctx, a Context() value, with the given context
// URLs added after the plain ones and before the inline terms.
func WithContexts(ctx []any, urls ...string) []any {
	out := make([]any, 0, len(ctx)+len(urls))
	i := 0
	for ; i < len(ctx); i++ {
		if _, ok := ctx[i].(string); !ok {
			break
		}
		out = append(out, ctx[i])
	}
	for _, u := range urls {
		out = append(out, u)
	}
	return append(out, ctx[i:]...)
}

// OutEndpoints holds the shared inbox.
type OutEndpoints struct {
	SharedInbox string `json:"sharedInbox"`
}

// OutField is a profile field; Value is HTML.
type OutField struct {
	Type  string `json:"type"` // "PropertyValue"
	Name  string `json:"name"`
	Value string `json:"value"`
}

// OutImage is an avatar, header or emoji picture.
type OutImage struct {
	Type      string `json:"type"` // "Image"
	MediaType string `json:"mediaType,omitempty"`
	URL       string `json:"url"`
}

// OutTag is a Mention, Hashtag or Emoji on a post or actor, or an Emoji
// served as a document of its own (with Context).
type OutTag struct {
	Context any       `json:"@context,omitempty"`
	ID      string    `json:"id,omitempty"` // Emoji only
	Type    string    `json:"type"`
	Href    string    `json:"href,omitempty"`
	Name    string    `json:"name"`
	Updated string    `json:"updated,omitempty"` // Emoji only
	Icon    *OutImage `json:"icon,omitempty"`    // Emoji only
}

// OutNote is a post: a Note, or a Question when it carries a poll. A poll
// vote is a Note with Name and InReplyTo and no content.
type OutNote struct {
	Context      any               `json:"@context,omitempty"`
	ID           string            `json:"id"`
	Type         string            `json:"type"`
	Name         string            `json:"name,omitempty"`
	Summary      string            `json:"summary,omitempty"`
	InReplyTo    string            `json:"inReplyTo,omitempty"`
	Published    string            `json:"published"`
	Updated      string            `json:"updated,omitempty"`
	URL          string            `json:"url,omitempty"`
	AttributedTo string            `json:"attributedTo"`
	To           []string          `json:"to"`
	CC           []string          `json:"cc"`
	Sensitive    bool              `json:"sensitive"`
	Conversation string            `json:"conversation,omitempty"`
	Content      string            `json:"content,omitempty"`
	ContentMap   map[string]string `json:"contentMap,omitempty"`
	Attachment   []OutAttachment   `json:"attachment"`
	Tag          []OutTag          `json:"tag"`
	Replies      *OutReplies       `json:"replies,omitempty"`
	OneOf        []OutPollOption   `json:"oneOf,omitempty"`
	AnyOf        []OutPollOption   `json:"anyOf,omitempty"`
	EndTime      string            `json:"endTime,omitempty"`
	Closed       string            `json:"closed,omitempty"`
	VotersCount  *int              `json:"votersCount,omitempty"`

	// Quote is the quoted post (FEP-044f); QuoteURL and MisskeyQuote
	// repeat it for servers that read only the older keys.
	Quote              string                `json:"quote,omitempty"`
	QuoteURL           string                `json:"quoteUrl,omitempty"`
	MisskeyQuote       string                `json:"_misskey_quote,omitempty"`
	QuoteAuthorization string                `json:"quoteAuthorization,omitempty"`
	InteractionPolicy  *OutInteractionPolicy `json:"interactionPolicy,omitempty"`
}

// OutInteractionPolicy says who may quote a post.
type OutInteractionPolicy struct {
	CanQuote OutApproval `json:"canQuote"`
}

// OutApproval lists who is approved automatically.
type OutApproval struct {
	AutomaticApproval []string `json:"automaticApproval"`
}

// OutQuoteAuthorization is a stamp allowing one post to quote another.
type OutQuoteAuthorization struct {
	Context           any    `json:"@context,omitempty"`
	ID                string `json:"id"`
	Type              string `json:"type"` // "QuoteAuthorization"
	AttributedTo      string `json:"attributedTo"`
	InteractingObject string `json:"interactingObject"`
	InteractionTarget string `json:"interactionTarget"`
}

// OutAttachment is a media attachment. Name is the alt text.
type OutAttachment struct {
	Type       string    `json:"type"` // "Document"
	MediaType  string    `json:"mediaType"`
	URL        string    `json:"url"`
	Name       string    `json:"name,omitempty"`
	Blurhash   string    `json:"blurhash,omitempty"`
	FocalPoint []float64 `json:"focalPoint,omitempty"`
	Width      int       `json:"width,omitempty"`
	Height     int       `json:"height,omitempty"`
}

// OutPollOption is one choice of a poll, with its vote count.
type OutPollOption struct {
	Type    string        `json:"type"` // "Note"
	Name    string        `json:"name"`
	Replies OutTotalItems `json:"replies"`
}

// OutTotalItems is a collection shown only by its size.
type OutTotalItems struct {
	Type       string `json:"type"` // "Collection"
	TotalItems int    `json:"totalItems"`
}

// OutActivity is an activity kith sends. Object is an IRI string or one of
// the Out types (or another OutActivity, as in Undo{Follow}).
type OutActivity struct {
	Context   any      `json:"@context,omitempty"`
	ID        string   `json:"id"`
	Type      string   `json:"type"`
	Actor     string   `json:"actor"`
	Published string   `json:"published,omitempty"`
	To        []string `json:"to,omitempty"`
	CC        []string `json:"cc,omitempty"`
	Object    any      `json:"object"`
	Target    string   `json:"target,omitempty"`
	// Instrument is a QuoteRequest's quoting post; Result an Accept's
	// QuoteAuthorization.
	Instrument any    `json:"instrument,omitempty"`
	Result     string `json:"result,omitempty"`
}

// OutReplies is a post's replies collection as Mastodon shapes it: an
// unordered Collection with its first page embedded, in a Note or served
// at its own id.
type OutReplies struct {
	Context any            `json:"@context,omitempty"`
	ID      string         `json:"id"`
	Type    string         `json:"type"` // "Collection"
	First   OutRepliesPage `json:"first"`
}

// OutRepliesPage is one page of a replies collection. Items are IRIs, or
// Notes for the instance's own replies. Items is written even when empty,
// as Mastodon writes it.
type OutRepliesPage struct {
	Context any    `json:"@context,omitempty"`
	ID      string `json:"id,omitempty"` // absent on the page a Note embeds
	Type    string `json:"type"`         // "CollectionPage"
	Next    string `json:"next,omitempty"`
	PartOf  string `json:"partOf"`
	Items   []any  `json:"items"`
}

// OutCollection is a collection or a page of one (outbox, followers,
// featured). Items are IRIs or Out types.
type OutCollection struct {
	Context      any    `json:"@context,omitempty"`
	ID           string `json:"id"`
	Type         string `json:"type"`
	TotalItems   *int   `json:"totalItems,omitempty"`
	First        string `json:"first,omitempty"`
	Last         string `json:"last,omitempty"`
	Next         string `json:"next,omitempty"`
	Prev         string `json:"prev,omitempty"`
	PartOf       string `json:"partOf,omitempty"`
	OrderedItems []any  `json:"orderedItems,omitempty"`
	Items        []any  `json:"items,omitempty"` // an unordered Collection's
}

// FormatTime writes a timestamp the way Mastodon does: UTC, whole seconds,
// "Z".
func FormatTime(t time.Time) string {
	return t.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05Z")
}

// Marshal encodes a document kith sends. HTML in content and summaries is
// written as is rather than as \u003c escapes, as Mastodon writes it: both
// are valid JSON, but the plain form is what people and logs expect.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

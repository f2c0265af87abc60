package ap

import (
	"encoding/json"
	"strings"
)

// Actor is a remote account: Person, Service, Application, Group or
// Organization.
type Actor struct {
	ID                string `json:"id"`
	Type              Type   `json:"type"`
	PreferredUsername Str    `json:"preferredUsername"`
	Name              Str    `json:"name"`
	Summary           Str    `json:"summary"` // HTML; sanitize before use
	URL               Links  `json:"url"`

	Inbox        IRI       `json:"inbox"`
	Outbox       IRI       `json:"outbox"`
	Followers    IRI       `json:"followers"`
	Following    IRI       `json:"following"`
	Featured     IRI       `json:"featured"`
	FeaturedTags IRI       `json:"featuredTags"`
	Endpoints    Endpoints `json:"endpoints"`
	// Note: Misskey also sends sharedInbox at the top level.
	SharedInbox IRI `json:"sharedInbox"`

	// Note: a few servers send several keys as an array; see Key.
	PublicKey List[PublicKey] `json:"publicKey"`
	// Note: Fedify lists its Ed25519 keys here as Multikey objects
	// (FEP-521a); it signs integrity proofs (FEP-8b32) with them.
	AssertionMethod List[Multikey] `json:"assertionMethod"`

	ManuallyApprovesFollowers Bool `json:"manuallyApprovesFollowers"`
	Discoverable              Bool `json:"discoverable"`
	// Note: Takahē sends the prefixed key toot:discoverable.
	TootDiscoverable Bool `json:"toot:discoverable"`
	Indexable        Bool `json:"indexable"`
	Memorial         Bool `json:"memorial"`
	Suspended        Bool `json:"suspended"`

	Icon       Image            `json:"icon"`
	Image      Image            `json:"image"`
	Attachment List[Attachment] `json:"attachment"` // PropertyValue fields
	Tag        List[Tag]        `json:"tag"`        // custom emoji in name and summary

	AlsoKnownAs IRIs `json:"alsoKnownAs"`
	MovedTo     IRI  `json:"movedTo"`
	Published   Time `json:"published"`
}

// PublicKey is the key an actor signs with.
type PublicKey struct {
	ID           IRI `json:"id"`
	Owner        IRI `json:"owner"`
	PublicKeyPem Str `json:"publicKeyPem"`
}

// Multikey is a verification method (FEP-521a): a public key in
// multibase, here an Ed25519 one ("z6Mk...").
type Multikey struct {
	ID                 IRI  `json:"id"`
	Type               Type `json:"type"`
	Controller         IRI  `json:"controller"`
	PublicKeyMultibase Str  `json:"publicKeyMultibase"`
}

// Endpoints holds the actor's shared inbox.
//
// Note: Kroeg sends endpoints as a bare IRI; it is ignored.
type Endpoints struct {
	SharedInbox IRI
}

// UnmarshalJSON implements json.Unmarshaler.
func (e *Endpoints) UnmarshalJSON(b []byte) error {
	*e = Endpoints{}
	if firstByte(b) != '{' {
		return nil
	}
	var o struct {
		SharedInbox IRI `json:"sharedInbox"`
	}
	if unmarshalLenient(b, &o) == nil {
		e.SharedInbox = o.SharedInbox
	}
	return nil
}

// Field is a profile field (a PropertyValue attachment).
type Field struct {
	Name  string
	Value string // HTML; sanitize before use
}

// Key returns the actor's first key that carries a PEM, else the first
// key, else nil.
func (a *Actor) Key() *PublicKey {
	for i := range a.PublicKey {
		if strings.TrimSpace(string(a.PublicKey[i].PublicKeyPem)) != "" {
			return &a.PublicKey[i]
		}
	}
	if len(a.PublicKey) > 0 {
		return &a.PublicKey[0]
	}
	return nil
}

// SharedInboxURL returns endpoints.sharedInbox, else the top-level
// sharedInbox, else "".
func (a *Actor) SharedInboxURL() string {
	if a.Endpoints.SharedInbox != "" {
		return string(a.Endpoints.SharedInbox)
	}
	return string(a.SharedInbox)
}

// IsBot reports whether the actor is automated, which AS2 says by type.
func (a *Actor) IsBot() bool { return a.Type == "Service" || a.Type == "Application" }

// IsGroup reports whether the actor is a group (Lemmy communities, Guppe,
// PeerTube channels).
func (a *Actor) IsGroup() bool { return a.Type == "Group" }

// IsDiscoverable reports whether the actor opted in to discovery, under
// either spelling.
func (a *Actor) IsDiscoverable() bool { return bool(a.Discoverable || a.TootDiscoverable) }

// Fields returns the PropertyValue profile fields.
func (a *Actor) Fields() []Field {
	var fields []Field
	for _, att := range a.Attachment {
		if att.Type == "PropertyValue" && att.Name != "" {
			fields = append(fields, Field{Name: string(att.Name), Value: string(att.Value)})
		}
	}
	return fields
}

// ProfileURL returns the HTML profile page, else the actor id.
func (a *Actor) ProfileURL() string {
	if u := a.URL.HTML(); u != "" {
		return u
	}
	return a.ID
}

// Image is an icon or header picture: an Image object, a bare URL, or an
// array of either (the widest is kept).
//
// Note: PeerTube sends arrays of sizes; Mastodon test actors a bare URL;
// Smithereen an Image whose uncropped original sits in a nested image.
type Image struct {
	URL       string
	MediaType string
	Name      string // alt text
	Width     int64
	Height    int64
}

// imageObject is the shape of one Image; nested holds Smithereen's
// uncropped original, read without further nesting.
type imageObject struct {
	URL       Links `json:"url"`
	Href      IRI   `json:"href"`
	MediaType Str   `json:"mediaType"`
	Name      Str   `json:"name"`
	Width     Int   `json:"width"`
	Height    Int   `json:"height"`
}

// UnmarshalJSON implements json.Unmarshaler.
func (img *Image) UnmarshalJSON(b []byte) error {
	*img = Image{}
	if firstByte(b) != '[' {
		*img = singleImage(b)
		return nil
	}
	var elems []json.RawMessage
	if json.Unmarshal(b, &elems) != nil {
		return nil
	}
	for _, e := range elems {
		if cand := singleImage(e); cand.URL != "" && (img.URL == "" || cand.Width > img.Width) {
			*img = cand
		}
	}
	return nil
}

// singleImage reads a bare URL or one Image object.
func singleImage(b []byte) Image {
	if firstByte(b) != '{' {
		return Image{URL: strings.TrimSpace(stringText(b))}
	}
	var o struct {
		imageObject
		Nested imageObject `json:"image"`
	}
	if unmarshalLenient(b, &o) != nil {
		return Image{}
	}
	img := o.imageObject.image()
	if img.URL == "" {
		img = o.Nested.image()
	}
	return img
}

func (o imageObject) image() Image {
	img := Image{
		URL:       o.URL.First(),
		MediaType: string(o.MediaType),
		Name:      string(o.Name),
		Width:     int64(o.Width),
		Height:    int64(o.Height),
	}
	if img.URL == "" {
		img.URL = string(o.Href)
	}
	if img.MediaType == "" && len(o.URL) > 0 {
		img.MediaType = o.URL[0].MediaType
	}
	return img
}

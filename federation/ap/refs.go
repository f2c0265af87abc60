package ap

import (
	"encoding/json"
	"errors"
	"strings"
)

// IRI is a property naming one thing: a string, an object with an id, a
// Link with an href, or an array (its first usable entry).
type IRI string

// UnmarshalJSON implements json.Unmarshaler.
func (i *IRI) UnmarshalJSON(b []byte) error {
	*i = ""
	if firstByte(b) != '[' {
		*i = IRI(singleIRI(b))
		return nil
	}
	var elems []json.RawMessage
	if json.Unmarshal(b, &elems) != nil {
		return nil
	}
	for _, e := range elems {
		if s := singleIRI(e); s != "" {
			*i = IRI(s)
			return nil
		}
	}
	return nil
}

// IRIs is a property naming several things (to, cc, alsoKnownAs): a string,
// an object with an id or href, or an array of either. Empty strings and
// entries without an IRI are dropped.
//
// Note: Kroeg, Owncast, Funkwhale, Lemmy and Mastodon poll votes send
// "to" as a single string.
type IRIs []string

// UnmarshalJSON implements json.Unmarshaler.
func (l *IRIs) UnmarshalJSON(b []byte) error {
	*l = nil
	if firstByte(b) != '[' {
		if s := singleIRI(b); s != "" {
			*l = IRIs{s}
		}
		return nil
	}
	var elems []json.RawMessage
	if json.Unmarshal(b, &elems) != nil {
		return nil
	}
	for _, e := range elems {
		if s := singleIRI(e); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// First returns the first IRI, or "".
func (l IRIs) First() string {
	if len(l) == 0 {
		return ""
	}
	return l[0]
}

// Contains reports whether iri is in the list.
func (l IRIs) Contains(iri string) bool {
	for _, s := range l {
		if s == iri {
			return true
		}
	}
	return false
}

// singleIRI reads a string, or the id (else href) of an object. Arrays
// give "": callers decide whether to look inside one, so this never
// recurses.
func singleIRI(b []byte) string {
	if firstByte(b) == '{' {
		var o struct {
			ID   Str `json:"id"`
			Href Str `json:"href"`
		}
		if json.Unmarshal(b, &o) != nil {
			return ""
		}
		if o.ID != "" {
			return strings.TrimSpace(string(o.ID))
		}
		return strings.TrimSpace(string(o.Href))
	}
	return strings.TrimSpace(stringText(b))
}

// Link is one entry of a url property.
type Link struct {
	Href      string
	MediaType string
}

// Links is a url property: a string, a Link object (href, and mediaType or
// mimeType) or an array of either.
//
// Note: PeerTube, Funkwhale, Osada and Hubzilla send url as an array of
// Links (an HTML page next to feeds, video files or zot endpoints), using
// mimeType in older versions.
type Links []Link

// UnmarshalJSON implements json.Unmarshaler.
func (l *Links) UnmarshalJSON(b []byte) error {
	*l = nil
	if firstByte(b) != '[' {
		if link := singleLink(b); link.Href != "" {
			*l = Links{link}
		}
		return nil
	}
	var elems []json.RawMessage
	if json.Unmarshal(b, &elems) != nil {
		return nil
	}
	for _, e := range elems {
		if link := singleLink(e); link.Href != "" {
			*l = append(*l, link)
		}
	}
	return nil
}

// singleLink reads a bare URL or a Link object; arrays give a zero Link.
func singleLink(b []byte) Link {
	if firstByte(b) != '{' {
		return Link{Href: strings.TrimSpace(stringText(b))}
	}
	var o struct {
		Href      Str `json:"href"`
		URL       Str `json:"url"`
		MediaType Str `json:"mediaType"`
		MimeType  Str `json:"mimeType"`
	}
	if json.Unmarshal(b, &o) != nil {
		return Link{}
	}
	link := Link{Href: string(o.Href), MediaType: string(o.MediaType)}
	if link.Href == "" {
		link.Href = string(o.URL)
	}
	if link.MediaType == "" {
		link.MediaType = string(o.MimeType)
	}
	link.Href = strings.TrimSpace(link.Href)
	return link
}

// First returns the first href, or "".
func (l Links) First() string {
	if len(l) == 0 {
		return ""
	}
	return l[0].Href
}

// HTML returns the href meant for a browser: the first text/html link,
// else the first without a media type, else the first.
func (l Links) HTML() string {
	for _, link := range l {
		if strings.HasPrefix(link.MediaType, "text/html") {
			return link.Href
		}
	}
	for _, link := range l {
		if link.MediaType == "" {
			return link.Href
		}
	}
	return l.First()
}

// Ref is a property that is either a bare IRI or an embedded object
// (object, actor, target, first). It keeps the embedded JSON as sent so
// the caller decides whether to trust it or to fetch ID instead.
//
// Note: Mastodon embeds the Note in a boost and the Follow in an Accept;
// Kroeg, Osada and Hubzilla embed whole actors; Prismo sends an array of
// actor objects (the first is taken).
type Ref struct {
	ID   string          // the IRI, or the embedded object's id
	Type Type            // the embedded object's type; "" for a bare IRI
	Raw  json.RawMessage // the embedded object; nil for a bare IRI
}

// UnmarshalJSON implements json.Unmarshaler.
func (r *Ref) UnmarshalJSON(b []byte) error {
	*r = Ref{}
	if firstByte(b) != '[' {
		*r = singleRef(b)
		return nil
	}
	var elems []json.RawMessage
	if json.Unmarshal(b, &elems) != nil {
		return nil
	}
	for _, e := range elems {
		if ref := singleRef(e); ref.ID != "" || ref.Raw != nil {
			*r = ref
			return nil
		}
	}
	return nil
}

// singleRef reads a bare IRI or an object; arrays give a zero Ref.
func singleRef(b []byte) Ref {
	if firstByte(b) != '{' {
		return Ref{ID: strings.TrimSpace(stringText(b))}
	}
	var head struct {
		ID   Str  `json:"id"`
		Href Str  `json:"href"`
		Type Type `json:"type"`
	}
	if json.Unmarshal(b, &head) != nil {
		return Ref{}
	}
	id := string(head.ID)
	if id == "" {
		id = string(head.Href)
	}
	raw := make(json.RawMessage, len(b))
	copy(raw, b) // the decoder may reuse b
	return Ref{ID: strings.TrimSpace(id), Type: head.Type, Raw: raw}
}

// IsEmbedded reports whether the value was an object rather than a bare IRI.
func (r Ref) IsEmbedded() bool { return r.Raw != nil }

// errNotEmbedded is returned when an embedded value is asked for but only
// an IRI was sent.
var errNotEmbedded = errors.New("ap: not an embedded object")

// Object parses the embedded object. It does not check where the object
// came from: see Activity.InlineObjectTrusted.
func (r Ref) Object() (*Object, error) {
	if !r.IsEmbedded() {
		return nil, errNotEmbedded
	}
	return ParseObject(r.Raw)
}

// Actor parses the embedded actor.
func (r Ref) Actor() (*Actor, error) {
	if !r.IsEmbedded() {
		return nil, errNotEmbedded
	}
	return ParseActor(r.Raw)
}

// Activity parses the embedded activity (the Follow inside an Accept, the
// Like inside an Undo).
func (r Ref) Activity() (*Activity, error) {
	if !r.IsEmbedded() {
		return nil, errNotEmbedded
	}
	return ParseActivity(r.Raw)
}

// Refs is a list of IRIs or embedded objects (attributedTo, items).
type Refs []Ref

// UnmarshalJSON implements json.Unmarshaler.
func (l *Refs) UnmarshalJSON(b []byte) error {
	*l = nil
	if firstByte(b) != '[' {
		if ref := singleRef(b); ref.ID != "" || ref.Raw != nil {
			*l = Refs{ref}
		}
		return nil
	}
	var elems []json.RawMessage
	if json.Unmarshal(b, &elems) != nil {
		return nil
	}
	for _, e := range elems {
		if ref := singleRef(e); ref.ID != "" || ref.Raw != nil {
			*l = append(*l, ref)
		}
	}
	return nil
}

// IDs returns the non-empty ids in order.
func (l Refs) IDs() []string {
	var ids []string
	for _, r := range l {
		if r.ID != "" {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// List is a property holding one object or an array of objects (tag,
// attachment, oneOf, publicKey). Elements that are not objects are dropped.
//
// Note: Kroeg and Owncast send a single tag or attachment object; Takahē
// sends one PropertyValue as attachment; Bridgy Fed and Mastodon send
// arrays.
type List[T any] []T

// UnmarshalJSON implements json.Unmarshaler.
func (l *List[T]) UnmarshalJSON(b []byte) error {
	*l = nil
	add := func(raw []byte) {
		if firstByte(raw) != '{' {
			return
		}
		var v T
		if unmarshalLenient(raw, &v) == nil {
			*l = append(*l, v)
		}
	}
	if firstByte(b) != '[' {
		add(b)
		return nil
	}
	var elems []json.RawMessage
	if json.Unmarshal(b, &elems) != nil {
		return nil
	}
	for _, e := range elems {
		add(e)
	}
	return nil
}

// ItemCount is the totalItems of an embedded collection, as in a poll
// option's replies. It is 0 when the collection is only linked.
type ItemCount int64

// UnmarshalJSON implements json.Unmarshaler.
func (c *ItemCount) UnmarshalJSON(b []byte) error {
	*c = 0
	if firstByte(b) != '{' {
		return nil
	}
	var o struct {
		TotalItems Int `json:"totalItems"`
	}
	if unmarshalLenient(b, &o) == nil {
		*c = ItemCount(o.TotalItems)
	}
	return nil
}

// unmarshalLenient is json.Unmarshal that ignores fields of the wrong JSON
// type (they are left zero, and decoding carries on past them).
func unmarshalLenient(b []byte, v any) error {
	err := json.Unmarshal(b, v)
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return nil
	}
	return err
}

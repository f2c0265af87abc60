package ap

import (
	"errors"
	"fmt"
)

// Errors the Parse functions wrap; test with errors.Is.
var (
	// ErrNotObject: the document is not a JSON object (or not JSON).
	ErrNotObject = errors.New("ap: not a JSON object")
	// ErrMissingID: the document has no id, or an empty one.
	ErrMissingID = errors.New("ap: missing id")
	// ErrBadID: the id is not an absolute http(s) URL.
	ErrBadID = errors.New("ap: id is not an absolute http(s) URL")
	// ErrMissingType: the document has no type.
	ErrMissingType = errors.New("ap: missing type")
	// ErrMissingActor: an activity names no actor.
	ErrMissingActor = errors.New("ap: activity has no actor")
	// ErrWrongType: the document is not of the kind asked for (a Note where
	// an actor was expected).
	ErrWrongType = errors.New("ap: wrong type")
)

// idError reports an id that is not an absolute http(s) URL.
type idError struct{ id string }

func (e *idError) Error() string {
	id := e.id
	if len(id) > 100 {
		id = id[:100] + "…"
	}
	return fmt.Sprintf("%v: %q", ErrBadID, id)
}

func (e *idError) Unwrap() error { return ErrBadID }

// ParseActivity parses an inbound activity. It requires an object
// document with a type, an absolute http(s) id and an actor.
//
// An activity without an id is rejected: kith deduplicates inbound
// activities by id and cannot refetch one that has none. (AS2 allows
// transient activities, and the FEP-e232 example omits the id, but the
// servers kith federates with always send one.)
func ParseActivity(data []byte) (*Activity, error) {
	var a Activity
	if err := decode(data, &a); err != nil {
		return nil, err
	}
	if err := checkHead(a.ID, a.Type); err != nil {
		return nil, fmt.Errorf("activity: %w", err)
	}
	if a.Actor.ID == "" {
		return nil, fmt.Errorf("activity %s: %w", a.ID, ErrMissingActor)
	}
	return &a, nil
}

// ParseObject parses a post-like object. It requires an object document
// with a type and an absolute http(s) id. Actors, collections and
// activities are refused with ErrWrongType (they have their own parsers),
// and so are types that are not capitalised like every AS2 and extension
// type: a JSON document that merely has a "type" is not an object.
func ParseObject(data []byte) (*Object, error) {
	var o Object
	if err := decode(data, &o); err != nil {
		return nil, err
	}
	if err := checkHead(o.ID, o.Type); err != nil {
		return nil, fmt.Errorf("object: %w", err)
	}
	if !isObjectType(string(o.Type)) {
		return nil, fmt.Errorf("object %s: %w: %q", o.ID, ErrWrongType, o.Type)
	}
	return &o, nil
}

// ParseActor parses an actor. It requires an actor type and an absolute
// http(s) id; a missing inbox or key is left for the caller to judge.
func ParseActor(data []byte) (*Actor, error) {
	var a Actor
	if err := decode(data, &a); err != nil {
		return nil, err
	}
	if err := checkHead(a.ID, a.Type); err != nil {
		return nil, fmt.Errorf("actor: %w", err)
	}
	if !IsActorType(string(a.Type)) {
		return nil, fmt.Errorf("actor %s: %w: %q", a.ID, ErrWrongType, a.Type)
	}
	return &a, nil
}

// ParseCollection parses a collection or collection page fetched by URL.
// It requires a collection type and an absolute http(s) id.
func ParseCollection(data []byte) (*Collection, error) {
	var c Collection
	if err := decode(data, &c); err != nil {
		return nil, err
	}
	if err := checkHead(c.ID, c.Type); err != nil {
		return nil, fmt.Errorf("collection: %w", err)
	}
	if !IsCollectionType(string(c.Type)) {
		return nil, fmt.Errorf("collection %s: %w: %q", c.ID, ErrWrongType, c.Type)
	}
	return &c, nil
}

// ParseCollectionPage parses a page embedded in a collection (its first).
// Unlike ParseCollection it accepts a page without an id, since the page's
// authority is the collection it came in.
//
// Note: Pleroma embeds an id-less first page in hidden follower lists.
func ParseCollectionPage(data []byte) (*Collection, error) {
	var c Collection
	if err := decode(data, &c); err != nil {
		return nil, err
	}
	if !IsCollectionType(string(c.Type)) {
		return nil, fmt.Errorf("collection page: %w: %q", ErrWrongType, c.Type)
	}
	return &c, nil
}

// decode unmarshals an object document into v. Fields of the wrong JSON
// type are left zero rather than failing the document.
func decode(data []byte, v any) error {
	if firstByte(data) != '{' {
		return ErrNotObject
	}
	if err := unmarshalLenient(data, v); err != nil {
		return fmt.Errorf("%w: %v", ErrNotObject, err)
	}
	return nil
}

// checkHead checks the id and type every fetched or delivered document
// must have.
func checkHead(id string, typ Type) error {
	if err := CheckID(id); err != nil {
		return err
	}
	if typ == "" {
		return fmt.Errorf("%s: %w", id, ErrMissingType)
	}
	return nil
}

// isObjectType reports whether t can name a post-like object.
func isObjectType(t string) bool {
	if t == "" || t[0] < 'A' || t[0] > 'Z' {
		return false
	}
	return !IsActorType(t) && !IsCollectionType(t) && !IsActivityType(t)
}

// IsActorType reports whether t is an actor type.
func IsActorType(t string) bool {
	switch t {
	case "Person", "Service", "Application", "Group", "Organization":
		return true
	}
	return false
}

// IsCollectionType reports whether t is a collection or collection page.
func IsCollectionType(t string) bool {
	switch t {
	case "Collection", "OrderedCollection", "CollectionPage", "OrderedCollectionPage":
		return true
	}
	return false
}

// IsActivityType reports whether t is an activity type kith may meet in
// an inbox or outbox, including the non-standard EmojiReact.
func IsActivityType(t string) bool {
	switch t {
	case "Create", "Update", "Delete", "Follow", "Accept", "Reject", "Undo",
		"Like", "Dislike", "Announce", "Block", "Move", "Flag", "Add", "Remove",
		"EmojiReact", "Invite", "Join", "Leave", "View", "Listen",
		"Read", "Offer", "TentativeAccept", "TentativeReject", "Arrive", "Travel", "Ignore", "QuoteRequest":
		return true
	}
	return false
}

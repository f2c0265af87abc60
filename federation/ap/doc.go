// Package ap holds kith's ActivityPub wire types: lenient parsing of what
// peers send, the Mastodon-shaped JSON kith sends, and the sanitizing of
// remote HTML.
//
// Everything a peer sends is untrusted and irregular. Any AS2 property may
// arrive as a scalar, an array, an object or a bare IRI; booleans may be
// strings or JSON-LD typed literals; null appears where a list or string is
// expected. The value types in values.go absorb that once, so the structs
// in activity.go, object.go, actor.go and collection.go read like the
// documents Mastodon sends. No JSON-LD processing is done: a few well-known
// prefixed keys (as:sensitive, toot:discoverable) are read where it is
// cheap, and everything else is matched by its compact name.
//
// Size and depth: callers cap request and fetch bodies at 1 MiB before
// parsing. encoding/json rejects documents nested deeper than 10,000
// levels before any of our code runs, and none of the UnmarshalJSON
// methods here call themselves: an embedded object is kept as raw JSON
// (see Ref) and parsed only when the caller asks for it, so nesting never
// turns into unbounded recursion or repeated rescans.
//
// The parse functions check shape, not trust. Whether the sender may speak
// for an id is the caller's decision; SameOrigin, SameHost,
// KeyOwnedByActor, Object.AuthorHostMatches and Activity.InlineObjectTrusted
// give it the facts to decide with.
package ap

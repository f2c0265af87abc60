package ap

// Activity is an inbound activity: Create, Update, Delete, Follow, Accept,
// Reject, Undo, Like, Announce, Block, Move, Flag, EmojiReact, and others
// kith ignores.
type Activity struct {
	ID         string `json:"id"`
	Type       Type   `json:"type"`
	Actor      Ref    `json:"actor"`
	Object     Ref    `json:"object"`
	Target     Ref    `json:"target"`     // Move: the new account; Add/Remove: the collection
	Instrument Ref    `json:"instrument"` // QuoteRequest: the quoting post
	Result     IRI    `json:"result"`     // Accept of a QuoteRequest: the QuoteAuthorization
	To         IRIs   `json:"to"`
	CC         IRIs   `json:"cc"`
	Audience   IRIs   `json:"audience"`
	Published  Time   `json:"published"`
	Updated    Time   `json:"updated"`

	// Content is the emoji of an EmojiReact or a Misskey reaction Like,
	// or the comment of a Flag.
	Content Str `json:"content"`
	// Note: Misskey sends its reaction in _misskey_reaction as well
	// (":shortcode:" for custom emoji, a bare name in old versions).
	MisskeyReaction Str `json:"_misskey_reaction"`
	// Tag carries the Emoji a custom-emoji reaction refers to.
	Tag List[Tag] `json:"tag"`
}

// Reaction returns the emoji of a reaction (EmojiReact, or a Like with a
// Misskey reaction), or "" for a plain Like.
func (a *Activity) Reaction() string {
	if a.MisskeyReaction != "" {
		return string(a.MisskeyReaction)
	}
	if a.Type == "EmojiReact" || a.Type == "Like" {
		return string(a.Content)
	}
	return ""
}

// InlineObjectTrusted reports whether the embedded object may be used as
// sent: it is embedded, has an id, and that id has the same origin as the
// activity. Otherwise the caller fetches Object.ID from its own server.
//
// Note: a boost carries a copy of the boosted post; a forged one can claim
// any author (see bogus-mastodon-announce in the Pleroma test suite), so
// only same-origin copies are believed.
func (a *Activity) InlineObjectTrusted() bool {
	return a.Object.IsEmbedded() && a.Object.ID != "" && SameOrigin(a.ID, a.Object.ID)
}

// ActorHostMatches reports whether the activity's id lives on its actor's
// host. Activities whose id is on another host need the object refetched
// or the activity dropped.
//
// Note: old Misskey sent Likes whose id host differs from the actor host.
func (a *Activity) ActorHostMatches() bool {
	return a.Actor.ID != "" && SameHost(a.ID, a.Actor.ID)
}

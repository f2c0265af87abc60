package core

import (
	"slices"
	"strings"
)

// GrantableScopes are the scopes kith can grant, in the order pages list
// them.
var GrantableScopes = []string{
	"read", "write", "follow", "push", "profile",
	"read:accounts", "read:blocks", "read:bookmarks", "read:favourites", "read:filters",
	"read:follows", "read:lists", "read:mutes", "read:notifications", "read:search", "read:statuses",
	"write:accounts", "write:blocks", "write:bookmarks", "write:conversations", "write:favourites",
	"write:filters", "write:follows", "write:lists", "write:media", "write:mutes",
	"write:notifications", "write:reports", "write:statuses",
}

// adminScopes are accepted when an app registers (admin tools ask for
// them) and listed in the server metadata, but never granted: kith has no
// admin API.
var adminScopes = []string{
	"admin:read", "admin:read:accounts", "admin:read:reports", "admin:read:domain_allows",
	"admin:read:domain_blocks", "admin:read:ip_blocks", "admin:read:email_domain_blocks",
	"admin:read:canonical_email_blocks",
	"admin:write", "admin:write:accounts", "admin:write:reports", "admin:write:domain_allows",
	"admin:write:domain_blocks", "admin:write:ip_blocks", "admin:write:email_domain_blocks",
	"admin:write:canonical_email_blocks",
}

// Note: Mastodon keeps the legacy "follow" scope meaning these six; apps
// older than the granular scopes still ask for it.
var followScopes = []string{"read:follows", "write:follows", "read:blocks", "write:blocks", "read:mutes", "write:mutes"}

// SupportedScopes is every scope name kith knows, for the metadata.
func SupportedScopes() []string { return slices.Concat(GrantableScopes, adminScopes) }

// KnownScope reports whether s is a scope kith knows.
func KnownScope(s string) bool {
	return slices.Contains(GrantableScopes, s) || slices.Contains(adminScopes, s)
}

// ParseScopes splits a scope string ("read write", or with "+" as some
// clients send it) into its scopes, without duplicates, in the order given.
func ParseScopes(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '+' || r == '\t' || r == '\n' || r == ',' }) {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// scopeCovers says whether one granted scope allows required: itself, a
// top-level scope its granular ones ("read" covers "read:statuses",
// "admin:read" covers "admin:read:accounts"), or "follow" its legacy set.
func scopeCovers(granted, required string) bool {
	switch {
	case granted == required:
		return true
	case granted == "follow":
		return slices.Contains(followScopes, required)
	case granted == "profile" || granted == "push":
		return false
	}
	return strings.HasPrefix(required, granted+":")
}

// ScopesAllow says whether a token granted the space-separated scopes
// granted may do what needs required.
func ScopesAllow(granted, required string) bool {
	for _, g := range ParseScopes(granted) {
		if scopeCovers(g, required) {
			return true
		}
	}
	return false
}

// GrantScopes decides what a grant gets from what was requested (the app's
// default when nothing was): requested scopes must be known and within
// the app's registration; admin scopes are dropped, since kith has none to
// give. It reports false when the request is invalid or nothing is left.
func GrantScopes(requested, registered string) (string, bool) {
	want := ParseScopes(requested)
	if len(want) == 0 {
		want = defaultScopes(registered)
	}
	var out []string
	for _, s := range want {
		if !KnownScope(s) || !ScopesAllow(registered, s) {
			return "", false
		}
		if !slices.Contains(adminScopes, s) {
			out = append(out, s)
		}
	}
	return strings.Join(out, " "), len(out) > 0
}

// defaultScopes is what a grant that names no scope gets.
//
// Note: Mastodon (Doorkeeper) grants its default scope "read" when the
// app has it, else the app's registered scopes.
func defaultScopes(registered string) []string {
	if ScopesAllow(registered, "read") {
		return []string{"read"}
	}
	return ParseScopes(registered)
}

// AppTokenScopes narrows what a client_credentials token may hold: an app
// token never acts as the owner, so it keeps only the read scopes (public
// data) among what was granted.
func AppTokenScopes(granted string) string {
	var out []string
	for _, s := range ParseScopes(granted) {
		if s == "read" || strings.HasPrefix(s, "read:") {
			out = append(out, s)
		}
	}
	return strings.Join(out, " ")
}

// ScopeLine is one scope as the consent page shows it.
type ScopeLine struct {
	Scope       string
	Description string
}

// ScopeDescriptions say in plain words what a scope lets an app do.
var ScopeDescriptions = map[string]string{
	"read":                "read all your account's data",
	"write":               "change all your account's data",
	"follow":              "follow, unfollow, block and mute accounts",
	"push":                "receive your notifications as push messages",
	"profile":             "see your name and avatar only",
	"read:accounts":       "see accounts' information",
	"read:blocks":         "see your blocks",
	"read:bookmarks":      "see your bookmarks",
	"read:favourites":     "see your favourites",
	"read:filters":        "see your filters",
	"read:follows":        "see who you follow",
	"read:lists":          "see your lists",
	"read:mutes":          "see your mutes",
	"read:notifications":  "see your notifications",
	"read:search":         "search on your behalf",
	"read:statuses":       "see all posts, including your timelines",
	"write:accounts":      "change your profile",
	"write:blocks":        "block accounts and domains",
	"write:bookmarks":     "bookmark posts",
	"write:conversations": "mute and delete conversations",
	"write:favourites":    "favourite posts",
	"write:filters":       "create filters",
	"write:follows":       "follow people",
	"write:lists":         "create lists",
	"write:media":         "upload media files",
	"write:mutes":         "mute people and conversations",
	"write:notifications": "clear your notifications",
	"write:reports":       "report other people",
	"write:statuses":      "publish and delete posts",
}

// DescribeScopes words scopes for the consent page.
func DescribeScopes(scopes string) []ScopeLine {
	var out []ScopeLine
	for _, sc := range ParseScopes(scopes) {
		out = append(out, ScopeLine{Scope: sc, Description: ScopeDescriptions[sc]})
	}
	return out
}

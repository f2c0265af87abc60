// Package hostile holds the hostile corpus (corpus.json) and the checks
// every surface that shows remote data must pass with it: the Mastodon API
// and its streams, ActivityPub documents, pages and feeds. The checks
// return what they found wrong, so a test can report every problem of a
// surface at once.
package hostile

import (
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

//go:embed corpus.json
var corpusJSON []byte

// Case is one hostile post, and for some the hostile profile of its author.
type Case struct {
	Name  string         `json:"name"`
	Text  string         `json:"text"`  // harmless words of the content that must show
	Note  map[string]any `json:"note"`  // merged over a plain public Note
	Actor map[string]any `json:"actor"` // merged over a plain Person; nil for the shared actor
}

// Corpus decodes corpus.json afresh: callers may change the maps.
func Corpus() ([]Case, error) {
	var cases []Case
	if err := json.Unmarshal(corpusJSON, &cases); err != nil {
		return nil, fmt.Errorf("corpus.json: %w", err)
	}
	return cases, nil
}

// Plain is a plain-text field as kith must keep it: surrounding white
// space trimmed, control characters other than newline and tab removed,
// and for single-line fields (display names, profile field names) each
// newline turned into a space. Nothing is decoded or stripped.
func Plain(s string, singleLine bool) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' && singleLine:
			b.WriteByte(' ')
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case unicode.IsControl(r):
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

// String is a plain-text property of a case's note or actor, "" when absent.
func String(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// Objects is a property holding one object or an array of them.
func Objects(m map[string]any, key string) []map[string]any {
	switch v := m[key].(type) {
	case map[string]any:
		return []map[string]any{v}
	case []any:
		var out []map[string]any
		for _, e := range v {
			if o, ok := e.(map[string]any); ok {
				out = append(out, o)
			}
		}
		return out
	}
	return nil
}

// IsHTTP reports whether u is an absolute http(s) URL, scheme in lower case
// and nothing before it.
func IsHTTP(u string) bool {
	return strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")
}

// scriptScheme finds what no string kith emits may contain, anywhere.
var scriptScheme = regexp.MustCompile(`(?i)javascript:|vbscript:|data:text/html`)

// IsURLKey reports whether a Mastodon API key names a URL: url, uri,
// *_url, avatar*, header*, href.
func IsURLKey(k string) bool {
	return k == "url" || k == "uri" || k == "href" || strings.HasSuffix(k, "_url") ||
		strings.HasPrefix(k, "avatar") || strings.HasPrefix(k, "header")
}

// activityURLKeys are the ActivityPub properties whose strings are URLs.
var activityURLKeys = map[string]bool{"id": true, "url": true, "href": true, "inReplyTo": true,
	"attributedTo": true, "actor": true, "object": true, "target": true, "to": true, "cc": true,
	"bto": true, "bcc": true, "audience": true, "first": true, "next": true, "prev": true,
	"last": true, "partOf": true, "current": true, "inbox": true, "outbox": true,
	"followers": true, "following": true, "featured": true, "sharedInbox": true, "replies": true,
	"owner": true, "quoteUrl": true, "quoteUri": true, "_misskey_quote": true}

// URLs walks a decoded JSON value from the Mastodon API (an entity, a list,
// a stream payload) and returns a problem for every string under a URL key
// that is not empty and not absolute http(s), and for every string anywhere
// that holds a script scheme.
func URLs(where string, v any) []string {
	return walkURLs(where, v, IsURLKey)
}

// ActivityURLs is URLs for ActivityPub documents, whose URL properties
// have other names.
func ActivityURLs(where string, v any) []string {
	return walkURLs(where, v, func(k string) bool { return activityURLKeys[k] })
}

// proxied returns the remote URL behind a URL of kith's media proxy,
// /media/remote/MAC/BASE64URL: a proxied URL is http(s) itself, so the
// check must look at what it fetches.
func proxied(u string) (string, bool) {
	_, rest, ok := strings.Cut(u, "/media/remote/")
	if !ok {
		return "", false
	}
	_, enc, ok := strings.Cut(rest, "/")
	if !ok {
		return "", false
	}
	enc, _, _ = strings.Cut(enc, "?")
	b, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return "", false
	}
	return string(b), true
}

func walkURLs(where string, v any, isURL func(string) bool) []string {
	var out []string
	var walk func(path, key string, v any)
	walk = func(path, key string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				if k == "@context" {
					// Term definitions ("quoteUrl": "as:quoteUrl"), kith's
					// own, not links of the document.
					continue
				}
				walk(path+"."+k, k, e)
			}
		case []any:
			for i, e := range v {
				walk(fmt.Sprintf("%s[%d]", path, i), key, e)
			}
		case string:
			if isURL(key) && v != "" && !IsHTTP(v) {
				out = append(out, fmt.Sprintf("%s: %s = %q: not an absolute http(s) URL", where, path, v))
			} else if scriptScheme.MatchString(v) {
				out = append(out, fmt.Sprintf("%s: %s = %q: a script scheme", where, path, v))
			} else if src, ok := proxied(v); ok && !IsHTTP(src) {
				out = append(out, fmt.Sprintf("%s: %s = %q: kith's media proxy of %q, not an http(s) URL", where, path, v, src))
			}
		}
	}
	walk("", "", v)
	return out
}

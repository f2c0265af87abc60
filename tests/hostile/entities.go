package hostile

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

var (
	shortcodeRE = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	hashtagRE   = regexp.MustCompile(`^[\p{L}\p{N}_]+$`)
)

// ValidHashtag reports whether name (without its #) is a hashtag kith may
// keep: letters, digits and underscores.
func ValidHashtag(name string) bool { return hashtagRE.MatchString(name) }

// Checker checks Mastodon API entities against the corpus. It knows which
// case each status (by its uri, the note's id) and each account (by its
// uri, the actor's id) came from, so it can tell a plain-text field from
// what was sent.
type Checker struct {
	statuses map[string]*Case
	accounts map[string]*Case
	// Seen counts the statuses of each case checked so far, by case name.
	Seen map[string]int
}

// NewChecker returns a Checker that knows no case yet.
func NewChecker() *Checker {
	return &Checker{statuses: map[string]*Case{}, accounts: map[string]*Case{}, Seen: map[string]int{}}
}

// Status records that the status with this uri carries case c's note.
func (k *Checker) Status(uri string, c *Case) { k.statuses[uri] = c }

// Account records that the account with this uri carries case c's actor.
func (k *Checker) Account(uri string, c *Case) { k.accounts[uri] = c }

// Check walks a decoded API answer or stream payload: URLs (see URLs), and
// every status and account in it.
func (k *Checker) Check(where string, v any) []string {
	out := URLs(where, v)
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if _, ok := v["spoiler_text"]; ok && v["account"] != nil {
				out = append(out, k.status(where, v)...)
			}
			if _, ok := v["display_name"]; ok && v["acct"] != nil {
				out = append(out, k.account(where, v)...)
			}
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

func (k *Checker) status(where string, st map[string]any) []string {
	uri, _ := st["uri"].(string)
	where = fmt.Sprintf("%s: status %v (%s)", where, st["id"], uri)
	content, _ := st["content"].(string)
	out := HTML(where+": content", content)
	out = append(out, names(where, "emojis", "shortcode", shortcodeRE, st["emojis"])...)
	out = append(out, names(where, "tags", "name", hashtagRE, st["tags"])...)
	c := k.statuses[uri]
	if c == nil {
		return out
	}
	k.Seen[c.Name]++
	where += " of case " + c.Name
	bad := func(format string, args ...any) { out = append(out, where+": "+fmt.Sprintf(format, args...)) }
	if !strings.Contains(Text(content), c.Text) {
		bad("content %q lacks the text %q", content, c.Text)
	}
	if got, want := st["spoiler_text"], Plain(String(c.Note, "summary"), false); got != want {
		bad("spoiler_text %q, want %q as sent", got, want)
	}
	out = append(out, k.poll(where, c, st["poll"])...)
	out = append(out, k.media(where, c, st["media_attachments"])...)
	out = append(out, present(where, "emojis", "shortcode", validEmojis(c.Note), st["emojis"])...)
	var want []string
	for _, t := range Objects(c.Note, "tag") {
		if name := strings.TrimPrefix(String(t, "name"), "#"); String(t, "type") == "Hashtag" && hashtagRE.MatchString(name) {
			want = append(want, strings.ToLower(name))
		}
	}
	return append(out, present(where, "tags", "name", want, st["tags"])...)
}

// poll checks the options' titles come back as sent.
func (k *Checker) poll(where string, c *Case, v any) []string {
	options := Objects(c.Note, "oneOf")
	if len(options) == 0 {
		options = Objects(c.Note, "anyOf")
	}
	poll, _ := v.(map[string]any)
	if len(options) == 0 {
		if poll != nil {
			return []string{fmt.Sprintf("%s: a poll %v, none was sent", where, poll)}
		}
		return nil
	}
	if poll == nil {
		return []string{where + ": no poll, want the options sent"}
	}
	var got, want []string
	for _, o := range Objects(poll, "options") {
		got = append(got, String(o, "title"))
	}
	for _, o := range options {
		want = append(want, Plain(String(o, "name"), false))
	}
	if !slices.Equal(got, want) {
		return []string{fmt.Sprintf("%s: poll option titles %q, want %q as sent", where, got, want)}
	}
	return nil
}

// media checks the attachments with an http(s) URL are kept, their alt text
// as sent, and that the others are dropped.
func (k *Checker) media(where string, c *Case, v any) []string {
	var want []string
	for _, a := range Objects(c.Note, "attachment") {
		if IsHTTP(attachmentURL(a)) {
			want = append(want, Plain(String(a, "name"), false))
		}
	}
	var got []string
	for _, m := range objects(v) {
		got = append(got, String(m, "description"))
	}
	if !slices.Equal(got, want) {
		return []string{fmt.Sprintf("%s: media descriptions %q, want %q (the alt text as sent of each http(s) attachment)", where, got, want)}
	}
	return nil
}

// attachmentURL is an attachment's url: a string, a Link, or the first of
// an array of either.
func attachmentURL(a map[string]any) string {
	switch u := a["url"].(type) {
	case string:
		return u
	case map[string]any:
		return String(u, "href")
	case []any:
		if len(u) > 0 {
			return attachmentURL(map[string]any{"url": u[0]})
		}
	}
	return ""
}

func (k *Checker) account(where string, acct map[string]any) []string {
	uri, _ := acct["uri"].(string)
	where = fmt.Sprintf("%s: account %v (%v)", where, acct["id"], acct["acct"])
	note, _ := acct["note"].(string)
	out := HTML(where+": note", note)
	out = append(out, names(where, "emojis", "shortcode", shortcodeRE, acct["emojis"])...)
	fields := objects(acct["fields"])
	for i, f := range fields {
		out = append(out, HTML(fmt.Sprintf("%s: fields[%d].value", where, i), String(f, "value"))...)
	}
	c := k.accounts[uri]
	if c == nil || c.Actor == nil {
		return out
	}
	where += " of case " + c.Name
	if got, want := acct["display_name"], Plain(String(c.Actor, "name"), true); got != want {
		out = append(out, fmt.Sprintf("%s: display_name %q, want %q as sent", where, got, want))
	}
	var got, want []string
	for _, f := range fields {
		got = append(got, String(f, "name"))
	}
	for _, pv := range Objects(c.Actor, "attachment") {
		if String(pv, "type") == "PropertyValue" {
			want = append(want, Plain(String(pv, "name"), true))
		}
	}
	if !slices.Equal(got, want) {
		out = append(out, fmt.Sprintf("%s: field names %q, want %q as sent", where, got, want))
	}
	return append(out, present(where, "emojis", "shortcode", validEmojis(c.Actor), acct["emojis"])...)
}

// validEmojis are the shortcodes of an object's Emoji tags that must be
// kept: a shortcode name and an http(s) icon.
func validEmojis(obj map[string]any) []string {
	var want []string
	for _, t := range Objects(obj, "tag") {
		if icon := firstObject(t["icon"]); String(t, "type") == "Emoji" && IsHTTP(String(icon, "url")) {
			if code := strings.Trim(String(t, "name"), ":"); shortcodeRE.MatchString(code) {
				want = append(want, code)
			}
		}
	}
	return want
}

// names checks the key of each object in list matches re.
func names(where, list, key string, re *regexp.Regexp, v any) []string {
	var out []string
	for i, o := range objects(v) {
		if name := String(o, key); !re.MatchString(name) {
			out = append(out, fmt.Sprintf("%s: %s[%d].%s = %q, which must have been dropped", where, list, i, key, name))
		}
	}
	return out
}

// present checks each of want is the key of an object in list.
func present(where, list, key string, want []string, v any) []string {
	var got []string
	for _, o := range objects(v) {
		got = append(got, strings.ToLower(String(o, key)))
	}
	var out []string
	for _, w := range want {
		if !slices.Contains(got, strings.ToLower(w)) {
			out = append(out, fmt.Sprintf("%s: %s %q missing (have %q): a valid one must be kept", where, list, w, got))
		}
	}
	return out
}

func objects(v any) []map[string]any {
	return Objects(map[string]any{"v": v}, "v")
}

func firstObject(v any) map[string]any {
	if o := objects(v); len(o) > 0 {
		return o[0]
	}
	return nil
}

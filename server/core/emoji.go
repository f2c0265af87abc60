package core

import (
	"context"
	"html"
	"html/template"
	"strings"

	"kith/store"
)

// EmojiSet maps the shortcodes of custom emoji to the URLs pages show
// their images at (through MediaURL: remote ones come from the media
// cache, never from their server).
type EmojiSet map[string]string

// EmojiSet builds the set of emojis for a page.
func (s *Env) EmojiSet(emojis []store.Emoji) EmojiSet {
	if len(emojis) == 0 {
		return nil
	}
	set := make(EmojiSet, len(emojis))
	for _, e := range emojis {
		if u := s.MediaURL(e.URL); u != "" {
			set[e.Shortcode] = u
		}
	}
	return set
}

// EmojiText is plain text (a name, a content warning, a poll option),
// escaped, with :shortcode: of set shown as images.
func EmojiText(text string, set EmojiSet) template.HTML {
	withImages := emojify(html.EscapeString(text), set)
	return TrustedHTML(withImages)
}

// EmojiHTML is HTML already trusted (see TrustedHTML) with :shortcode: of
// set in its text shown as images.
func EmojiHTML(trusted template.HTML, set EmojiSet) template.HTML {
	withImages := emojify(string(trusted), set)
	return TrustedHTML(withImages)
}

// emojify replaces :shortcode: of set in the text of well-formed HTML (or
// escaped text) by an image; inside tags nothing changes. A shortcode is
// letters, digits and underscores, so it never spans an entity or a tag,
// and the image's attributes are escaped: the result is as safe as its
// input.
func emojify(s string, set EmojiSet) string {
	if len(set) == 0 || !strings.Contains(s, ":") {
		return s
	}
	var b strings.Builder
	inTag := false
	start := -1 // index of an opening colon in text
	last := 0   // s[last:] is not yet written
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case inTag:
			inTag = c != '>'
		case c == '<':
			inTag, start = true, -1
		case c == ':':
			if start >= 0 && i > start+1 {
				if u, ok := set[s[start+1:i]]; ok {
					if last == 0 {
						b.Grow(len(s) + 512) // room for a few images at once
					}
					b.WriteString(s[last:start])
					writeEmojiImage(&b, s[start+1:i], u)
					last, start = i+1, -1
					continue
				}
			}
			start = i
		case !isShortcodeByte(c):
			start = -1
		}
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isShortcodeByte(c byte) bool {
	return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// writeEmojiImage writes one emoji: an image the height of the line
// (themes size img.emoji), named by its shortcode for screen readers and
// on hover.
func writeEmojiImage(b *strings.Builder, code, url string) {
	name := html.EscapeString(":" + code + ":")
	b.WriteString(`<img class="emoji" src="`)
	b.WriteString(html.EscapeString(url))
	b.WriteString(`" alt="`)
	b.WriteString(name)
	b.WriteString(`" title="`)
	b.WriteString(name)
	b.WriteString(`" draggable="false" loading="lazy">`)
}

// ActorEmojis are the custom emoji of an actor's name, bio and fields: a
// remote actor's as its server sent them, the owner's looked up from what
// they wrote (so an emoji added later shows at once).
func (s *Env) ActorEmojis(ctx context.Context, a store.Actor) []store.Emoji {
	if !a.Local {
		return a.Emojis
	}
	texts := []string{a.DisplayName, a.Summary}
	for _, f := range a.Fields {
		texts = append(texts, f.Name, f.Value)
	}
	emojis, err := s.Fed.OwnEmojisIn(ctx, texts...)
	if err != nil {
		s.Logger.Warn("custom emoji unreadable", "err", err)
	}
	return emojis
}

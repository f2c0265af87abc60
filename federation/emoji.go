package federation

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"strings"
	"sync"

	"kith/federation/ap"
	"kith/store"
)

// shortcodeInText finds :shortcode: in what the owner wrote.
var shortcodeInText = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`:([a-zA-Z0-9_]{2,}):`) })

// OwnEmojisIn returns the owner's custom emoji that texts use as
// :shortcode:, each once, with the URL of its image: the emoji of a post
// (text, content warning, poll options) or of the profile (name, bio,
// fields).
func (f *Federation) OwnEmojisIn(ctx context.Context, texts ...string) ([]store.Emoji, error) {
	used := map[string]bool{}
	for _, t := range texts {
		for _, m := range shortcodeInText().FindAllStringSubmatch(t, -1) {
			used[m[1]] = true
		}
	}
	if len(used) == 0 {
		return nil, nil
	}
	all, err := f.db.CustomEmojis(ctx)
	if err != nil {
		return nil, err
	}
	var out []store.Emoji
	for _, e := range all {
		if used[e.Shortcode] {
			out = append(out, store.Emoji{Shortcode: e.Shortcode, URL: f.urls.Media(e.Path)})
		}
	}
	return out, nil
}

// ownEmojiTags renders emojis of the owner's as Emoji tags, as Mastodon
// sends them: an id that answers with the emoji, the image, and when it
// last changed (peers refetch an image whose updated is newer). An emoji
// removed since, or a database that cannot be read, leaves updated out.
func (f *Federation) ownEmojiTags(ctx context.Context, emojis []store.Emoji) []ap.OutTag {
	if len(emojis) == 0 {
		return nil
	}
	all, err := f.db.CustomEmojis(ctx)
	if err != nil {
		f.logger.Warn("custom emoji unreadable", "err", err)
	}
	byCode := map[string]store.CustomEmoji{}
	for _, e := range all {
		byCode[e.Shortcode] = e
	}
	var tags []ap.OutTag
	for _, e := range emojis {
		tag := ap.OutTag{ID: f.urls.Emoji(e.Shortcode), Type: "Emoji", Name: ":" + e.Shortcode + ":",
			Icon: &ap.OutImage{Type: "Image", MediaType: imageTypeOf(e.URL), URL: f.publicMedia(e.URL)}}
		if ce, ok := byCode[e.Shortcode]; ok {
			tag.Updated, tag.Icon.MediaType = formatTime(ce.UpdatedAt), ce.ContentType
		}
		tags = append(tags, tag)
	}
	return tags
}

// imageTypeOf is an emoji image's type from its file name.
func imageTypeOf(u string) string {
	switch strings.ToLower(path.Ext(u)) {
	case ".png":
		return "image/png"
	case ".gif":
		return "image/gif"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".webp":
		return "image/webp"
	}
	return ""
}

// EmojiDocument is one of the owner's custom emoji as a document, what
// its Emoji tags' id answers.
func (f *Federation) EmojiDocument(ctx context.Context, shortcode string) (ap.OutTag, error) {
	e, err := f.db.CustomEmoji(ctx, shortcode)
	if err != nil {
		return ap.OutTag{}, fmt.Errorf("emoji %q: %w", shortcode, ErrNotFound)
	}
	return ap.OutTag{Context: ap.Context(), ID: f.urls.Emoji(e.Shortcode), Type: "Emoji", Name: ":" + e.Shortcode + ":",
		Updated: formatTime(e.UpdatedAt), Icon: &ap.OutImage{Type: "Image", MediaType: e.ContentType, URL: f.publicMedia(f.urls.Media(e.Path))}}, nil
}

// EmojiChanged sends the owner's actor to followers again when the name,
// bio or fields use one of shortcodes, whose image was just added,
// replaced or removed: their copy then shows the new image (or the
// text). Nothing is sent when the profile uses none of them.
func (f *Federation) EmojiChanged(ctx context.Context, shortcodes ...string) error {
	a, err := f.db.LocalActor(ctx)
	if err != nil {
		return err
	}
	texts := []string{a.DisplayName, a.Summary}
	for _, fl := range a.Fields {
		texts = append(texts, fl.Name, fl.Value)
	}
	profile := strings.Join(texts, "\n")
	for _, code := range shortcodes {
		if strings.Contains(profile, ":"+code+":") {
			return f.changeLocalActor(ctx, func(*store.Actor) {})
		}
	}
	return nil
}

package federation

import (
	"cmp"
	"time"

	"kith/federation/ap"
	"kith/store"
)

// This file is the one place where what another server sends becomes a
// row kith stores. Every field passes through one of ap's normalisers:
// URLs through ap.HTTPURL (absolute http(s) or nothing), plain text
// through ap.Text or ap.Line (kept as sent, escaped on output), HTML
// through ap.SanitizeHTML (sanitized and well-formed). Pages, the client
// API, feeds and streams then show stored values without asking where
// they came from. A new remote field is added here, or not at all.

// actorFromDocument maps a remote actor document to an actor row.
func actorFromDocument(doc *ap.Actor, now time.Time) store.Actor {
	a := store.Actor{
		URI:          doc.ID, // an http(s) URL: ap.ParseActor checked it
		Type:         string(doc.Type),
		Username:     ap.Line(string(doc.PreferredUsername), ap.MaxNameRunes),
		Domain:       hostOf(doc.ID),
		DisplayName:  ap.Line(string(doc.Name), ap.MaxNameRunes),
		Summary:      ap.SanitizeHTML(string(doc.Summary)),
		URL:          cmp.Or(ap.HTTPURL(doc.ProfileURL()), doc.ID),
		Inbox:        ap.HTTPURL(string(doc.Inbox)),
		SharedInbox:  ap.HTTPURL(doc.SharedInboxURL()),
		Outbox:       ap.HTTPURL(string(doc.Outbox)),
		Followers:    ap.HTTPURL(string(doc.Followers)),
		Following:    ap.HTTPURL(string(doc.Following)),
		Featured:     ap.HTTPURL(string(doc.Featured)),
		Locked:       bool(doc.ManuallyApprovesFollowers),
		Bot:          doc.IsBot(),
		Discoverable: doc.IsDiscoverable(),
		AvatarURL:    ap.HTTPURL(doc.Icon.URL),
		HeaderURL:    ap.HTTPURL(doc.Image.URL),
		AlsoKnownAs:  ap.HTTPURLs(doc.AlsoKnownAs),
		MovedTo:      ap.HTTPURL(string(doc.MovedTo)),
		PublishedAt:  doc.Published.Time,
		FetchedAt:    now,
	}
	if a.Type == "" {
		a.Type = "Person"
	}
	if key := doc.Key(); key != nil {
		a.KeyID, a.PublicKeyPEM = ap.HTTPURL(string(key.ID)), string(key.PublicKeyPem)
	}
	a.Emojis = emojisFromTags(doc.Tag)
	for _, fl := range doc.Fields() {
		name := ap.Line(fl.Name, ap.MaxNameRunes)
		if name != "" {
			a.Fields = append(a.Fields, store.Field{Name: name, Value: ap.SanitizeHTML(fl.Value)})
		}
	}
	return a
}

// postFromObject maps a remote object to a post row.
func (f *Federation) postFromObject(author store.Actor, obj *ap.Object) store.Post {
	p := store.Post{
		URI:          obj.ID, // an http(s) URL: ap.ParseObject checked it
		URL:          cmp.Or(ap.HTTPURL(obj.URL.HTML()), obj.ID),
		AuthorID:     author.ID,
		Type:         string(obj.Type),
		Visibility:   visibilityOf(obj, author),
		InReplyToURI: ap.HTTPURL(string(obj.InReplyTo)),
		// A conversation is an opaque id (often a tag: URI), never shown.
		Conversation: ap.Line(cmp.Or(string(obj.Conversation), string(obj.Context)), ap.MaxNameRunes),
		Summary:      ap.Text(obj.SummaryText(), ap.MaxSummaryRunes),
		Content:      ap.SanitizeHTML(obj.ContentHTML()),
		Sensitive:    obj.IsSensitive(),
		PublishedAt:  obj.Published.Time,
		EditedAt:     obj.Updated.Time,
		Quote:        quoteOf(obj), // its state is settled by resolveQuote
		QuotePolicy:  quotePolicyOf(obj, author),
	}
	if p.PublishedAt.IsZero() {
		p.PublishedAt = f.now()
	}
	if name := ap.Line(string(obj.Name), ap.MaxNameRunes); name != "" && (obj.Type == "Article" || obj.Type == "Page") {
		// Note: Articles (Plume, WordPress, Lemmy pages) carry a title.
		p.Content = "<p><strong>" + htmlEscape(name) + "</strong></p>" + p.Content
	}
	for _, a := range obj.Attachment {
		if href := ap.HTTPURL(a.Href()); href != "" {
			p.Attachments = append(p.Attachments, attachmentFromObject(a, href))
		}
	}
	for _, t := range obj.Tag {
		switch t.Type {
		case "Mention":
			if href := ap.HTTPURL(string(t.Href)); href != "" {
				p.Mentions = append(p.Mentions, store.Mention{ActorURI: href, Name: ap.Line(string(t.Name), ap.MaxNameRunes)})
			}
		case "Hashtag":
			if name := ap.Hashtag(string(t.Name)); name != "" {
				p.Tags = append(p.Tags, name)
			}
		}
	}
	p.Emojis = emojisFromTags(obj.Tag)
	if options, multiple := obj.PollOptions(); len(options) > 0 {
		poll := &store.Poll{Multiple: multiple, ExpiresAt: obj.EndTime.Time, ClosedAt: obj.Closed.At.Time, VotersCount: max(int(obj.VotersCount), 0)}
		for _, o := range options {
			poll.Options = append(poll.Options, store.PollOption{Title: ap.Line(string(o.Name), ap.MaxNameRunes), Votes: max(int(o.Replies), 0)})
		}
		p.Poll = poll
	}
	return p
}

// attachmentFromObject maps one media attachment found at href, which
// the caller has checked.
func attachmentFromObject(a ap.Attachment, href string) store.Attachment {
	att := store.Attachment{URL: href, MediaType: ap.MediaType(a.ContentType()), Description: ap.Text(string(a.Name), ap.MaxAltTextRunes),
		Width: max(int(a.Width), 0), Height: max(int(a.Height), 0), Blurhash: ap.Blurhash(string(a.Blurhash))}
	if len(a.FocalPoint) == 2 {
		att.FocusX, att.FocusY = clampFocus(a.FocalPoint[0]), clampFocus(a.FocalPoint[1])
	}
	return att
}

// clampFocus keeps a focal point coordinate within Mastodon's -1..1.
func clampFocus(v float64) float64 {
	if v != v { // NaN
		return 0
	}
	return min(max(v, -1), 1)
}

// maxEmojis bounds the custom emoji kept of one post or actor: Mastodon
// and Misskey send at most a few dozen; more is an attack on pages that
// show them.
const maxEmojis = 100

// emojisFromTags keeps the Emoji tags whose name is a shortcode and whose
// icon is an http(s) URL, the first of each shortcode only. Their images
// are shown through the media cache, which refuses what is not an image
// kith shows (SVG among them).
func emojisFromTags(tags []ap.Tag) []store.Emoji {
	var out []store.Emoji
	seen := map[string]bool{}
	for _, t := range tags {
		if t.Type != "Emoji" || len(out) == maxEmojis {
			continue
		}
		code, icon := ap.Shortcode(string(t.Name)), ap.HTTPURL(t.Icon.URL)
		if code != "" && icon != "" && !seen[code] {
			seen[code] = true
			out = append(out, store.Emoji{Shortcode: code, URL: icon})
		}
	}
	return out
}

// reactionEmojiURL is the image of a custom emoji reaction (":name:"),
// from the activity's Emoji tag of that name, or "".
//
// Note: Misskey, Akkoma and Pleroma send the emoji of a custom reaction as
// an Emoji tag beside content ":name:" (Misskey's name may carry
// "@host", which is not a shortcode and is not shown as an image).
func reactionEmojiURL(act *ap.Activity, reaction string) string {
	code := ap.Shortcode(reaction)
	if code == "" || ":"+code+":" != reaction {
		return ""
	}
	for _, e := range emojisFromTags(act.Tag) {
		if e.Shortcode == code {
			return e.URL
		}
	}
	return ""
}

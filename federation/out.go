package federation

import (
	"context"
	"time"

	"kith/federation/ap"
	"kith/store"
)

// formatTime writes an AS2 timestamp, or "" for the zero time.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return ap.FormatTime(t)
}

// addressing returns to and cc for a post of the given visibility.
//
// Note: Mastodon addresses unlisted posts to followers with Public in cc,
// and followers-only posts to followers with mentions in cc.
func (f *Federation) addressing(visibility string, mentions []string) (to, cc []string) {
	followers := f.urls.Followers()
	switch visibility {
	case store.Public:
		return []string{ap.Public}, append([]string{followers}, mentions...)
	case store.Unlisted:
		return []string{followers}, append([]string{ap.Public}, mentions...)
	case store.Private:
		return []string{followers}, mentions
	default:
		return mentions, []string{}
	}
}

// noteOf renders a local post as a Note (or Question).
func (f *Federation) noteOf(ctx context.Context, p store.Post) ap.OutNote {
	var mentions []string
	for _, m := range p.Mentions {
		mentions = append(mentions, m.ActorURI)
	}
	to, cc := f.addressing(p.Visibility, mentions)
	n := ap.OutNote{
		ID: p.URI, Type: "Note", Summary: p.Summary, InReplyTo: p.InReplyToURI, Published: formatTime(p.PublishedAt),
		Updated: formatTime(p.EditedAt), URL: p.URL, AttributedTo: f.urls.Actor(), To: nonEmpty(to), CC: nonEmpty(cc),
		Sensitive: p.Sensitive, Conversation: p.Conversation, Content: p.Content,
		Attachment: []ap.OutAttachment{}, Tag: []ap.OutTag{}, Replies: f.repliesOf(p, nil, false),
	}
	if p.Language != "" {
		n.ContentMap = map[string]string{p.Language: p.Content}
	}
	for _, a := range p.Attachments {
		n.Attachment = append(n.Attachment, f.attachmentOf(a))
	}
	for _, m := range p.Mentions {
		n.Tag = append(n.Tag, ap.OutTag{Type: "Mention", Href: m.ActorURI, Name: m.Name})
	}
	for _, t := range p.Tags {
		n.Tag = append(n.Tag, ap.OutTag{Type: "Hashtag", Href: f.urls.Tag(t), Name: "#" + t})
	}
	n.Tag = append(n.Tag, f.ownEmojiTags(ctx, p.Emojis)...)
	if p.Poll != nil {
		f.addPoll(&n, *p.Poll)
	}
	f.addQuote(&n, p)
	return n
}

func (f *Federation) attachmentOf(a store.Attachment) ap.OutAttachment {
	out := ap.OutAttachment{Type: "Document", MediaType: a.MediaType, URL: f.publicMedia(a.URL), Name: a.Description,
		Blurhash: a.Blurhash, Width: a.Width, Height: a.Height}
	if a.FocusX != 0 || a.FocusY != 0 {
		out.FocalPoint = []float64{a.FocusX, a.FocusY}
	}
	return out
}

func (f *Federation) addPoll(n *ap.OutNote, poll store.Poll) {
	n.Type = "Question"
	opts := make([]ap.OutPollOption, len(poll.Options))
	for i, o := range poll.Options {
		opts[i] = ap.OutPollOption{Type: "Note", Name: o.Title, Replies: ap.OutTotalItems{Type: "Collection", TotalItems: o.Votes}}
	}
	if poll.Multiple {
		n.AnyOf = opts
	} else {
		n.OneOf = opts
	}
	n.EndTime = formatTime(poll.ExpiresAt)
	n.Closed = formatTime(poll.ClosedAt)
	voters := poll.VotersCount
	n.VotersCount = &voters
}

func nonEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

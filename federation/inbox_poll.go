package federation

import (
	"context"
	"strings"
	"time"

	"kith/federation/ap"
	"kith/store"
)

// isPollVote reports whether obj is a vote on a local poll: Mastodon sends
// a vote as a Note with the option in name, no content, replying to the
// Question. It returns the poll's post id.
func (f *Federation) isPollVote(obj *ap.Object) (int64, bool) {
	if obj.Name == "" || obj.InReplyTo == "" || strings.TrimSpace(string(obj.Content)) != "" {
		return 0, false
	}
	return f.urls.LocalPostID(string(obj.InReplyTo))
}

// recordVote counts a vote on a local poll, once per voter and option.
func (f *Federation) recordVote(ctx context.Context, voter store.Actor, obj *ap.Object, postID int64) error {
	p, err := f.db.PostByID(ctx, postID)
	if err != nil || p.Poll == nil {
		return err
	}
	if !p.Poll.ExpiresAt.IsZero() && f.now().After(p.Poll.ExpiresAt) {
		return nil // too late
	}
	position := -1
	for i, o := range p.Poll.Options {
		if o.Title == string(obj.Name) {
			position = i
		}
	}
	if position < 0 {
		return nil
	}
	return f.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.RecordVote(ctx, postID, voter.ID, position, obj.ID)
		return err
	})
}

// validReaction reports whether s is one emoji (possibly a ZWJ sequence,
// a flag, or with modifiers) or a :custom_emoji: shortcode.
func validReaction(s string) bool {
	if len(s) >= 3 && strings.HasPrefix(s, ":") && strings.HasSuffix(s, ":") && !strings.ContainsAny(s[1:len(s)-1], ": ") {
		return true
	}
	if s == "" || len(s) > 64 {
		return false
	}
	bases, regional := 0, 0
	afterJoiner := false
	for _, r := range s {
		switch {
		case r == 0x200D: // zero-width joiner: the next rune joins this emoji
			afterJoiner = true
			continue
		case r == 0xFE0F || r == 0xFE0E || r == 0x20E3 || (r >= 0x1F3FB && r <= 0x1F3FF) || (r >= 0xE0020 && r <= 0xE007F):
			continue // variation selectors, keycap, skin tones, tag sequences
		case r >= 0x1F1E6 && r <= 0x1F1FF: // regional indicators pair into flags
			regional++
			if regional%2 == 0 {
				continue
			}
		case r < 0x80 && !(r >= '0' && r <= '9') && r != '#' && r != '*':
			return false // plain text is not an emoji
		}
		if !afterJoiner {
			bases++
		}
		afterJoiner = false
	}
	return bases == 1
}

// jobClosePolls closes ended polls and tells the owner their results.
const jobClosePolls = "polls.close"

// pollCloseInterval is how late a poll result notification may be.
const pollCloseInterval = 5 * time.Minute

func (f *Federation) runClosePolls(ctx context.Context, _ store.Job) error {
	return f.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.CloseExpiredPolls(ctx, f.now())
		return err
	})
}

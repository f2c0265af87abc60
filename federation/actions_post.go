package federation

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"kith/events"
	"kith/federation/ap"
	"kith/store"
)

// maxPostChars is the longest post the owner may write, as Mastodon's
// default.
const maxPostChars = 5000

// NewPost is what the owner writes.
type NewPost struct {
	Text        string
	SourceType  string // how Text is written: store.TextPlain or store.TextMarkdown; see Post and Edit for ""
	Summary     string // content warning
	Sensitive   bool
	Visibility  string // store.Public, Unlisted, Private or Direct; "" means public
	InReplyTo   string // URI of the post replied to
	Language    string
	Attachments []store.Attachment // uploaded media (by id)
	Poll        *NewPoll
	Quote       string // URI of the post quoted, "" for none
	QuotePolicy string // who may quote this post; "" means the owner's default
}

// NewPoll is a poll attached to a new post.
type NewPoll struct {
	Options  []string
	Multiple bool
	Expires  time.Duration
}

// Post publishes a new post (or reply) from the owner. Text without a
// SourceType is Markdown.
func (f *Federation) Post(ctx context.Context, np NewPost) (store.Post, error) {
	if np.SourceType == "" {
		np.SourceType = store.TextMarkdown
	}
	p, mentioned, err := f.preparePost(ctx, np)
	if err != nil {
		return store.Post{}, err
	}
	if p.QuotePolicy == "" {
		if p.QuotePolicy, err = f.DefaultQuotePolicy(ctx); err != nil {
			return store.Post{}, err
		}
	}
	if np.Quote != "" {
		if p.Quote, err = f.prepareQuote(ctx, np.Quote); err != nil {
			return store.Post{}, err
		}
		// Note: Mastodon makes a quote of a followers-only post
		// followers-only too, so it never reaches more people.
		if quoted, err := f.db.PostByID(ctx, p.Quote.QuotedID); err == nil && quoted.Visibility == store.Private && isListed(p.Visibility) {
			p.Visibility = store.Private
		}
	}
	err = f.db.InTx(ctx, func(tx *store.Tx) error {
		if parent, err := tx.PostByURI(ctx, p.InReplyToURI); err == nil {
			p.InReplyToID = parent.ID
			p.Conversation = parent.Conversation
		}
		id, err := tx.InsertPost(ctx, p)
		if err != nil {
			return err
		}
		p.ID, p.URI, p.URL = id, f.urls.Post(id), f.urls.PostPage(id)
		if p.Conversation == "" {
			p.Conversation = p.URI
		}
		if err := tx.SetPostURI(ctx, id, p.URI, p.URL); err != nil {
			return err
		}
		if p, err = tx.PostByURI(ctx, p.URI); err != nil {
			return err
		}
		if err := f.enqueueCard(ctx, tx, p, false); err != nil {
			return err
		}
		inboxes, err := f.quoteRecipients(ctx, tx, p, mentioned)
		if err != nil {
			return err
		}
		note := f.noteOf(ctx, p)
		if err := f.publish(ctx, tx, ap.OutActivity{ID: f.urls.CreateActivity(id), Type: "Create", Actor: f.urls.Actor(),
			To: note.To, CC: note.CC, Object: note, Published: note.Published}, isListed(p.Visibility), inboxes); err != nil {
			return err
		}
		return f.sendQuoteRequest(ctx, tx, p, note)
	})
	if err != nil {
		return store.Post{}, err
	}
	f.afterCommit()
	f.streamPost(ctx, p.ID, events.Update)
	return p, nil
}

func isListed(visibility string) bool {
	return visibility == store.Public || visibility == store.Unlisted
}

// preparePost checks and renders a new post; it resolves mentions, which
// may fetch, so it runs before any transaction.
func (f *Federation) preparePost(ctx context.Context, np NewPost) (store.Post, []store.Actor, error) {
	text := strings.TrimSpace(np.Text)
	if text == "" && len(np.Attachments) == 0 && np.Poll == nil {
		return store.Post{}, nil, fmt.Errorf("%w: the post is empty", ErrInvalid)
	}
	if n := utf8.RuneCountInString(text); n > maxPostChars {
		return store.Post{}, nil, fmt.Errorf("%w: the post has %d characters, more than %d", ErrInvalid, n, maxPostChars)
	}
	vis := np.Visibility
	if vis == "" {
		vis = store.Public
	}
	if vis != store.Public && vis != store.Unlisted && vis != store.Private && vis != store.Direct {
		return store.Post{}, nil, fmt.Errorf("%w: unknown visibility %q", ErrInvalid, vis)
	}
	r, err := f.render(ctx, text, np.SourceType)
	if err != nil {
		return store.Post{}, nil, err
	}
	now := f.now()
	p := store.Post{
		URI: "urn:kith:pending:" + f.newActivityID(), AuthorID: f.db.OwnerID(), Local: true, Type: "Note", Visibility: vis,
		InReplyToURI: np.InReplyTo, Summary: strings.TrimSpace(np.Summary), Content: r.HTML, Source: text, SourceType: np.SourceType,
		Language: np.Language, Sensitive: np.Sensitive || np.Summary != "", PublishedAt: now,
		Attachments: np.Attachments, Tags: r.Tags, QuotePolicy: np.QuotePolicy,
	}
	if p.QuotePolicy != "" && !ValidQuotePolicy(p.QuotePolicy) {
		return store.Post{}, nil, fmt.Errorf("%w: unknown quote policy %q", ErrInvalid, p.QuotePolicy)
	}
	for _, a := range r.Mentions {
		p.Mentions = append(p.Mentions, store.Mention{ActorURI: a.URI, Name: "@" + a.Handle()})
	}
	if np.Poll != nil {
		if p.Poll, err = newPoll(*np.Poll, now); err != nil {
			return store.Post{}, nil, err
		}
		p.Type = "Question"
	}
	texts := []string{text, p.Summary}
	if np.Poll != nil {
		texts = append(texts, np.Poll.Options...)
	}
	if p.Emojis, err = f.OwnEmojisIn(ctx, texts...); err != nil {
		return store.Post{}, nil, err
	}
	return p, r.Mentions, nil
}

func newPoll(np NewPoll, now time.Time) (*store.Poll, error) {
	if len(np.Options) < 2 || len(np.Options) > 4 {
		return nil, fmt.Errorf("%w: a poll needs 2 to 4 options", ErrInvalid)
	}
	if np.Expires < 5*time.Minute || np.Expires > 31*24*time.Hour {
		return nil, fmt.Errorf("%w: a poll lasts from 5 minutes to 31 days", ErrInvalid)
	}
	poll := &store.Poll{Multiple: np.Multiple, ExpiresAt: now.Add(np.Expires)}
	for _, o := range np.Options {
		o = strings.TrimSpace(o)
		if o == "" || utf8.RuneCountInString(o) > 50 {
			return nil, fmt.Errorf("%w: poll options must have 1 to 50 characters", ErrInvalid)
		}
		poll.Options = append(poll.Options, store.PollOption{Title: o})
	}
	return poll, nil
}

// Edit changes the text of an owner's post and federates an Update. Text
// without a SourceType is written as the post was.
func (f *Federation) Edit(ctx context.Context, postID int64, np NewPost) (store.Post, error) {
	old, err := f.ownPost(ctx, postID)
	if err != nil {
		return store.Post{}, err
	}
	if np.SourceType == "" {
		np.SourceType = cmp.Or(old.SourceType, store.TextMarkdown)
	}
	np.Visibility, np.InReplyTo = old.Visibility, old.InReplyToURI
	p, mentioned, err := f.preparePost(ctx, np)
	if err != nil {
		return store.Post{}, err
	}
	p.ID, p.URI, p.URL, p.PublishedAt, p.EditedAt = old.ID, old.URI, old.URL, old.PublishedAt, f.now()
	p.Conversation, p.InReplyToID, p.Poll = old.Conversation, old.InReplyToID, old.Poll
	err = f.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.UpdatePost(ctx, p); err != nil {
			return err
		}
		if p, err = tx.PostByURI(ctx, p.URI); err != nil {
			return err
		}
		if err := f.enqueueCard(ctx, tx, p, true); err != nil {
			return err
		}
		inboxes, err := f.recipients(ctx, tx, p.Visibility, mentioned)
		if err != nil {
			return err
		}
		note := f.noteOf(ctx, p)
		return f.publish(ctx, tx, ap.OutActivity{ID: p.URI + "#updates/" + fmt.Sprint(p.EditedAt.UnixMilli()), Type: "Update",
			Actor: f.urls.Actor(), To: note.To, CC: note.CC, Object: note}, false, inboxes)
	})
	if err != nil {
		return store.Post{}, err
	}
	f.afterCommit()
	f.streamPost(ctx, p.ID, events.StatusUpdate)
	return p, nil
}

// Delete removes an owner's post and federates a Delete with a Tombstone.
// It returns the deleted post, so a client can offer to redraft it.
func (f *Federation) Delete(ctx context.Context, postID int64) (store.Post, error) {
	p, err := f.ownPost(ctx, postID)
	if err != nil {
		return store.Post{}, err
	}
	var mentioned []store.Actor
	for _, m := range p.Mentions {
		if a, err := f.db.ActorByURI(ctx, m.ActorURI); err == nil {
			mentioned = append(mentioned, a)
		}
	}
	err = f.db.InTx(ctx, func(tx *store.Tx) error {
		inboxes, err := f.recipients(ctx, tx, p.Visibility, mentioned)
		if err != nil {
			return err
		}
		if err := tx.DeletePost(ctx, p.ID); err != nil {
			return err
		}
		if err := tx.HidePublicActivities(ctx, p.URI); err != nil {
			return err
		}
		to, cc := f.addressing(p.Visibility, nil)
		return f.publish(ctx, tx, ap.OutActivity{ID: p.URI + "#delete", Type: "Delete", Actor: f.urls.Actor(), To: to, CC: cc,
			Object: map[string]any{"id": p.URI, "type": "Tombstone", "atomUri": p.URI}}, false, inboxes)
	})
	if err != nil {
		return store.Post{}, err
	}
	f.afterCommit()
	f.streamDelete(ctx, p.ID)
	return p, nil
}

func (f *Federation) ownPost(ctx context.Context, postID int64) (store.Post, error) {
	p, err := f.db.PostByID(ctx, postID)
	if err != nil {
		return store.Post{}, err
	}
	if p.AuthorID != f.db.OwnerID() || p.ReblogOfID != 0 {
		return store.Post{}, fmt.Errorf("%w: post %d is not the owner's", ErrForbidden, postID)
	}
	return p, nil
}

// postAndAuthor loads a post and its author.
func (f *Federation) postAndAuthor(ctx context.Context, postID int64) (store.Post, store.Actor, error) {
	p, err := f.db.PostByID(ctx, postID)
	if err != nil {
		return store.Post{}, store.Actor{}, err
	}
	a, err := f.db.ActorByID(ctx, p.AuthorID)
	return p, a, err
}

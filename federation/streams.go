package federation

import (
	"context"
	"errors"

	"kith/events"
	"kith/store"
)

// Streaming: after a change is committed, federation tells the events hub
// which of the owner's streams it belongs on. A stream carries what the
// matching timeline would show, so the rules are the store's timeline
// queries themselves, each asked about the one post. Nothing is queried
// for streams nobody is listening to, so with no app open this costs
// nothing.

// onlyID is a page holding only row id (a post or a notification), if the
// page's query has it.
func onlyID(id int64) store.Page { return store.Page{MaxID: id + 1, SinceID: id - 1, Limit: 1} }

// streamPost announces a stored post (kind events.Update) or an edit
// (events.StatusUpdate) on every stream it belongs on, once committed.
func (f *Federation) streamPost(ctx context.Context, id int64, kind string) {
	store.AfterCommit(ctx, func() { f.streamPostNow(ctx, id, kind) })
}

func (f *Federation) streamPostNow(ctx context.Context, id int64, kind string) {
	hub := f.opts.Events
	if hub == nil || hub.Idle() || id == 0 {
		return
	}
	p, err := f.db.PostByID(ctx, id)
	if err != nil {
		f.logger.Debug("stream post", "post", id, "err", err)
		return
	}
	send := func(stream, tag string, listID int64) {
		hub.Publish(events.Event{Stream: stream, Tag: tag, ListID: listID, Kind: kind, PostID: id})
	}
	has := func(posts []store.Post, err error) bool {
		if err != nil {
			f.logger.Debug("stream post", "post", id, "err", err)
		}
		return err == nil && len(posts) == 1
	}
	one := onlyID(id)
	if hub.Listening(events.Filter{Stream: events.User}) && has(f.db.HomeTimeline(ctx, one)) {
		send(events.User, "", 0)
	}
	locality := events.PublicRemote
	if p.Local {
		locality = events.PublicLocal
	}
	if (hub.Listening(events.Filter{Stream: events.Public}) || hub.Listening(events.Filter{Stream: locality})) &&
		has(f.db.PublicTimeline(ctx, one, true, true, false)) {
		send(events.Public, "", 0)
		send(locality, "", 0)
	}
	for _, tag := range p.Tags {
		all, local := hub.Listening(events.Filter{Stream: events.Hashtag, Tag: tag}), p.Local && hub.Listening(events.Filter{Stream: events.HashtagLocal, Tag: tag})
		if (all || local) && has(f.db.TagTimeline(ctx, tag, one, false)) {
			send(events.Hashtag, tag, 0)
			if p.Local {
				send(events.HashtagLocal, tag, 0)
			}
		}
	}
	f.streamToLists(ctx, p, send, has)
	if p.Visibility == store.Direct && kind == events.Update {
		f.streamConversation(ctx, id)
	}
}

// streamConversation announces the conversation a new direct post joined
// (if it joined one: the owner wrote it or is mentioned in it), with the
// post as its last status.
//
// Note: Mastodon sends "conversation" events with the Conversation entity
// on the direct stream alone; the user stream has the post as an update.
func (f *Federation) streamConversation(ctx context.Context, postID int64) {
	hub := f.opts.Events
	if !hub.Listening(events.Filter{Stream: events.Direct}) {
		return
	}
	id, err := f.db.ConversationOfPost(ctx, postID)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			f.logger.Debug("stream conversation", "post", postID, "err", err)
		}
		return
	}
	hub.Publish(events.Event{Stream: events.Direct, Kind: events.Conversation, ConversationID: id, PostID: postID})
}

// streamToLists announces a post on the lists its author is in.
func (f *Federation) streamToLists(ctx context.Context, p store.Post, send func(string, string, int64), has func([]store.Post, error) bool) {
	lists, err := f.db.ListsWith(ctx, p.AuthorID)
	if err != nil {
		f.logger.Debug("stream post", "post", p.ID, "err", err)
		return
	}
	for _, l := range lists {
		if f.opts.Events.Listening(events.Filter{Stream: events.List, ListID: l.ID}) && has(f.db.ListTimeline(ctx, l.ID, onlyID(p.ID))) {
			send(events.List, "", l.ID)
		}
	}
}

// streamDelete announces that a post is gone, on every stream, once
// committed.
func (f *Federation) streamDelete(ctx context.Context, id int64) {
	if f.opts.Events != nil && id != 0 {
		store.AfterCommit(ctx, func() { f.opts.Events.Publish(events.Event{Kind: events.Delete, PostID: id}) })
	}
}

// streamNotification announces notification id (0 for none), just
// committed, and wakes the queue for its pushes. Notifications the owner hides (muted or blocked actors, muted
// conversations) are not announced: the notifications page is asked for
// that one notification, so the rules are the page's own.
func (f *Federation) streamNotification(ctx context.Context, id int64) {
	if id != 0 {
		store.AfterCommit(ctx, func() { f.streamNotificationNow(ctx, id) })
	}
}

func (f *Federation) streamNotificationNow(ctx context.Context, id int64) {
	if id != 0 {
		f.jobs.Poke() // the notification may have queued pushes
	}
	hub := f.opts.Events
	if hub == nil || hub.Idle() || id == 0 {
		return
	}
	list, err := f.db.NotificationsPage(ctx, onlyID(id), store.NotificationFilter{})
	if err != nil {
		f.logger.Debug("stream notification", "notification", id, "err", err)
		return
	}
	if len(list) != 1 {
		return
	}
	for _, stream := range []string{events.User, events.UserNotification} {
		hub.Publish(events.Event{Stream: stream, Kind: events.Notification, NotificationID: id, PostID: list[0].PostID})
	}
}

package federation

import (
	"context"
	"fmt"

	"kith/federation/ap"
	"kith/store"
)

// repliesPageSize is how many replies one page of a replies collection
// lists.
const repliesPageSize = pageSize

// noteSelfReplies is how many of the owner's own replies a Note's
// embedded first page lists.
//
// Note: Mastodon embeds its author's first five self-replies.
const noteSelfReplies = 5

// RepliesQuery says which part of a replies collection is asked for, from
// the query of its URL: the collection itself, or a page (page=true) of
// the owner's own replies or of everyone else's (only_other_accounts=true)
// after a row id (min_id).
type RepliesQuery struct {
	Page   bool
	Others bool
	MinID  int64
}

// RepliesCollection serves the replies collection of a public or unlisted
// local post, or one page of it, as Mastodon does: the owner's own replies
// first (inline Notes), then everyone else's (IRIs), public and unlisted
// ones only.
func (f *Federation) RepliesCollection(ctx context.Context, postID int64, q RepliesQuery) (any, error) {
	p, err := f.db.PostByID(ctx, postID)
	if err != nil || !p.Local || p.ReblogOfID != 0 || !isListed(p.Visibility) {
		return nil, fmt.Errorf("post %d: %w", postID, ErrNotFound)
	}
	replies, err := f.db.ListedReplies(ctx, p.URI, !q.Others, q.MinID, repliesPageSize)
	if err != nil {
		return nil, err
	}
	page := ap.OutRepliesPage{ID: f.urls.RepliesPage(postID, q.Others, q.MinID), Type: "CollectionPage",
		PartOf: f.urls.Replies(postID), Items: []any{}}
	for _, r := range replies {
		if r.Local {
			page.Items = append(page.Items, f.noteOf(ctx, r))
		} else {
			page.Items = append(page.Items, r.URI)
		}
	}
	full := len(replies) == repliesPageSize
	switch {
	case full:
		page.Next = f.urls.RepliesPage(postID, q.Others, replies[len(replies)-1].ID)
	case !q.Others:
		page.Next = f.urls.RepliesPage(postID, true, 0)
	}
	if q.Page {
		page.Context = ap.Context()
		return page, nil
	}
	return ap.OutReplies{Context: ap.Context(), ID: f.urls.Replies(postID), Type: "Collection", First: page}, nil
}

// repliesOf is the replies collection a Note embeds. Without self (the
// owner's first replies, read by the caller), its first page lists none
// and leads to the owner's replies, so a copy kept by a peer (in an
// outbox, say) still leads to every reply.
func (f *Federation) repliesOf(p store.Post, self []store.Post, known bool) *ap.OutReplies {
	if !p.Local || !isListed(p.Visibility) {
		return nil // its collection is not served
	}
	first := ap.OutRepliesPage{Type: "CollectionPage", PartOf: f.urls.Replies(p.ID), Items: []any{}}
	for _, r := range self {
		first.Items = append(first.Items, r.URI)
	}
	switch {
	case len(self) > 0:
		first.Next = f.urls.RepliesPage(p.ID, false, self[len(self)-1].ID)
	case known:
		first.Next = f.urls.RepliesPage(p.ID, true, 0)
	default:
		first.Next = f.urls.RepliesPage(p.ID, false, 0)
	}
	return &ap.OutReplies{ID: f.urls.Replies(p.ID), Type: "Collection", First: first}
}

package federation

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"kith/store"
)

// ErrMediaNotReady: an upload still being processed, which a post cannot
// carry yet (422; clients try again).
var ErrMediaNotReady = errors.New("media not ready")

// StatusRequest is a new post as the owner asks for it, in the shape of
// Mastodon's status parameters: what POST /api/v1/statuses reads, what the
// compose form becomes, and what a scheduled status stores (as JSON, shown
// to apps as its params) until it is published.
type StatusRequest struct {
	Text        string             `json:"text"`
	ContentType string             `json:"content_type,omitempty"`
	Poll        *StatusRequestPoll `json:"poll"`
	MediaIDs    []string           `json:"media_ids"`
	Sensitive   bool               `json:"sensitive"`
	SpoilerText string             `json:"spoiler_text"`
	Visibility  string             `json:"visibility"`
	InReplyToID *string            `json:"in_reply_to_id"`
	Language    *string            `json:"language"`
	ScheduledAt *string            `json:"scheduled_at"`
	Idempotency *string            `json:"idempotency"`
	// QuotedStatusID is the post quoted (Mastodon 4.5); QuotePolicy who
	// may quote this one ("" for the owner's default).
	QuotedStatusID *string `json:"quoted_status_id,omitempty"`
	QuotePolicy    string  `json:"quote_approval_policy,omitempty"`
}

// StatusRequestPoll is the poll of a StatusRequest.
type StatusRequestPoll struct {
	Options   []string `json:"options"`
	ExpiresIn int64    `json:"expires_in"` // seconds
	Multiple  bool     `json:"multiple"`
	HideTotal bool     `json:"hide_totals"`
}

// NewPostFromRequest turns a status request into the post Post makes: the
// media by their upload ids, the post replied to by its id among those the
// owner can see. A request without a content type is plain text, as
// Mastodon's API reads status (and as scheduled statuses were stored
// before the content type was).
func (f *Federation) NewPostFromRequest(ctx context.Context, req StatusRequest) (NewPost, error) {
	np := NewPost{Text: req.Text, SourceType: cmp.Or(req.ContentType, store.TextPlain), Summary: req.SpoilerText,
		Sensitive: req.Sensitive, Visibility: req.Visibility, QuotePolicy: req.QuotePolicy}
	if req.QuotedStatusID != nil {
		quoted, err := f.ownerVisiblePost(ctx, *req.QuotedStatusID)
		if err != nil {
			return np, fmt.Errorf("%w: the quoted post is not found", ErrInvalid)
		}
		np.Quote = quoted.URI
	}
	if req.Language != nil {
		np.Language = *req.Language
	}
	if req.InReplyToID != nil {
		parent, err := f.ownerVisiblePost(ctx, *req.InReplyToID)
		if err != nil {
			return np, err
		}
		np.InReplyTo = parent.URI
	}
	var err error
	if np.Attachments, err = f.Uploads(ctx, req.MediaIDs, 0); err != nil {
		return np, err
	}
	if req.Poll != nil {
		np.Poll = &NewPoll{Options: req.Poll.Options, Multiple: req.Poll.Multiple, Expires: time.Duration(req.Poll.ExpiresIn) * time.Second}
	}
	return np, nil
}

// ownerVisiblePost loads a post the owner may see, by its id as text;
// any other is not found.
func (f *Federation) ownerVisiblePost(ctx context.Context, id string) (store.Post, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return store.Post{}, store.ErrNotFound
	}
	visible, err := f.db.VisiblePosts(ctx, f.db.OwnerID(), []int64{n})
	if err != nil {
		return store.Post{}, err
	}
	if !visible[n] {
		return store.Post{}, store.ErrNotFound
	}
	return f.db.PostByID(ctx, n)
}

// Uploads finds the owner's uploaded media by id for a post: ready, and
// not on another post (postID is the post being edited, 0 for a new one).
func (f *Federation) Uploads(ctx context.Context, ids []string, postID int64) ([]store.Attachment, error) {
	var out []store.Attachment
	for _, v := range ids {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: media id %s is not a number", ErrInvalid, v)
		}
		u, err := f.db.UploadByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) || (err == nil && u.PostID != 0 && u.PostID != postID) {
			return nil, fmt.Errorf("%w: media %s was not uploaded or is on another post", ErrInvalid, v)
		}
		if err != nil {
			return nil, err
		}
		if u.State != store.UploadReady {
			return nil, fmt.Errorf("%w: media %s", ErrMediaNotReady, v)
		}
		out = append(out, u.Attachment)
	}
	return out, nil
}

package core

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"kith/store"
)

const (
	// idempotencyWindow is how long an Idempotency-Key returns the post
	// it made, as Mastodon.
	IdempotencyWindow = time.Hour
	// minScheduleAhead is how far ahead a post may be scheduled, as
	// Mastodon.
	MinScheduleAhead = 5 * time.Minute
	// statusMediaMax is how many files a post may carry.
	StatusMediaMax = 4
	// Thread limits for /context.
	ContextAncestors   = 40
	ContextDescendants = 500
	// contextFetchTimeout bounds fetching a remote post's replies before
	// answering /context; what does not arrive in time is left for later.
	ContextFetchTimeout = 3 * time.Second
)

// Uploads finds the owner's uploaded media by id for a post: ready, and
// not on another post (postID is the post being edited, 0 for a new one).
func (s *Env) Uploads(ctx context.Context, ids []string, postID int64) ([]store.Attachment, error) {
	var out []store.Attachment
	for _, v := range ids {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, Refuse(http.StatusUnprocessableEntity, "Validation failed: media id "+v+" is not a number")
		}
		u, err := s.DB.UploadByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) || (err == nil && u.PostID != 0 && u.PostID != postID) {
			return nil, Refuse(http.StatusUnprocessableEntity, "Validation failed: media "+v+" was not uploaded or is on another post")
		}
		if err != nil {
			return nil, err
		}
		if u.State != store.UploadReady {
			// Note: Mastodon answers 422 with this while media is processed.
			return nil, Refuse(http.StatusUnprocessableEntity, "Cannot attach files that have not finished processing. Try again in a moment!")
		}
		out = append(out, u.Attachment)
	}
	return out, nil
}

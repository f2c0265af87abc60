package api

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"kith/federation"
	"kith/server/core"
	"kith/store"
)

// JobScheduledStatuses is the periodic job that publishes scheduled posts.
const JobScheduledStatuses = "statuses.scheduled"

// PublishScheduled posts the scheduled statuses whose time has come, as
// the owner asked when scheduling them. A post that can no longer be made
// (its media or parent is gone, it fails validation) is dropped with a
// log line rather than retried forever.
func (s *API) PublishScheduled(ctx context.Context) error {
	due, err := s.DB.DueScheduledStatuses(ctx, s.Opts.Now(), 20)
	if err != nil {
		return err
	}
	for _, sched := range due {
		np, err := s.scheduledPost(ctx, sched)
		if err == nil {
			_, err = s.Fed.Post(ctx, np)
		}
		if err != nil && !errors.Is(err, federation.ErrBadRequest) && !errors.Is(err, federation.ErrInvalid) && !errors.Is(err, store.ErrNotFound) && !isUserError(err) {
			return err // a passing failure: the job runs again
		}
		if err != nil {
			s.Logger.Warn("scheduled post dropped", "id", sched.ID, "err", err)
		}
		if err := s.DB.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteScheduledStatus(ctx, sched.ID) }); err != nil {
			return err
		}
	}
	return nil
}

func isUserError(err error) bool {
	var ue *core.UserError
	return errors.As(err, &ue)
}

// scheduledPost rebuilds the post from the parameters stored when it was
// scheduled.
func (s *API) scheduledPost(ctx context.Context, sched store.ScheduledStatus) (federation.NewPost, error) {
	var req statusRequest
	if err := json.Unmarshal(sched.Params, &req); err != nil {
		return federation.NewPost{}, core.Refuse(422, "stored parameters are unreadable")
	}
	// A status scheduled before content_type was stored is the API's
	// plain text.
	np := federation.NewPost{Text: req.Text, SourceType: cmp.Or(req.ContentType, store.TextPlain), Summary: req.SpoilerText,
		Sensitive: req.Sensitive, Visibility: req.Visibility}
	if req.Language != nil {
		np.Language = *req.Language
	}
	if req.InReplyToID != nil {
		id, err := strconv.ParseInt(*req.InReplyToID, 10, 64)
		if err != nil {
			return np, store.ErrNotFound
		}
		parent, err := s.DB.PostByID(ctx, id)
		if err != nil {
			return np, err
		}
		np.InReplyTo = parent.URI
	}
	var err error
	if np.Attachments, err = s.Uploads(ctx, req.MediaIDs, 0); err != nil {
		return np, err
	}
	if req.Poll != nil {
		np.Poll = &federation.NewPoll{Options: req.Poll.Options, Multiple: req.Poll.Multiple, Expires: time.Duration(req.Poll.ExpiresIn) * time.Second}
	}
	return np, nil
}

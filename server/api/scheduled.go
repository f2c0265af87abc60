package api

import (
	"context"
	"encoding/json"
	"errors"

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
		if err != nil && !errors.Is(err, federation.ErrBadRequest) && !errors.Is(err, federation.ErrInvalid) && !errors.Is(err, federation.ErrMediaNotReady) && !errors.Is(err, store.ErrNotFound) && !isUserError(err) {
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
	var req federation.StatusRequest
	if err := json.Unmarshal(sched.Params, &req); err != nil {
		return federation.NewPost{}, core.Refuse(422, "stored parameters are unreadable")
	}
	return s.Fed.NewPostFromRequest(ctx, req)
}

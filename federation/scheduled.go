package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"kith/store"
)

// jobScheduled publishes the scheduled posts whose time has come. The
// name is stored in the queue of existing databases: it stays.
const jobScheduled = "statuses.scheduled"

// scheduledInterval is how late a scheduled post may appear.
const scheduledInterval = time.Minute

// scheduledBatch is how many due posts one run publishes.
const scheduledBatch = 20

func (f *Federation) runScheduled(ctx context.Context, _ store.Job) error {
	return f.PublishScheduled(ctx)
}

// PublishScheduled posts the scheduled statuses whose time has come, as
// the owner asked when scheduling them. A post that can no longer be made
// (its media or parent is gone, it fails validation) is dropped with a
// log line rather than retried forever; any other failure ends the run,
// which the job runs again.
func (f *Federation) PublishScheduled(ctx context.Context) error {
	due, err := f.db.DueScheduledStatuses(ctx, f.now(), scheduledBatch)
	if err != nil {
		return err
	}
	for _, sched := range due {
		np, err := f.scheduledPost(ctx, sched)
		if err == nil {
			_, err = f.Post(ctx, np)
		}
		if err != nil && !unpublishable(err) {
			return err
		}
		if err != nil {
			f.logger.Warn("scheduled post dropped", "id", sched.ID, "err", err)
		}
		if err := f.db.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteScheduledStatus(ctx, sched.ID) }); err != nil {
			return err
		}
	}
	return nil
}

// unpublishable says whether a scheduled post failed for good: made as
// stored, it would fail again.
func unpublishable(err error) bool {
	return errors.Is(err, ErrBadRequest) || errors.Is(err, ErrInvalid) || errors.Is(err, ErrMediaNotReady) ||
		errors.Is(err, store.ErrNotFound)
}

// scheduledPost rebuilds the post from the parameters stored when it was
// scheduled.
func (f *Federation) scheduledPost(ctx context.Context, sched store.ScheduledStatus) (NewPost, error) {
	var req StatusRequest
	if err := json.Unmarshal(sched.Params, &req); err != nil {
		return NewPost{}, fmt.Errorf("%w: stored parameters are unreadable: %v", ErrBadRequest, err)
	}
	return f.NewPostFromRequest(ctx, req)
}

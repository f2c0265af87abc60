package federation

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"kith/federation/ap"
	"kith/federation/proof"
	"kith/store"
)

// newActivityID makes the id of an activity that hangs from nothing else.
func (f *Federation) newActivityID() string {
	b := make([]byte, 12)
	io.ReadFull(randReader, b)
	return f.urls.Activity(hex.EncodeToString(b))
}

// publish stores an outgoing activity and enqueues its deliveries, inside
// the caller's transaction: the local change, the activity and its
// deliveries commit together or not at all. public lists it in the outbox.
func (f *Federation) publish(ctx context.Context, tx *store.Tx, act ap.OutActivity, public bool, inboxes []string) error {
	id, err := f.storeActivity(ctx, tx, act, public, time.Time{})
	if err != nil {
		return err
	}
	return f.enqueueDeliveries(ctx, tx, id, inboxes)
}

// storeActivity stores an outgoing activity and returns its row id. at is
// zero for an activity of now, or the past time of an imported one, which
// places it among its own time in the outbox.
func (f *Federation) storeActivity(ctx context.Context, tx *store.Tx, act ap.OutActivity, public bool, at time.Time) (int64, error) {
	act.Context = ap.Context()
	signed := public && act.Actor == f.urls.Actor()
	if signed {
		act.Context = ap.WithContexts(ap.Context(), ap.DataIntegrityContext)
	}
	if act.Published == "" && (act.Type == "Create" || act.Type == "Announce" || act.Type == "Update") {
		act.Published = formatTime(tx.Now())
	}
	body, err := ap.Marshal(act)
	if err != nil {
		return 0, fmt.Errorf("marshal %s: %w", act.Type, err)
	}
	if signed {
		// The owner's public activities carry an integrity proof
		// (FEP-8b32), so a server that forwards one (a reply passed on
		// to a thread's followers) is believed without a refetch.
		if body, err = proof.SignIntegrity(body, f.proofKey, f.proofKeyID(), tx.Now()); err != nil {
			return 0, fmt.Errorf("sign %s: %w", act.Type, err)
		}
	}
	return tx.InsertActivity(ctx, store.Activity{URI: act.ID, Type: act.Type, ObjectURI: objectID(act.Object), Public: public,
		Body: body, PublishedAt: at})
}

// objectID is the id of an activity's object, embedded or not.
func objectID(obj any) string {
	switch o := obj.(type) {
	case string:
		return o
	case ap.OutNote:
		return o.ID
	case ap.OutActivity:
		return o.ID
	case ap.OutActor:
		return o.ID
	case map[string]any:
		s, _ := o["id"].(string)
		return s
	}
	return ""
}

// recipients returns the inboxes for a post of a visibility: followers'
// (shared) inboxes unless direct, plus those of the mentioned actors.
func (f *Federation) recipients(ctx context.Context, tx *store.Tx, visibility string, mentioned []store.Actor) ([]string, error) {
	var inboxes []string
	if visibility != store.Direct {
		var err error
		if inboxes, err = tx.FollowerInboxes(ctx, f.db.OwnerID()); err != nil {
			return nil, err
		}
	}
	for _, a := range mentioned {
		if !a.Local {
			inboxes = append(inboxes, a.DeliveryInbox())
		}
	}
	return inboxes, nil
}

// afterCommit wakes the delivery workers; call it once the transaction
// that published has committed.
func (f *Federation) afterCommit() { f.jobs.Poke() }

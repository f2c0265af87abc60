package federation

import (
	"context"
	"fmt"
	"slices"
	"time"

	"kith/federation/ap"
	"kith/store"
)

// moveInterval is how often one account may move: a Move makes kith fetch
// and follow, so it is rate-limited per origin account.
const moveInterval = 24 * time.Hour

// onMove follows an account to its new home. Only the account itself may
// move it, the target must list the origin in alsoKnownAs (checked on a
// fresh fetch), and when the owner followed the origin, the owner is told
// and now follows the target instead.
func (f *Federation) onMove(ctx context.Context, origin store.Actor, act *ap.Activity) error {
	if act.Object.ID != origin.URI {
		return fmt.Errorf("%w: %s tried to move %s", ErrForbidden, origin.URI, act.Object.ID)
	}
	if act.Target.ID == "" || act.Target.ID == origin.URI {
		return fmt.Errorf("%w: Move without a target", ErrBadRequest)
	}
	followed, err := f.ownerFollows(ctx, origin.ID)
	if err != nil {
		return err
	}
	// Note: Mastodon sends an Update with movedTo beside the Move, in no
	// set order, so movedTo already being known does not mean the Move
	// was applied; the owner no longer following the origin does. A Move
	// sent again (kith and Mastodon let the mover re-send it) is then
	// done already and changes nothing.
	if origin.MovedTo == act.Target.ID && !followed {
		return nil
	}
	if !f.allowMove(origin.URI) {
		return fmt.Errorf("%w: %s moved less than %s ago", ErrForbidden, origin.URI, moveInterval)
	}
	target, err := f.fetchActor(ctx, act.Target.ID, true)
	if err != nil {
		return err
	}
	if !slices.Contains(target.AlsoKnownAs, origin.URI) {
		return fmt.Errorf("%w: %s does not list %s in alsoKnownAs", ErrForbidden, target.URI, origin.URI)
	}
	err = f.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetActorMovedTo(ctx, origin.ID, target.URI); err != nil {
			return err
		}
		if !followed {
			return nil
		}
		_, err := f.notify(ctx, tx, "move", origin.ID, 0)
		return err
	})
	if err != nil || !followed {
		return err
	}
	if err := f.followActor(ctx, target); err != nil {
		return err
	}
	return f.Unfollow(ctx, origin.ID)
}

// allowMove rate-limits Moves per origin account, in memory: a restart
// forgets, which only lets one more Move through.
func (f *Federation) allowMove(origin string) bool {
	f.hostsMu.Lock()
	defer f.hostsMu.Unlock()
	if f.moves == nil {
		f.moves = map[string]time.Time{}
	}
	now := f.now()
	if last, ok := f.moves[origin]; ok && now.Sub(last) < moveInterval {
		return false
	}
	if len(f.moves) > 10000 {
		clear(f.moves)
	}
	f.moves[origin] = now
	return true
}

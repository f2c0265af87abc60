package core

import (
	"context"

	"kith/store"
)

// ActorStats loads the counts shown beside each of actors (posts,
// followers, following), by actor id: the API's accounts and the pages'
// account cards read the same numbers.
func (s *Env) ActorStats(ctx context.Context, actors []store.Actor) (map[int64]store.AccountStat, error) {
	ids := make([]int64, len(actors))
	for i, a := range actors {
		ids[i] = a.ID
	}
	return s.DB.AccountStats(ctx, ids)
}

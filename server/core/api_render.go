package core

import (
	"context"

	"kith/store"
)

// BoostTargets loads the posts that the boosts among posts boost, by id;
// a boosted post no longer stored is missing from the map.
func (s *Env) BoostTargets(ctx context.Context, posts []store.Post) (map[int64]store.Post, error) {
	var ids []int64
	for _, p := range posts {
		if p.ReblogOfID != 0 {
			ids = append(ids, p.ReblogOfID)
		}
	}
	targets := map[int64]store.Post{}
	if len(ids) == 0 {
		return targets, nil
	}
	found, err := s.DB.PostsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, t := range found {
		targets[t.ID] = t
	}
	return targets, nil
}

package core

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"kith/federation"
	"kith/store"
)

// PathID reads a numeric id from the path. Mastodon answers 404 for an id
// that is not a number, as for one that is not stored.
func PathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(PathParam(r, name), 10, 64)
	if err != nil || id <= 0 {
		return 0, store.ErrNotFound
	}
	return id, nil
}

// ViewerID is whose eyes a read uses: the owner's with an owner token, an
// anonymous reader's (0) without one.
func (s *Env) ViewerID(r *http.Request) int64 {
	if IsOwnerToken(r) {
		return s.DB.OwnerID()
	}
	return 0
}

// PublicOrScope guards the endpoints Mastodon serves without a token
// (public accounts and posts): no token reads anonymously, but a token
// that is presented must be valid (401) and hold one of scopes (403).
func (s *Env) PublicOrScope(scopes ...string) func(http.Handler) http.Handler {
	check := s.RequireToken(scopes...)
	return func(next http.Handler) http.Handler {
		checked := check(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if BearerToken(r) == "" {
				next.ServeHTTP(w, r)
				return
			}
			checked.ServeHTTP(w, r)
		})
	}
}

// AccountByPath loads the account named by the {id} path parameter.
func (s *Env) AccountByPath(r *http.Request) (store.Actor, error) {
	id, err := PathID(r, "id")
	if err != nil {
		return store.Actor{}, err
	}
	return s.DB.ActorByID(r.Context(), id)
}

// LooksResolvable says whether a search can name a remote account: a
// full handle or a URL.
func LooksResolvable(q string) bool {
	if strings.HasPrefix(q, "https://") || strings.HasPrefix(q, "http://") {
		return true
	}
	_, _, ok := federation.ParseAcct(q)
	return ok
}

// Follow follows an account and stores the follow's options: reblogs
// (default true), notify and languages, as Mastodon takes them. Following
// again only changes the options.
func (s *Env) Follow(ctx context.Context, a store.Actor, p APIParams) error {
	rels, err := s.DB.Relationships(ctx, []int64{a.ID})
	if err != nil {
		return err
	}
	old := rels[a.ID]
	if !old.Following && !old.Requested {
		if _, err := s.Fed.Follow(ctx, a.URI); err != nil {
			return err
		}
	}
	opts := store.FollowOptions{ShowReblogs: p.Bool("reblogs", old.ShowReblogs || !old.Following && !old.Requested),
		Notify: p.Bool("notify", old.Notify), Languages: old.Languages}
	if p.Has("languages[]") || p.Has("languages") {
		opts.Languages = p.List("languages")
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error { return tx.SetFollowOptions(ctx, a.ID, opts) })
}

// Unfollow stops following an account, or withdraws a pending request.
func (s *Env) Unfollow(ctx context.Context, a store.Actor, _ APIParams) error {
	return s.Fed.Unfollow(ctx, a.ID)
}

// Block blocks an account.
func (s *Env) Block(ctx context.Context, a store.Actor, _ APIParams) error {
	return s.Fed.Block(ctx, a.ID)
}

// Unblock lifts a block.
func (s *Env) Unblock(ctx context.Context, a store.Actor, _ APIParams) error {
	return s.Fed.Unblock(ctx, a.ID)
}

// Mute mutes an account: notifications (default true) says whether its
// notifications are hidden too, duration (seconds, 0 = forever) when the
// mute ends.
func (s *Env) Mute(ctx context.Context, a store.Actor, p APIParams) error {
	var expires time.Time
	if d := p.Int("duration", 0); d > 0 {
		expires = s.Opts.Now().Add(time.Duration(d) * time.Second)
	}
	hide := p.Bool("notifications", true)
	return s.DB.InTx(ctx, func(tx *store.Tx) error { return tx.PutMute(ctx, a.ID, hide, expires) })
}

// Unmute lifts a mute.
func (s *Env) Unmute(ctx context.Context, a store.Actor, _ APIParams) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteMute(ctx, a.ID) })
}

// RemoveFromFollowers ends an account's follow of the owner.
func (s *Env) RemoveFromFollowers(ctx context.Context, a store.Actor, _ APIParams) error {
	err := s.Fed.RejectFollower(ctx, a.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // not a follower: nothing to remove
	}
	return err
}

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

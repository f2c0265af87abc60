package server

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

// The Mastodon account endpoints: reading accounts, their posts and
// follows, and the owner's relationships with them. Actions go through
// federation; the owner's profile is edited in api_accounts_credentials.go.

// pathID reads a numeric id from the path. Mastodon answers 404 for an id
// that is not a number, as for one that is not stored.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(pathParam(r, name), 10, 64)
	if err != nil || id <= 0 {
		return 0, store.ErrNotFound
	}
	return id, nil
}

// viewerID is whose eyes a read uses: the owner's with an owner token, an
// anonymous reader's (0) without one.
func (s *Server) viewerID(r *http.Request) int64 {
	if isOwnerToken(r) {
		return s.fed.LocalActorID()
	}
	return 0
}

// publicOrScope guards the endpoints Mastodon serves without a token
// (public accounts and posts): no token reads anonymously, but a token
// that is presented must be valid (401) and hold one of scopes (403).
func (s *Server) publicOrScope(scopes ...string) func(http.Handler) http.Handler {
	check := s.requireToken(scopes...)
	return func(next http.Handler) http.Handler {
		checked := check(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if bearerToken(r) == "" {
				next.ServeHTTP(w, r)
				return
			}
			checked.ServeHTTP(w, r)
		})
	}
}

// accountByPath loads the account named by the {id} path parameter.
func (s *Server) accountByPath(r *http.Request) (store.Actor, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return store.Actor{}, err
	}
	return s.db.ActorByID(r.Context(), id)
}

// handleAccount answers GET /api/v1/accounts/:id.
func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request) {
	a, err := s.accountByPath(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.writeAccount(w, r, a)
}

// handleAccountLookup answers GET /api/v1/accounts/lookup?acct=: an
// account kith knows by its handle, without asking other servers (as
// Mastodon's lookup does not).
func (s *Server) handleAccountLookup(w http.ResponseWriter, r *http.Request) {
	p, err := params(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	acct := strings.TrimPrefix(strings.TrimSpace(p.String("acct")), "@")
	user, domain, _ := strings.Cut(acct, "@")
	var a store.Actor
	switch {
	case user == "":
		err = &userError{http.StatusUnprocessableEntity, "Validation failed: acct is missing"}
	case domain == "" || strings.EqualFold(domain, s.fed.URLs().Host()):
		a, err = s.db.LocalActor(r.Context())
		if err == nil && !strings.EqualFold(a.Username, user) {
			err = store.ErrNotFound
		}
	default:
		a, err = s.db.ActorByHandle(r.Context(), user, domain)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.writeAccount(w, r, a)
}

// handleAccountStatuses answers GET /api/v1/accounts/:id/statuses.
func (s *Server) handleAccountStatuses(w http.ResponseWriter, r *http.Request) {
	a, err := s.accountByPath(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	p, err := params(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	pg := p.Page(store.DefaultLimit, store.MaxLimit)
	posts, err := s.db.AccountStatuses(r.Context(), a.ID, pg, store.AccountOptions{
		ViewerID: s.viewerID(r), ExcludeReplies: p.Bool("exclude_replies", false), ExcludeReblogs: p.Bool("exclude_reblogs", false),
		OnlyMedia: p.Bool("only_media", false), Pinned: p.Bool("pinned", false), Tagged: p.String("tagged"),
	})
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.writeStatusPage(w, r, posts, pg.Limit)
}

// writeStatusPage renders a page of posts paged by post id, with its Link
// header.
func (s *Server) writeStatusPage(w http.ResponseWriter, r *http.Request, posts []store.Post, limit int) {
	out, err := s.renderStatuses(r.Context(), posts)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if len(posts) > 0 {
		s.setLinkHeader(w, r, posts[0].ID, posts[len(posts)-1].ID, len(posts), limit)
	}
	writeAPI(w, http.StatusOK, out)
}

// writeAccountPage renders a page of accounts whose cursors are their own
// ids, with its Link header.
func (s *Server) writeAccountPage(w http.ResponseWriter, r *http.Request, actors []store.Actor, cursors []int64, limit int) {
	out, err := s.renderAccounts(r.Context(), actors)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if cursors == nil {
		for _, a := range actors {
			cursors = append(cursors, a.ID)
		}
	}
	if len(cursors) > 0 {
		s.setLinkHeader(w, r, cursors[0], cursors[len(cursors)-1], len(cursors), limit)
	}
	writeAPI(w, http.StatusOK, out)
}

// handleAccountFollows answers GET /api/v1/accounts/:id/followers and
// /following. For a remote account these are the follows kith knows of
// (with the owner), not the account's full lists.
func (s *Server) handleAccountFollows(which string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, err := s.accountByPath(r)
		if err != nil {
			s.apiFail(w, r, err)
			return
		}
		p, err := params(r)
		if err != nil {
			s.apiFail(w, r, err)
			return
		}
		pg := p.Page(store.DefaultLimit, store.MaxLimit*2)
		var actors []store.Actor
		if which == "followers" {
			actors, err = s.db.FollowersPage(r.Context(), a.ID, pg)
		} else {
			actors, err = s.db.FollowingPage(r.Context(), a.ID, pg)
		}
		if err != nil {
			s.apiFail(w, r, err)
			return
		}
		s.writeAccountPage(w, r, actors, nil, pg.Limit)
	}
}

// idsParam reads the id[] list parameter as numbers, skipping any that
// are not.
func idsParam(p apiParams) []int64 {
	var ids []int64
	for _, v := range p.List("id") {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	return ids
}

// relationships renders the owner's relationships with accounts, in the
// order asked; ids kith does not know are left out.
func (s *Server) relationships(ctx context.Context, ids []int64) ([]apiRelationship, error) {
	rels, err := s.db.Relationships(ctx, s.fed.LocalActorID(), ids)
	if err != nil {
		return nil, err
	}
	out := []apiRelationship{}
	for _, id := range ids {
		rel, ok := rels[id]
		if !ok {
			continue
		}
		langs := rel.Languages
		if langs == nil {
			langs = []string{}
		}
		out = append(out, apiRelationship{
			ID: apiID(id), Following: rel.Following, ShowingReblogs: (rel.Following || rel.Requested) && rel.ShowReblogs,
			Notifying: rel.Notify, Languages: langs, FollowedBy: rel.FollowedBy, Blocking: rel.Blocking,
			BlockedBy: rel.BlockedBy, Muting: rel.Muting, MutingNotifications: rel.MutingNotifications,
			Requested: rel.Requested, RequestedBy: rel.RequestedBy, DomainBlocking: rel.DomainBlocking,
			Endorsed: rel.Endorsed, Note: rel.Note,
		})
	}
	return out, nil
}

// handleRelationships answers GET /api/v1/accounts/relationships?id[]=.
func (s *Server) handleRelationships(w http.ResponseWriter, r *http.Request) {
	p, err := params(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	out, err := s.relationships(r.Context(), idsParam(p))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeAPI(w, http.StatusOK, out)
}

// handleFamiliarFollowers answers GET /api/v1/accounts/familiar_followers:
// the owner follows nobody who follows through kith, so each account has
// an empty list.
func (s *Server) handleFamiliarFollowers(w http.ResponseWriter, r *http.Request) {
	p, err := params(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	out := []map[string]any{}
	for _, id := range idsParam(p) {
		out = append(out, map[string]any{"id": apiID(id), "accounts": []any{}})
	}
	writeAPI(w, http.StatusOK, out)
}

// resolveTimeout bounds a search that asks another server for an account.
const resolveTimeout = 5 * time.Second

// handleAccountSearch answers GET /api/v1/accounts/search: accounts kith
// knows, and with resolve=true one looked up by handle or URL first.
func (s *Server) handleAccountSearch(w http.ResponseWriter, r *http.Request) {
	p, err := params(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	q := strings.TrimSpace(p.String("q"))
	limit, offset := int(p.Int("limit", 40)), int(p.Int("offset", 0))
	var found []store.Actor
	if p.Bool("resolve", false) && offset == 0 && looksResolvable(q) {
		ctx, cancel := context.WithTimeout(r.Context(), resolveTimeout)
		if a, err := s.fed.Resolve(ctx, q); err == nil {
			found = append(found, a)
		} else {
			s.logger.Debug("account search resolve failed", "err", err)
		}
		cancel()
	}
	more, err := s.db.SearchActors(r.Context(), s.fed.LocalActorID(), q, p.Bool("following", false), limit, offset)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	for _, a := range more {
		if len(found) == 0 || a.ID != found[0].ID {
			found = append(found, a)
		}
	}
	out, err := s.renderAccounts(r.Context(), found[:min(len(found), max(limit, 1))])
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeAPI(w, http.StatusOK, out)
}

// looksResolvable says whether a search can name a remote account: a
// full handle or a URL.
func looksResolvable(q string) bool {
	if strings.HasPrefix(q, "https://") || strings.HasPrefix(q, "http://") {
		return true
	}
	_, _, ok := federation.ParseAcct(q)
	return ok
}

// handleAccountLists answers GET /api/v1/accounts/:id/lists: the owner's
// lists the account is on.
func (s *Server) handleAccountLists(w http.ResponseWriter, r *http.Request) {
	a, err := s.accountByPath(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	lists, err := s.db.ListsWith(r.Context(), a.ID)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	out := []map[string]any{}
	for _, l := range lists {
		out = append(out, map[string]any{"id": apiID(l.ID), "title": l.Title, "replies_policy": l.RepliesPolicy, "exclusive": l.Exclusive})
	}
	writeAPI(w, http.StatusOK, out)
}

// accountAction is one of the POST /api/v1/accounts/:id/... actions: it
// acts on the account and answers with the relationship after.
type accountAction func(ctx context.Context, a store.Actor, p apiParams) error

// handleAccountAction runs an accountAction and answers the Relationship.
func (s *Server) handleAccountAction(act accountAction) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, err := s.accountByPath(r)
		if err != nil {
			s.apiFail(w, r, err)
			return
		}
		p, err := params(r)
		if err != nil {
			s.apiFail(w, r, err)
			return
		}
		if a.Local {
			s.apiFail(w, r, &userError{http.StatusForbidden, "This action is not allowed on your own account"})
			return
		}
		if err := act(r.Context(), a, p); err != nil {
			s.apiFail(w, r, err)
			return
		}
		out, err := s.relationships(r.Context(), []int64{a.ID})
		if err != nil || len(out) == 0 {
			s.apiFail(w, r, errors.Join(err, store.ErrNotFound))
			return
		}
		writeAPI(w, http.StatusOK, out[0])
	}
}

// follow follows an account and stores the follow's options: reblogs
// (default true), notify and languages, as Mastodon takes them. Following
// again only changes the options.
func (s *Server) follow(ctx context.Context, a store.Actor, p apiParams) error {
	rels, err := s.db.Relationships(ctx, s.fed.LocalActorID(), []int64{a.ID})
	if err != nil {
		return err
	}
	old := rels[a.ID]
	if !old.Following && !old.Requested {
		if _, err := s.fed.Follow(ctx, a.URI); err != nil {
			return err
		}
	}
	opts := store.FollowOptions{ShowReblogs: p.Bool("reblogs", old.ShowReblogs || !old.Following && !old.Requested),
		Notify: p.Bool("notify", old.Notify), Languages: old.Languages}
	if p.Has("languages[]") || p.Has("languages") {
		opts.Languages = p.List("languages")
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error { return tx.SetFollowOptions(ctx, a.ID, opts) })
}

func (s *Server) unfollow(ctx context.Context, a store.Actor, _ apiParams) error {
	return s.fed.Unfollow(ctx, a.ID)
}

func (s *Server) block(ctx context.Context, a store.Actor, _ apiParams) error {
	return s.fed.Block(ctx, a.ID)
}

func (s *Server) unblock(ctx context.Context, a store.Actor, _ apiParams) error {
	return s.fed.Unblock(ctx, a.ID)
}

// mute mutes an account: notifications (default true) says whether its
// notifications are hidden too, duration (seconds, 0 = forever) when the
// mute ends.
func (s *Server) mute(ctx context.Context, a store.Actor, p apiParams) error {
	var expires time.Time
	if d := p.Int("duration", 0); d > 0 {
		expires = s.opts.Now().Add(time.Duration(d) * time.Second)
	}
	hide := p.Bool("notifications", true)
	return s.db.InTx(ctx, func(tx *store.Tx) error { return tx.PutMute(ctx, a.ID, hide, expires) })
}

func (s *Server) unmute(ctx context.Context, a store.Actor, _ apiParams) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteMute(ctx, a.ID) })
}

// maxAccountNote is the longest private note, as Mastodon allows.
const maxAccountNote = 2000

func (s *Server) setNote(ctx context.Context, a store.Actor, p apiParams) error {
	note := p.String("comment")
	if len([]rune(note)) > maxAccountNote {
		return &userError{http.StatusUnprocessableEntity, "Validation failed: a note has at most 2000 characters"}
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error { return tx.SetAccountNote(ctx, a.ID, note) })
}

// removeFromFollowers ends an account's follow of the owner.
func (s *Server) removeFromFollowers(ctx context.Context, a store.Actor, _ apiParams) error {
	err := s.fed.RejectFollower(ctx, a.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // not a follower: nothing to remove
	}
	return err
}

func (s *Server) endorse(ctx context.Context, a store.Actor, _ apiParams) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error { return tx.PutEndorsement(ctx, a.ID) })
}

func (s *Server) unendorse(ctx context.Context, a store.Actor, _ apiParams) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteEndorsement(ctx, a.ID) })
}

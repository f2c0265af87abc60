package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"kith/server/core"
	"kith/store"
)

// HandleAccount answers GET /api/v1/accounts/:id.
func (s *API) HandleAccount(w http.ResponseWriter, r *http.Request) error {
	a, err := s.AccountByPath(r)
	if err != nil {
		return err
	}
	return s.writeAccount(w, r, a)
}

// HandleAccountLookup answers GET /api/v1/accounts/lookup?acct=: an
// account kith knows by its handle, without asking other servers (as
// Mastodon's lookup does not).
func (s *API) HandleAccountLookup(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	if err != nil {
		return err
	}
	acct := strings.TrimPrefix(strings.TrimSpace(p.String("acct")), "@")
	user, domain, _ := strings.Cut(acct, "@")
	var a store.Actor
	switch {
	case user == "":
		err = core.Refuse(http.StatusUnprocessableEntity, "Validation failed: acct is missing")
	case domain == "" || strings.EqualFold(domain, s.Fed.URLs().Host()):
		a, err = s.DB.LocalActor(r.Context())
		if err == nil && !strings.EqualFold(a.Username, user) {
			err = store.ErrNotFound
		}
	default:
		a, err = s.DB.ActorByHandle(r.Context(), user, domain)
	}
	if err != nil {
		return err
	}
	return s.writeAccount(w, r, a)
}

// HandleAccountStatuses answers GET /api/v1/accounts/:id/statuses.
func (s *API) HandleAccountStatuses(w http.ResponseWriter, r *http.Request) error {
	a, err := s.AccountByPath(r)
	if err != nil {
		return err
	}
	p, err := core.Params(r)
	if err != nil {
		return err
	}
	pg := p.Page(store.DefaultLimit, store.MaxLimit)
	posts, err := s.DB.AccountStatuses(r.Context(), a.ID, pg, store.AccountOptions{
		ViewerID: s.ViewerID(r), ExcludeReplies: p.Bool("exclude_replies", false), ExcludeReblogs: p.Bool("exclude_reblogs", false),
		OnlyMedia: p.Bool("only_media", false), Pinned: p.Bool("pinned", false), Tagged: p.String("tagged"),
	})
	if err != nil {
		return err
	}
	return s.writeStatusPage(w, r, posts, pg.Limit)
}

// writeStatusPage renders a page of posts paged by post id, with its Link
// header.
func (s *API) writeStatusPage(w http.ResponseWriter, r *http.Request, posts []store.Post, limit int) error {
	out, err := s.renderStatuses(r.Context(), posts)
	if err != nil {
		return err
	}
	if len(posts) > 0 {
		s.SetLinkHeader(w, r, posts[0].ID, posts[len(posts)-1].ID, len(posts), limit)
	}
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}

// writeAccountPage renders a page of accounts whose cursors are their own
// ids, with its Link header.
func (s *API) writeAccountPage(w http.ResponseWriter, r *http.Request, actors []store.Actor, cursors []int64, limit int) error {
	out, err := s.renderAccounts(r.Context(), actors)
	if err != nil {
		return err
	}
	if cursors == nil {
		for _, a := range actors {
			cursors = append(cursors, a.ID)
		}
	}
	if len(cursors) > 0 {
		s.SetLinkHeader(w, r, cursors[0], cursors[len(cursors)-1], len(cursors), limit)
	}
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}

// HandleAccountFollows answers GET /api/v1/accounts/:id/followers and
// /following. For a remote account these are the follows kith knows of
// (with the owner), not the account's full lists.
func (s *API) HandleAccountFollows(which string) core.Failing {
	return func(w http.ResponseWriter, r *http.Request) error {
		a, err := s.AccountByPath(r)
		if err != nil {
			return err
		}
		p, err := core.Params(r)
		if err != nil {
			return err
		}
		pg := p.Page(store.DefaultLimit, store.MaxLimit*2)
		var actors []store.Actor
		if which == "followers" {
			actors, err = s.DB.FollowersPage(r.Context(), a.ID, pg)
		} else {
			actors, err = s.DB.FollowingPage(r.Context(), a.ID, pg)
		}
		if err != nil {
			return err
		}
		return s.writeAccountPage(w, r, actors, nil, pg.Limit)
	}
}

// idsParam reads the id[] list parameter as numbers, skipping any that
// are not.
func idsParam(p core.APIParams) []int64 {
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
func (s *API) relationships(ctx context.Context, ids []int64) ([]apiRelationship, error) {
	rels, err := s.DB.Relationships(ctx, ids)
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
			ID: core.APIID(id), Following: rel.Following, ShowingReblogs: (rel.Following || rel.Requested) && rel.ShowReblogs,
			Notifying: rel.Notify, Languages: langs, FollowedBy: rel.FollowedBy, Blocking: rel.Blocking,
			BlockedBy: rel.BlockedBy, Muting: rel.Muting, MutingNotifications: rel.MutingNotifications,
			Requested: rel.Requested, RequestedBy: rel.RequestedBy, DomainBlocking: rel.DomainBlocking,
			Endorsed: rel.Endorsed, Note: rel.Note,
		})
	}
	return out, nil
}

// HandleRelationships answers GET /api/v1/accounts/relationships?id[]=.
func (s *API) HandleRelationships(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	if err != nil {
		return err
	}
	out, err := s.relationships(r.Context(), idsParam(p))
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}

// HandleFamiliarFollowers answers GET /api/v1/accounts/familiar_followers:
// the owner follows nobody who follows through kith, so each account has
// an empty list.
func (s *API) HandleFamiliarFollowers(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for _, id := range idsParam(p) {
		out = append(out, map[string]any{"id": core.APIID(id), "accounts": []any{}})
	}
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}

// resolveTimeout bounds a search that asks another server for an account.
const resolveTimeout = 5 * time.Second

// HandleAccountSearch answers GET /api/v1/accounts/search: accounts kith
// knows, and with resolve=true one looked up by handle or URL first.
func (s *API) HandleAccountSearch(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(p.String("q"))
	limit, offset := int(p.Int("limit", 40)), int(p.Int("offset", 0))
	var found []store.Actor
	if p.Bool("resolve", false) && offset == 0 && core.LooksResolvable(q) {
		ctx, cancel := context.WithTimeout(r.Context(), resolveTimeout)
		if a, err := s.Fed.Resolve(ctx, q); err == nil {
			found = append(found, a)
		} else {
			s.Logger.Debug("account search resolve failed", "err", err)
		}
		cancel()
	}
	more, err := s.DB.SearchActors(r.Context(), s.DB.OwnerID(), q, p.Bool("following", false), limit, offset)
	if err != nil {
		return err
	}
	for _, a := range more {
		if len(found) == 0 || a.ID != found[0].ID {
			found = append(found, a)
		}
	}
	out, err := s.renderAccounts(r.Context(), found[:min(len(found), max(limit, 1))])
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}

// HandleAccountLists answers GET /api/v1/accounts/:id/lists: the owner's
// lists the account is on.
func (s *API) HandleAccountLists(w http.ResponseWriter, r *http.Request) error {
	a, err := s.AccountByPath(r)
	if err != nil {
		return err
	}
	lists, err := s.DB.ListsWith(r.Context(), a.ID)
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for _, l := range lists {
		out = append(out, map[string]any{"id": core.APIID(l.ID), "title": l.Title, "replies_policy": l.RepliesPolicy, "exclusive": l.Exclusive})
	}
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}

// accountAction is one of the POST /api/v1/accounts/:id/... actions: it
// acts on the account and answers with the relationship after.
type accountAction func(ctx context.Context, a store.Actor, p core.APIParams) error

// HandleAccountAction runs an accountAction and answers the Relationship.
func (s *API) HandleAccountAction(act accountAction) core.Failing {
	return func(w http.ResponseWriter, r *http.Request) error {
		a, err := s.AccountByPath(r)
		if err != nil {
			return err
		}
		p, err := core.Params(r)
		if err != nil {
			return err
		}
		if a.Local {
			return core.Refuse(http.StatusForbidden, "This action is not allowed on your own account")
		}
		if err := act(r.Context(), a, p); err != nil {
			return err
		}
		out, err := s.relationships(r.Context(), []int64{a.ID})
		if err != nil || len(out) == 0 {
			return errors.Join(err, store.ErrNotFound)
		}
		core.WriteAPI(w, http.StatusOK, out[0])
		return nil
	}
}

// maxAccountNote is the longest private note, as Mastodon allows.
const maxAccountNote = 2000

// SetNote sets the owner's private note on an account.
func (s *API) SetNote(ctx context.Context, a store.Actor, p core.APIParams) error {
	note := p.String("comment")
	if len([]rune(note)) > maxAccountNote {
		return core.Refuse(http.StatusUnprocessableEntity, "Validation failed: a note has at most 2000 characters")
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error { return tx.SetAccountNote(ctx, a.ID, note) })
}

// Endorse features an account on the owner's profile.
func (s *API) Endorse(ctx context.Context, a store.Actor, _ core.APIParams) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error { return tx.PutEndorsement(ctx, a.ID) })
}

// Unendorse stops featuring an account.
func (s *API) Unendorse(ctx context.Context, a store.Actor, _ core.APIParams) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteEndorsement(ctx, a.ID) })
}

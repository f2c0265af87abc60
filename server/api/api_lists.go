package api

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"kith/server/core"
	"kith/store"
)

// apiList is Mastodon's List entity.
type apiList struct {
	ID            string `json:"id"`
	Title         string `json:"title"`
	RepliesPolicy string `json:"replies_policy"`
	Exclusive     bool   `json:"exclusive"`
}

func apiListOf(l store.List) apiList {
	return apiList{ID: core.APIID(l.ID), Title: l.Title, RepliesPolicy: l.RepliesPolicy, Exclusive: l.Exclusive}
}

var repliesPolicies = []string{"followed", "list", "none"}

// HandleLists answers GET /api/v1/lists.
func (s *API) HandleLists(w http.ResponseWriter, r *http.Request) error {
	lists, err := s.DB.Lists(r.Context())
	if err != nil {
		return err
	}
	out := make([]apiList, 0, len(lists))
	for _, l := range lists {
		out = append(out, apiListOf(l))
	}
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}

// listByPath loads the list named by {id}.
func (s *API) listByPath(r *http.Request) (store.List, error) {
	id, err := core.PathID(r, "id")
	if err != nil {
		return store.List{}, err
	}
	return s.DB.ListByID(r.Context(), id)
}

// HandleList answers GET /api/v1/lists/{id}.
func (s *API) HandleList(w http.ResponseWriter, r *http.Request) error {
	l, err := s.listByPath(r)
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, apiListOf(l))
	return nil
}

// readList applies the request's title, replies_policy and exclusive to l.
func readList(p core.APIParams, l store.List) (store.List, error) {
	if p.Has("title") || l.ID == 0 {
		l.Title = strings.TrimSpace(p.String("title"))
	}
	if l.Title == "" {
		return l, core.Refuse(http.StatusUnprocessableEntity, "Validation failed: Title can't be blank")
	}
	if p.Has("replies_policy") {
		l.RepliesPolicy = p.String("replies_policy")
		if !slices.Contains(repliesPolicies, l.RepliesPolicy) {
			return l, core.Refuse(http.StatusUnprocessableEntity, "Validation failed: replies_policy must be followed, list or none")
		}
	}
	l.Exclusive = p.Bool("exclusive", l.Exclusive)
	return l, nil
}

// HandleCreateList answers POST /api/v1/lists.
func (s *API) HandleCreateList(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	var l store.List
	if err == nil {
		l, err = readList(p, store.List{})
	}
	if err == nil {
		err = s.DB.InTx(r.Context(), func(tx *store.Tx) error {
			l.ID, err = tx.CreateList(r.Context(), l)
			return err
		})
	}
	if err == nil {
		l, err = s.DB.ListByID(r.Context(), l.ID)
	}
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, apiListOf(l))
	return nil
}

// HandleUpdateList answers PUT /api/v1/lists/{id}.
func (s *API) HandleUpdateList(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	var l store.List
	if err == nil {
		l, err = s.listByPath(r)
	}
	if err == nil {
		l, err = readList(p, l)
	}
	if err == nil {
		err = s.DB.InTx(r.Context(), func(tx *store.Tx) error { return tx.UpdateList(r.Context(), l) })
	}
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, apiListOf(l))
	return nil
}

// HandleDeleteList answers DELETE /api/v1/lists/{id}.
func (s *API) HandleDeleteList(w http.ResponseWriter, r *http.Request) error {
	id, err := core.PathID(r, "id")
	if err == nil {
		err = s.DB.InTx(r.Context(), func(tx *store.Tx) error { return tx.DeleteList(r.Context(), id) })
	}
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, map[string]any{})
	return nil
}

// HandleListAccounts answers GET /api/v1/lists/{id}/accounts; limit=0
// asks for every member, as in Mastodon.
func (s *API) HandleListAccounts(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	var l store.List
	if err == nil {
		l, err = s.listByPath(r)
	}
	if err != nil {
		return err
	}
	pg := p.Page(store.MaxLimit, store.MaxLimit)
	all := p.Has("limit") && p.Int("limit", -1) == 0
	if all {
		pg.Limit = 0
	}
	actors, err := s.DB.ListAccounts(r.Context(), l.ID, pg)
	if err != nil {
		return err
	}
	limit := pg.Limit
	if all {
		limit = len(actors) + 1 // every member: no next page
	}
	return s.writeAccountPage(w, r, actors, nil, limit)
}

// accountIDsParam reads account_ids[] as numbers.
func accountIDsParam(p core.APIParams) ([]int64, error) {
	var ids []int64
	for _, v := range p.List("account_ids") {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return nil, store.ErrNotFound
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil, core.Refuse(http.StatusUnprocessableEntity, "Validation failed: account_ids can't be blank")
	}
	return ids, nil
}

// HandleAddListAccounts answers POST /api/v1/lists/{id}/accounts. As in
// Mastodon, only accounts the owner follows may be added.
func (s *API) HandleAddListAccounts(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	var l store.List
	var ids []int64
	if err == nil {
		l, err = s.listByPath(r)
	}
	if err == nil {
		ids, err = accountIDsParam(p)
	}
	if err == nil {
		err = s.checkFollowed(r, ids)
	}
	if err == nil {
		err = s.DB.InTx(r.Context(), func(tx *store.Tx) error { return tx.AddListAccounts(r.Context(), l.ID, ids) })
	}
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, map[string]any{})
	return nil
}

// checkFollowed refuses accounts kith does not know (404) or the owner
// does not follow (422).
func (s *API) checkFollowed(r *http.Request, ids []int64) error {
	rels, err := s.DB.Relationships(r.Context(), ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		rel, ok := rels[id]
		if !ok {
			return store.ErrNotFound
		}
		if !rel.Following && !rel.Requested {
			return core.Refuse(http.StatusUnprocessableEntity, "Validation failed: You must be following an account to add it to a list")
		}
	}
	return nil
}

// HandleRemoveListAccounts answers DELETE /api/v1/lists/{id}/accounts.
func (s *API) HandleRemoveListAccounts(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	var l store.List
	var ids []int64
	if err == nil {
		l, err = s.listByPath(r)
	}
	if err == nil {
		ids, err = accountIDsParam(p)
	}
	if err == nil {
		err = s.DB.InTx(r.Context(), func(tx *store.Tx) error { return tx.RemoveListAccounts(r.Context(), l.ID, ids) })
	}
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, map[string]any{})
	return nil
}

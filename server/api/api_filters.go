package api

import (
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"kith/server/core"
	"kith/store"
)

var filterContexts = []string{"home", "notifications", "public", "thread", "account"}

var filterActions = []string{"warn", "hide", "blur"}

type apiFilter struct {
	ID           string             `json:"id"`
	Title        string             `json:"title"`
	Context      []string           `json:"context"`
	ExpiresAt    *string            `json:"expires_at"`
	FilterAction string             `json:"filter_action"`
	Keywords     []apiFilterKeyword `json:"keywords"`
	Statuses     []apiFilterStatus  `json:"statuses"`
}

type apiFilterKeyword struct {
	ID        string `json:"id"`
	Keyword   string `json:"keyword"`
	WholeWord bool   `json:"whole_word"`
}

type apiFilterStatus struct {
	ID       string `json:"id"`
	StatusID string `json:"status_id"`
}

// readFilter applies title, context[], filter_action and expires_in to f;
// a new filter must name a title and a context.
func (s *API) readFilter(p core.APIParams, f store.Filter) (store.Filter, error) {
	if p.Has("title") || f.ID == 0 {
		f.Title = strings.TrimSpace(p.String("title"))
	}
	if ctx := p.List("context"); len(ctx) > 0 || f.ID == 0 {
		f.Context = ctx
	}
	if p.Has("filter_action") {
		f.Action = p.String("filter_action")
	}
	if f.Action == "" {
		f.Action = "warn"
	}
	if p.Has("expires_in") {
		f.ExpiresAt = time.Time{}
		if secs := p.Int("expires_in", 0); secs > 0 {
			f.ExpiresAt = s.Opts.Now().Add(time.Duration(secs) * time.Second)
		}
	}
	switch {
	case f.Title == "":
		return f, core.Refuse(http.StatusUnprocessableEntity, "Validation failed: Title can't be blank")
	case len(f.Context) == 0:
		return f, core.Refuse(http.StatusUnprocessableEntity, "Validation failed: Context can't be blank")
	case !slices.Contains(filterActions, f.Action):
		return f, core.Refuse(http.StatusUnprocessableEntity, "Validation failed: filter_action must be warn, hide or blur")
	}
	for _, c := range f.Context {
		if !slices.Contains(filterContexts, c) {
			return f, core.Refuse(http.StatusUnprocessableEntity, "Validation failed: Context includes invalid values")
		}
	}
	return f, nil
}

// KeywordAttr is one entry of keywords_attributes[].
type KeywordAttr struct {
	ID        int64
	Keyword   string
	WholeWord bool
	Destroy   bool
}

// KeywordAttributes reads keywords_attributes as apps send it: indexed
// (keywords_attributes[0][keyword], which JSON arrays flatten to) or in
// Rails' form style (keywords_attributes[][keyword], matched by order).
// whole_word defaults to true, as in Mastodon.
func KeywordAttributes(p core.APIParams) []KeywordAttr {
	const prefix = "keywords_attributes["
	byIndex := map[int]*KeywordAttr{}
	for key, vs := range p.Values {
		rest, ok := strings.CutPrefix(key, prefix)
		if !ok || len(vs) == 0 {
			continue
		}
		idx, field, ok := strings.Cut(rest, "][")
		n, err := strconv.Atoi(idx)
		if !ok || err != nil {
			continue
		}
		if byIndex[n] == nil {
			byIndex[n] = &KeywordAttr{WholeWord: true}
		}
		setKeywordField(byIndex[n], strings.TrimSuffix(field, "]"), vs[0])
	}
	var out []KeywordAttr
	idx := make([]int, 0, len(byIndex))
	for n := range byIndex {
		idx = append(idx, n)
	}
	sort.Ints(idx)
	for _, n := range idx {
		out = append(out, *byIndex[n])
	}
	var unindexed []*KeywordAttr
	for _, field := range []string{"id", "keyword", "whole_word", "_destroy"} {
		for i, v := range p.Values[prefix+"]["+field+"]"] {
			for len(unindexed) <= i {
				unindexed = append(unindexed, &KeywordAttr{WholeWord: true})
			}
			setKeywordField(unindexed[i], field, v)
		}
	}
	for _, k := range unindexed {
		out = append(out, *k)
	}
	return out
}

func setKeywordField(k *KeywordAttr, field, v string) {
	switch field {
	case "id":
		k.ID, _ = strconv.ParseInt(v, 10, 64)
	case "keyword":
		k.Keyword = strings.TrimSpace(v)
	case "whole_word":
		k.WholeWord = v == "true" || v == "1" || v == "on"
	case "_destroy":
		k.Destroy = v == "true" || v == "1" || v == "on"
	}
}

// HandleFilters answers GET /api/v2/filters.
func (s *API) HandleFilters(w http.ResponseWriter, r *http.Request) error {
	fs, err := s.DB.Filters(r.Context())
	if err != nil {
		return err
	}
	out := make([]apiFilter, 0, len(fs))
	for _, f := range fs {
		out = append(out, apiFilterOf(f))
	}
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}

func (s *API) filterByPath(r *http.Request, param string) (store.Filter, error) {
	id, err := core.PathID(r, param)
	if err != nil {
		return store.Filter{}, err
	}
	return s.DB.FilterByID(r.Context(), id)
}

// writeFilter answers with a filter as stored now.
func (s *API) writeFilter(w http.ResponseWriter, r *http.Request, id int64) error {
	f, err := s.DB.FilterByID(r.Context(), id)
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, apiFilterOf(f))
	return nil
}

// HandleFilter answers GET /api/v2/filters/{id}.
func (s *API) HandleFilter(w http.ResponseWriter, r *http.Request) error {
	f, err := s.filterByPath(r, "id")
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, apiFilterOf(f))
	return nil
}

// HandleCreateFilter answers POST /api/v2/filters.
func (s *API) HandleCreateFilter(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	var f store.Filter
	if err == nil {
		f, err = s.readFilter(p, store.Filter{})
	}
	if err != nil {
		return err
	}
	for _, k := range KeywordAttributes(p) {
		if k.Keyword != "" && !k.Destroy {
			f.Keywords = append(f.Keywords, store.FilterKeyword{Keyword: k.Keyword, WholeWord: k.WholeWord})
		}
	}
	err = s.DB.InTx(r.Context(), func(tx *store.Tx) error {
		f.ID, err = tx.CreateFilter(r.Context(), f)
		return err
	})
	if err != nil {
		return err
	}
	return s.writeFilter(w, r, f.ID)
}

// HandleUpdateFilter answers PUT /api/v2/filters/{id}: the filter's
// settings, and keywords added, changed (by id) or removed (_destroy).
func (s *API) HandleUpdateFilter(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	var f store.Filter
	if err == nil {
		f, err = s.filterByPath(r, "id")
	}
	if err == nil {
		f, err = s.readFilter(p, f)
	}
	if err != nil {
		return err
	}
	ctx := r.Context()
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.UpdateFilter(ctx, f); err != nil {
			return err
		}
		for _, k := range KeywordAttributes(p) {
			if k.ID != 0 && !slices.ContainsFunc(f.Keywords, func(x store.FilterKeyword) bool { return x.ID == k.ID }) {
				return store.ErrNotFound // another filter's keyword
			}
			var err error
			switch {
			case k.ID != 0 && k.Destroy:
				err = tx.DeleteFilterKeyword(ctx, k.ID)
			case k.ID != 0:
				err = tx.UpdateFilterKeyword(ctx, store.FilterKeyword{ID: k.ID, Keyword: k.Keyword, WholeWord: k.WholeWord})
			case k.Keyword != "" && !k.Destroy:
				_, err = tx.AddFilterKeyword(ctx, f.ID, k.Keyword, k.WholeWord)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.writeFilter(w, r, f.ID)
}

// HandleDeleteFilter answers DELETE /api/v2/filters/{id}.
func (s *API) HandleDeleteFilter(w http.ResponseWriter, r *http.Request) error {
	id, err := core.PathID(r, "id")
	if err == nil {
		err = s.DB.InTx(r.Context(), func(tx *store.Tx) error { return tx.DeleteFilter(r.Context(), id) })
	}
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, map[string]any{})
	return nil
}

// HandleFilterKeywords answers GET /api/v2/filters/{id}/keywords.
func (s *API) HandleFilterKeywords(w http.ResponseWriter, r *http.Request) error {
	f, err := s.filterByPath(r, "id")
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, apiFilterOf(f).Keywords)
	return nil
}

// HandleAddFilterKeyword answers POST /api/v2/filters/{id}/keywords.
func (s *API) HandleAddFilterKeyword(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	var f store.Filter
	if err == nil {
		f, err = s.filterByPath(r, "id")
	}
	k := store.FilterKeyword{FilterID: f.ID, Keyword: strings.TrimSpace(p.String("keyword")), WholeWord: p.Bool("whole_word", true)}
	if err == nil && k.Keyword == "" {
		err = core.Refuse(http.StatusUnprocessableEntity, "Validation failed: Keyword can't be blank")
	}
	if err == nil {
		err = s.DB.InTx(r.Context(), func(tx *store.Tx) error {
			k.ID, err = tx.AddFilterKeyword(r.Context(), f.ID, k.Keyword, k.WholeWord)
			return err
		})
	}
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, apiFilterKeywordOf(k))
	return nil
}

func (s *API) keywordByPath(r *http.Request) (store.FilterKeyword, error) {
	id, err := core.PathID(r, "id")
	if err != nil {
		return store.FilterKeyword{}, err
	}
	return s.DB.FilterKeywordByID(r.Context(), id)
}

// HandleFilterKeyword answers GET /api/v2/filters/keywords/{id}.
func (s *API) HandleFilterKeyword(w http.ResponseWriter, r *http.Request) error {
	k, err := s.keywordByPath(r)
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, apiFilterKeywordOf(k))
	return nil
}

// HandleUpdateFilterKeyword answers PUT /api/v2/filters/keywords/{id}.
func (s *API) HandleUpdateFilterKeyword(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	var k store.FilterKeyword
	if err == nil {
		k, err = s.keywordByPath(r)
	}
	if p.Has("keyword") {
		k.Keyword = strings.TrimSpace(p.String("keyword"))
	}
	k.WholeWord = p.Bool("whole_word", k.WholeWord)
	if err == nil && k.Keyword == "" {
		err = core.Refuse(http.StatusUnprocessableEntity, "Validation failed: Keyword can't be blank")
	}
	if err == nil {
		err = s.DB.InTx(r.Context(), func(tx *store.Tx) error { return tx.UpdateFilterKeyword(r.Context(), k) })
	}
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, apiFilterKeywordOf(k))
	return nil
}

// HandleDeleteFilterKeyword answers DELETE /api/v2/filters/keywords/{id}.
func (s *API) HandleDeleteFilterKeyword(w http.ResponseWriter, r *http.Request) error {
	id, err := core.PathID(r, "id")
	if err == nil {
		err = s.DB.InTx(r.Context(), func(tx *store.Tx) error { return tx.DeleteFilterKeyword(r.Context(), id) })
	}
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, map[string]any{})
	return nil
}

// HandleFilterStatuses answers GET /api/v2/filters/{id}/statuses.
func (s *API) HandleFilterStatuses(w http.ResponseWriter, r *http.Request) error {
	f, err := s.filterByPath(r, "id")
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, apiFilterOf(f).Statuses)
	return nil
}

// HandleAddFilterStatus answers POST /api/v2/filters/{id}/statuses.
func (s *API) HandleAddFilterStatus(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	var f store.Filter
	if err == nil {
		f, err = s.filterByPath(r, "id")
	}
	postID := p.Int("status_id", 0)
	if err == nil {
		_, err = s.DB.PostByID(r.Context(), postID)
	}
	var id int64
	if err == nil {
		err = s.DB.InTx(r.Context(), func(tx *store.Tx) error {
			id, err = tx.AddFilterStatus(r.Context(), f.ID, postID)
			return err
		})
	}
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, apiFilterStatus{ID: core.APIID(id), StatusID: core.APIID(postID)})
	return nil
}

// HandleFilterStatus answers GET /api/v2/filters/statuses/{id}.
func (s *API) HandleFilterStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := core.PathID(r, "id")
	var st store.FilterStatus
	if err == nil {
		st, err = s.DB.FilterStatusByID(r.Context(), id)
	}
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, apiFilterStatus{ID: core.APIID(st.ID), StatusID: core.APIID(st.PostID)})
	return nil
}

// HandleDeleteFilterStatus answers DELETE /api/v2/filters/statuses/{id}.
func (s *API) HandleDeleteFilterStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := core.PathID(r, "id")
	if err == nil {
		err = s.DB.InTx(r.Context(), func(tx *store.Tx) error { return tx.DeleteFilterStatus(r.Context(), id) })
	}
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, map[string]any{})
	return nil
}

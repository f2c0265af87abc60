package api

import (
	"net/http"
	"strings"

	"kith/server/core"
	"kith/store"
)

// apiFilterV1 is Mastodon's V1::Filter.
type apiFilterV1 struct {
	ID           string   `json:"id"`
	Phrase       string   `json:"phrase"`
	Context      []string `json:"context"`
	WholeWord    bool     `json:"whole_word"`
	ExpiresAt    *string  `json:"expires_at"`
	Irreversible bool     `json:"irreversible"`
}

func apiFilterOf(f store.Filter) apiFilter {
	out := apiFilter{ID: core.APIID(f.ID), Title: f.Title, Context: nonNilStrings(f.Context), ExpiresAt: core.APITimePtr(f.ExpiresAt),
		FilterAction: f.Action, Keywords: []apiFilterKeyword{}, Statuses: []apiFilterStatus{}}
	for _, k := range f.Keywords {
		out.Keywords = append(out.Keywords, apiFilterKeywordOf(k))
	}
	for _, st := range f.Statuses {
		out.Statuses = append(out.Statuses, apiFilterStatus{ID: core.APIID(st.ID), StatusID: core.APIID(st.PostID)})
	}
	return out
}

func apiFilterKeywordOf(k store.FilterKeyword) apiFilterKeyword {
	return apiFilterKeyword{ID: core.APIID(k.ID), Keyword: k.Keyword, WholeWord: k.WholeWord}
}

func apiFilterV1Of(f store.Filter, k store.FilterKeyword) apiFilterV1 {
	return apiFilterV1{ID: core.APIID(k.ID), Phrase: k.Keyword, Context: nonNilStrings(f.Context), WholeWord: k.WholeWord,
		ExpiresAt: core.APITimePtr(f.ExpiresAt), Irreversible: f.Action == "hide"}
}

// HandleFiltersV1 answers GET /api/v1/filters: every keyword of every
// filter, as a v1 filter.
func (s *API) HandleFiltersV1(w http.ResponseWriter, r *http.Request) error {
	fs, err := s.DB.Filters(r.Context())
	if err != nil {
		return err
	}
	out := []apiFilterV1{}
	for _, f := range fs {
		for _, k := range f.Keywords {
			out = append(out, apiFilterV1Of(f, k))
		}
	}
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}

// filterV1ByPath loads the keyword a v1 filter id names, with its filter.
func (s *API) filterV1ByPath(r *http.Request) (store.Filter, store.FilterKeyword, error) {
	k, err := s.keywordByPath(r)
	if err != nil {
		return store.Filter{}, k, err
	}
	f, err := s.DB.FilterByID(r.Context(), k.FilterID)
	return f, k, err
}

// HandleFilterV1 answers GET /api/v1/filters/{id}.
func (s *API) HandleFilterV1(w http.ResponseWriter, r *http.Request) error {
	f, k, err := s.filterV1ByPath(r)
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, apiFilterV1Of(f, k))
	return nil
}

// readFilterV1 reads a v1 filter's parameters into f and k: phrase,
// context[], irreversible (hide rather than warn), whole_word, expires_in.
func (s *API) readFilterV1(p core.APIParams, f store.Filter, k store.FilterKeyword) (store.Filter, store.FilterKeyword, error) {
	if p.Has("phrase") || k.ID == 0 {
		k.Keyword = strings.TrimSpace(p.String("phrase"))
	}
	k.WholeWord = p.Bool("whole_word", k.ID == 0 || k.WholeWord)
	// The same request, said the v2 way: a new filter is named after its
	// phrase; irreversible means hide.
	v2 := core.APIParams{Values: core.CloneValues(p.Values)}
	v2.Values.Del("title")
	v2.Values.Del("filter_action")
	if f.ID == 0 {
		v2.Values.Set("title", k.Keyword)
	}
	if p.Has("irreversible") || f.ID == 0 {
		v2.Values.Set("filter_action", "warn")
		if p.Bool("irreversible", false) {
			v2.Values.Set("filter_action", "hide")
		}
	}
	f, err := s.readFilter(v2, f)
	if err == nil && k.Keyword == "" {
		err = core.Refuse(http.StatusUnprocessableEntity, "Validation failed: Phrase can't be blank")
	}
	return f, k, err
}

// HandleCreateFilterV1 answers POST /api/v1/filters: a v2 filter named
// after its one keyword.
func (s *API) HandleCreateFilterV1(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	var f store.Filter
	var k store.FilterKeyword
	if err == nil {
		f, k, err = s.readFilterV1(p, f, k)
	}
	if err == nil {
		err = s.DB.InTx(r.Context(), func(tx *store.Tx) error {
			if f.ID, err = tx.CreateFilter(r.Context(), f); err != nil {
				return err
			}
			k.ID, err = tx.AddFilterKeyword(r.Context(), f.ID, k.Keyword, k.WholeWord)
			return err
		})
	}
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, apiFilterV1Of(f, k))
	return nil
}

// HandleUpdateFilterV1 answers PUT /api/v1/filters/{id}: the keyword and
// its filter's settings.
func (s *API) HandleUpdateFilterV1(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	var f store.Filter
	var k store.FilterKeyword
	if err == nil {
		f, k, err = s.filterV1ByPath(r)
	}
	if err == nil {
		f, k, err = s.readFilterV1(p, f, k)
	}
	if err == nil {
		err = s.DB.InTx(r.Context(), func(tx *store.Tx) error {
			if err := tx.UpdateFilter(r.Context(), f); err != nil {
				return err
			}
			return tx.UpdateFilterKeyword(r.Context(), k)
		})
	}
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, apiFilterV1Of(f, k))
	return nil
}

// HandleDeleteFilterV1 answers DELETE /api/v1/filters/{id}: the keyword,
// and its filter when nothing else is left in it.
func (s *API) HandleDeleteFilterV1(w http.ResponseWriter, r *http.Request) error {
	f, k, err := s.filterV1ByPath(r)
	if err == nil {
		err = s.DB.InTx(r.Context(), func(tx *store.Tx) error {
			if len(f.Keywords) == 1 && len(f.Statuses) == 0 {
				return tx.DeleteFilter(r.Context(), f.ID)
			}
			return tx.DeleteFilterKeyword(r.Context(), k.ID)
		})
	}
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, map[string]any{})
	return nil
}

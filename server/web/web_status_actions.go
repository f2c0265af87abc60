package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"kith/server/core"
	"kith/store"
)

// statusActionName is the action a button asked for: the last path
// segment, or the "action" field of a form shared by several buttons.
func statusActionName(r *http.Request) string {
	if a := core.PathParam(r, "action"); a != "" {
		return a
	}
	return r.PostFormValue("action")
}

// webStatusActions are what the buttons do, by the {action} of the URL.
func (s *Web) webStatusActions() map[string]func(ctx context.Context, r *http.Request, p store.Post) error {
	db := func(fn func(tx *store.Tx, ctx context.Context, id int64) error) func(context.Context, *http.Request, store.Post) error {
		return func(ctx context.Context, _ *http.Request, p store.Post) error {
			return s.DB.InTx(ctx, func(tx *store.Tx) error { return fn(tx, ctx, p.ID) })
		}
	}
	fed := func(fn func(ctx context.Context, id int64) error) func(context.Context, *http.Request, store.Post) error {
		return func(ctx context.Context, _ *http.Request, p store.Post) error { return fn(ctx, p.ID) }
	}
	return map[string]func(context.Context, *http.Request, store.Post) error{
		"boost":       fed(s.Fed.Boost),
		"unboost":     fed(s.Fed.Unboost),
		"favourite":   fed(s.Fed.Like),
		"unfavourite": fed(s.Fed.Unlike),
		"bookmark":    db((*store.Tx).PutBookmark),
		"unbookmark":  db((*store.Tx).DeleteBookmark),
		"pin":         fed(s.Fed.Pin),
		"unpin":       fed(s.Fed.Unpin),
		"delete": func(ctx context.Context, _ *http.Request, p store.Post) error {
			_, err := s.Fed.Delete(ctx, p.ID)
			return err
		},
		"vote": func(ctx context.Context, r *http.Request, p store.Post) error {
			var choices []int
			for _, v := range r.PostForm["choice"] {
				n, err := strconv.Atoi(v)
				if err != nil {
					return core.Refuse(http.StatusBadRequest, "That poll choice is not known.")
				}
				choices = append(choices, n)
			}
			return s.Fed.Vote(ctx, p.ID, choices)
		},
	}
}

// HandleWebStatusAction runs one button's action on the post named by
// {id} (a boost stands for the post it boosts) and goes back to the page
// the button was on, at the button's post or boost, or to the post's
// thread.
func (s *Web) HandleWebStatusAction(w http.ResponseWriter, r *http.Request) error {
	if err := core.CheckCSRF(r); err != nil {
		return err
	}
	action := statusActionName(r)
	act, ok := s.webStatusActions()[action]
	if !ok {
		return store.ErrNotFound
	}
	p, err := s.ownerPost(r.Context(), core.PathParam(r, "id"))
	// Back to the article whose button was pressed: a boost's own.
	anchor := postAnchor(p.ID)
	if err == nil && p.ReblogOfID != 0 {
		p, err = s.ownerPost(r.Context(), strconv.FormatInt(p.ReblogOfID, 10))
	}
	if err != nil {
		return err
	}
	if err := act(r.Context(), r, p); err != nil {
		return err
	}
	back := threadPath(p.ID)
	if to, ok := LocalTarget(r.PostFormValue("return_to")); ok {
		back = to
	}
	permalink := "/@" + s.Fed.URLs().Username() + "/" + strconv.FormatInt(p.ID, 10)
	if action == "delete" && (pathOnly(back) == threadPath(p.ID) || pathOnly(back) == permalink) {
		back = "/home" // the post's own pages are gone with it
	} else if !strings.Contains(back, "#") {
		back += anchor
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// pathOnly is a local URL without its query and fragment.
func pathOnly(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		return u[:i]
	}
	return u
}

// postAnchor is the fragment that points at a post on a page.
func postAnchor(id int64) string { return "#status-" + strconv.FormatInt(id, 10) }

package api

import (
	"context"
	"net/http"

	"kith/server/core"
	"kith/store"
)

// apiConversation is Mastodon's Conversation entity.
type apiConversation struct {
	ID         string       `json:"id"`
	Unread     bool         `json:"unread"`
	Accounts   []apiAccount `json:"accounts"`
	LastStatus *APIStatus   `json:"last_status"`
}

// renderConversations renders conversations: the posts and accounts of
// the whole page in one batch each.
func (s *API) renderConversations(ctx context.Context, convs []store.Conversation) ([]apiConversation, error) {
	posts := make([]store.Post, len(convs))
	var actors []store.Actor
	for i, c := range convs {
		posts[i] = c.LastPost
		actors = append(actors, c.Participants...)
	}
	statuses, err := s.renderStatuses(ctx, posts)
	if err != nil {
		return nil, err
	}
	byPost := make(map[string]*APIStatus, len(statuses))
	for i := range statuses {
		byPost[statuses[i].ID] = &statuses[i]
	}
	accounts, err := s.renderAccounts(ctx, actors)
	if err != nil {
		return nil, err
	}
	out := make([]apiConversation, len(convs))
	for i, c := range convs {
		out[i] = apiConversation{ID: core.APIID(c.ID), Unread: c.Unread, Accounts: accounts[:len(c.Participants):len(c.Participants)],
			LastStatus: byPost[core.APIID(c.LastPost.ID)]}
		accounts = accounts[len(c.Participants):]
	}
	return out, nil
}

// renderConversation renders one conversation.
func (s *API) renderConversation(ctx context.Context, c store.Conversation) (apiConversation, error) {
	list, err := s.renderConversations(ctx, []store.Conversation{c})
	if err != nil {
		return apiConversation{}, err
	}
	return list[0], nil
}

// HandleConversations answers GET /api/v1/conversations, the
// conversation with the newest post first.
//
// Note: Mastodon pages conversations by their last status: the Link
// header's max_id and min_id are status ids, the entities' ids the
// conversations'.
func (s *API) HandleConversations(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	if err != nil {
		return err
	}
	pg := p.Page(store.DefaultLimit, store.MaxLimit)
	convs, err := s.DB.ConversationsPage(r.Context(), pg)
	if err != nil {
		return err
	}
	out, err := s.renderConversations(r.Context(), convs)
	if err != nil {
		return err
	}
	if n := len(convs); n > 0 {
		s.SetLinkHeader(w, r, convs[0].LastPost.ID, convs[n-1].LastPost.ID, n, pg.Limit)
	}
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}

// HandleReadConversation answers POST /api/v1/conversations/{id}/read
// with the conversation, now read.
func (s *API) HandleReadConversation(w http.ResponseWriter, r *http.Request) error {
	id, err := core.PathID(r, "id")
	if err == nil {
		err = s.DB.InTx(r.Context(), func(tx *store.Tx) error { return tx.MarkConversationRead(r.Context(), id) })
	}
	var c store.Conversation
	if err == nil {
		c, err = s.DB.ConversationByID(r.Context(), id)
	}
	var out apiConversation
	if err == nil {
		out, err = s.renderConversation(r.Context(), c)
	}
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}

// HandleDeleteConversation answers DELETE /api/v1/conversations/{id}: the
// conversation leaves the list until a new post arrives in it.
func (s *API) HandleDeleteConversation(w http.ResponseWriter, r *http.Request) error {
	id, err := core.PathID(r, "id")
	if err == nil {
		err = s.DB.InTx(r.Context(), func(tx *store.Tx) error { return tx.HideConversation(r.Context(), id) })
	}
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, map[string]any{})
	return nil
}

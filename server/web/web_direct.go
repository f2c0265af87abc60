package web

import (
	"net/http"

	"kith/server/core"
	"kith/store"
)

// DirectPage is the owner's list of conversations in direct posts.
type DirectPage struct {
	Site          core.Site
	Conversations []ConversationView
	Pagination    core.Pagination
}

// ConversationView is one conversation: who is in it besides the owner,
// its newest post, and whether that is unread.
type ConversationView struct {
	ID           int64
	Unread       bool
	Participants []AccountView
	Last         StatusView
}

// HandleDirect shows GET /direct: the conversation with the newest post
// first, paged by that post as the API pages them.
func (s *Web) HandleDirect(w http.ResponseWriter, r *http.Request) error {
	pg := pageParams(r)
	convs, err := s.DB.ConversationsPage(r.Context(), pg)
	if err != nil {
		return err
	}
	posts := make([]store.Post, len(convs))
	cursors := make([]int64, len(convs))
	for i, c := range convs {
		posts[i], cursors[i] = c.LastPost, c.LastPost.ID
	}
	statuses, err := s.statusViewsFor(r, posts)
	if err != nil {
		return err
	}
	byID := make(map[int64]StatusView, len(statuses))
	for _, st := range statuses {
		byID[st.ID] = st
	}
	v := DirectPage{Site: s.Site(r), Pagination: pageLinks(r, pg, cursors)}
	for _, c := range convs {
		cv := ConversationView{ID: c.ID, Unread: c.Unread, Last: byID[c.LastPost.ID]}
		for _, a := range c.Participants {
			cv.Participants = append(cv.Participants, s.accountViewOf(r.Context(), a))
		}
		v.Conversations = append(v.Conversations, cv)
	}
	s.Render(w, r, http.StatusOK, "direct", v)
	return nil
}

// HandleOpenConversation answers GET /direct/{id}: the conversation is
// read now, and its thread is shown from its newest post.
func (s *Web) HandleOpenConversation(w http.ResponseWriter, r *http.Request) error {
	id, err := core.PathID(r, "id")
	var c store.Conversation
	if err == nil {
		c, err = s.DB.ConversationByID(r.Context(), id)
	}
	if err == nil && c.Unread {
		err = s.DB.InTx(r.Context(), func(tx *store.Tx) error { return tx.MarkConversationRead(r.Context(), id) })
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, threadPath(c.LastPost.ID), http.StatusSeeOther)
	return nil
}

package web

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"kith/server/core"
	"kith/store"
)

// notificationTypes are the kinds of notification, with the tab that
// shows each and what the line under the account says.
var notificationTypes = []struct{ Type, Tab, Says string }{
	{"mention", "Mentions", "mentioned you"},
	{"follow", "Follows", "followed you"},
	{"follow_request", "Follow requests", "asked to follow you"},
	{"reblog", "Boosts", "boosted your post"},
	{"favourite", "Favourites", "favourited your post"},
	{"poll", "Polls", "A poll has ended"},
	{"update", "Edits", "edited a post you boosted"},
	{"move", "Moves", "moved to another account"},
	{"quote", "Quotes", "quoted your post"},
	{"quoted_update", "Quoted edits", "edited a post you quoted"},
}

type NotificationView struct {
	ID        int64
	Type      string
	Says      string
	CreatedAt time.Time
	Account   AccountView
	Status    *StatusView // nil when the notification has no post
	// Reaction is the emoji of a favourite that is an emoji reaction
	// (Misskey, Akkoma), a custom one as its image; empty otherwise.
	Reaction template.HTML
}

type notificationTab struct {
	Label   string
	URL     string
	Current bool
}

type NotificationsPage struct {
	Site          core.Site
	Tabs          []notificationTab
	Notifications []NotificationView
	Pagination    core.Pagination
}

// HandleWebNotifications shows a page of notifications.
func (s *Web) HandleWebNotifications(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	types := r.URL.Query()["type"]
	for _, t := range types {
		if !slices.ContainsFunc(notificationTypes, func(n struct{ Type, Tab, Says string }) bool { return n.Type == t }) {
			return core.Refuse(http.StatusBadRequest, "There is no kind of notification called "+t+".")
		}
	}
	pg := pageParams(r)
	list, err := s.DB.NotificationsPage(ctx, pg, store.NotificationFilter{Types: types})
	if err != nil {
		return err
	}
	view := NotificationsPage{Tabs: NotificationTabs(types)}
	if view.Notifications, err = s.notificationViews(r, list); err != nil {
		return err
	}
	ids := make([]int64, len(list))
	for i, n := range list {
		ids[i] = n.ID
	}
	view.Pagination = pageLinks(r, pg, ids)
	if pg.MaxID == 0 && pg.MinID == 0 && len(list) > 0 {
		if err := s.markNotificationsRead(ctx, list[0].ID); err != nil {
			return err
		}
	}
	view.Site = s.Site(r) // after marking, so the unread count is current
	s.Render(w, r, http.StatusOK, "notifications", view)
	return nil
}

// NotificationTabs are the notifications page's filters, the current one
// (types) marked.
func NotificationTabs(types []string) []notificationTab {
	tabs := []notificationTab{{Label: "All", URL: "/notifications", Current: len(types) == 0}}
	for _, n := range notificationTypes {
		tabs = append(tabs, notificationTab{Label: n.Tab, URL: "/notifications?type=" + n.Type,
			Current: len(types) == 1 && types[0] == n.Type})
	}
	return tabs
}

// notificationViews builds the views of notifications with their
// accounts and posts, a query per distinct account and one for the posts.
func (s *Web) notificationViews(r *http.Request, list []store.Notification) ([]NotificationView, error) {
	ctx := r.Context()
	var postIDs []int64
	for _, n := range list {
		if n.PostID != 0 && !slices.Contains(postIDs, n.PostID) {
			postIDs = append(postIDs, n.PostID)
		}
	}
	posts, err := s.DB.PostsByIDs(ctx, postIDs)
	if err != nil {
		return nil, err
	}
	statuses, err := s.statusViewsFor(r, posts)
	if err != nil {
		return nil, err
	}
	byPost := map[int64]*StatusView{}
	for i := range statuses {
		byPost[statuses[i].ID] = &statuses[i]
	}
	accounts := map[int64]AccountView{}
	seen := map[string]bool{}
	out := make([]NotificationView, 0, len(list))
	for _, n := range list {
		a, err := s.notificationAccount(ctx, accounts, n.ActorID)
		if err != nil {
			return nil, err
		}
		v := NotificationView{ID: n.ID, Type: n.Type, CreatedAt: n.CreatedAt, Account: a}
		if st := byPost[n.PostID]; st != nil {
			shown := *st
			repeatedDOMID(seen, &shown, "n"+strconv.FormatInt(n.ID, 10))
			v.Status = &shown
		}
		for _, t := range notificationTypes {
			if t.Type == n.Type {
				v.Says = t.Says
			}
		}
		if n.Type == "favourite" {
			if err := s.addReaction(ctx, &v, n); err != nil {
				return nil, err
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// addReaction shows the emoji a favourite notification's reaction used,
// if it was one.
func (s *Web) addReaction(ctx context.Context, v *NotificationView, n store.Notification) error {
	r, err := s.DB.ReactionOf(ctx, n.ActorID, n.PostID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	var set core.EmojiSet
	if code := strings.Trim(r.Emoji, ":"); r.EmojiURL != "" && ":"+code+":" == r.Emoji {
		set = s.EmojiSet([]store.Emoji{{Shortcode: code, URL: r.EmojiURL}})
	}
	v.Says, v.Reaction = "reacted to your post with", core.EmojiText(r.Emoji, set)
	return nil
}

func (s *Web) notificationAccount(ctx context.Context, seen map[int64]AccountView, id int64) (AccountView, error) {
	if a, ok := seen[id]; ok {
		return a, nil
	}
	actor, err := s.DB.ActorByID(ctx, id)
	if err != nil {
		return AccountView{}, err
	}
	seen[id] = s.accountViewOf(ctx, actor)
	return seen[id], nil
}

// markNotificationsRead moves the notifications marker, shared with the
// owner's apps, forward to newest.
func (s *Web) markNotificationsRead(ctx context.Context, newest int64) error {
	m, err := s.DB.Markers(ctx, "notifications")
	if err != nil {
		return err
	}
	if m["notifications"].LastReadID >= newest {
		return nil
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.SetMarker(ctx, "notifications", newest)
		return err
	})
}

package api

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"kith/server/core"
	"kith/store"
)

// Note: kith stores Mastodon's type names; "move" (someone the owner
// follows moved) is Akkoma's and Pleroma's name and not one Mastodon
// sends, so it is only listed for apps that ask for it in types[].
const moveNotification = "move"

// unreadCountMax caps unread_count, as Mastodon does (its default limit
// is 100, at most 1000).
const unreadCountMax = 1000

// statusNotifications are the types that carry a status.
var statusNotifications = []string{"mention", "status", "reblog", "favourite", "poll", "update", "quote", "quoted_update"}

// notificationFilter reads types[], exclude_types[] and account_id.
func notificationFilter(p core.APIParams) store.NotificationFilter {
	f := store.NotificationFilter{Types: p.List("types"), ExcludeTypes: p.List("exclude_types"), AccountID: p.Int("account_id", 0)}
	if !slices.Contains(f.Types, moveNotification) {
		f.ExcludeTypes = append(f.ExcludeTypes, moveNotification)
	}
	return f
}

// renderedNotifications are notifications with the accounts and statuses
// they name, each rendered once.
type renderedNotifications struct {
	list     []store.Notification
	accounts map[int64]apiAccount
	statuses map[int64]APIStatus
	order    []int64 // account ids in first-seen order
}

// renderNotifications renders the accounts and statuses of notifications
// in two batches; notifications whose status is gone are dropped.
func (s *API) renderNotifications(ctx context.Context, list []store.Notification) (renderedNotifications, error) {
	out := renderedNotifications{accounts: map[int64]apiAccount{}, statuses: map[int64]APIStatus{}}
	var actorIDs, postIDs []int64
	for _, n := range list {
		if !slices.Contains(actorIDs, n.ActorID) {
			actorIDs = append(actorIDs, n.ActorID)
		}
		if n.PostID != 0 && !slices.Contains(postIDs, n.PostID) {
			postIDs = append(postIDs, n.PostID)
		}
	}
	actors, err := s.DB.ActorsByIDs(ctx, actorIDs)
	if err != nil {
		return out, err
	}
	accounts, err := s.renderAccounts(ctx, actors)
	if err != nil {
		return out, err
	}
	for i, a := range actors {
		out.accounts[a.ID] = accounts[i]
		out.order = append(out.order, a.ID)
	}
	posts, err := s.DB.PostsByIDs(ctx, postIDs)
	if err != nil {
		return out, err
	}
	statuses, err := s.renderStatuses(ctx, posts)
	if err != nil {
		return out, err
	}
	for _, st := range statuses {
		id, _ := strconv.ParseInt(st.ID, 10, 64)
		out.statuses[id] = st
	}
	for _, n := range list {
		if _, ok := out.accounts[n.ActorID]; !ok {
			continue
		}
		if _, ok := out.statuses[n.PostID]; n.PostID != 0 && !ok && slices.Contains(statusNotifications, n.Type) {
			continue
		}
		out.list = append(out.list, n)
	}
	return out, nil
}

func (rn renderedNotifications) notification(n store.Notification) APINotification {
	out := APINotification{ID: core.APIID(n.ID), Type: n.Type, CreatedAt: core.APITime(n.CreatedAt), GroupKey: groupKey(n.ID),
		Account: rn.accounts[n.ActorID]}
	if st, ok := rn.statuses[n.PostID]; ok {
		out.Status = &st
	}
	return out
}

func groupKey(id int64) string { return "ungrouped-" + core.APIID(id) }

// notificationsPage reads one page of notifications with the request's
// filters, and sets the Link header from the ids the store paged by.
func (s *API) notificationsPage(w http.ResponseWriter, r *http.Request) (renderedNotifications, bool) {
	p, err := core.Params(r)
	if err != nil {
		s.APIFail(w, r, err)
		return renderedNotifications{}, false
	}
	pg := p.Page(store.DefaultLimit, store.MaxLimit*2)
	list, err := s.DB.NotificationsPage(r.Context(), pg, notificationFilter(p))
	if err != nil {
		s.APIFail(w, r, err)
		return renderedNotifications{}, false
	}
	rn, err := s.renderNotifications(r.Context(), list)
	if err != nil {
		s.APIFail(w, r, err)
		return renderedNotifications{}, false
	}
	if len(list) > 0 {
		s.SetLinkHeader(w, r, list[0].ID, list[len(list)-1].ID, len(list), min(pg.Limit, store.MaxLimit))
	}
	return rn, true
}

// HandleNotifications answers GET /api/v1/notifications.
func (s *API) HandleNotifications(w http.ResponseWriter, r *http.Request) {
	rn, ok := s.notificationsPage(w, r)
	if !ok {
		return
	}
	out := make([]APINotification, 0, len(rn.list))
	for _, n := range rn.list {
		out = append(out, rn.notification(n))
	}
	core.WriteAPI(w, http.StatusOK, out)
}

// notificationByPath loads the notification named by {id}, which may be
// a v2 group key ("ungrouped-<id>").
func (s *API) notificationByPath(r *http.Request, param string) (store.Notification, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(core.PathParam(r, param), "ungrouped-"), 10, 64)
	if err != nil || id <= 0 {
		return store.Notification{}, store.ErrNotFound
	}
	return s.DB.NotificationByID(r.Context(), id)
}

// HandleNotification answers GET /api/v1/notifications/{id}.
func (s *API) HandleNotification(w http.ResponseWriter, r *http.Request) error {
	n, err := s.notificationByPath(r, "id")
	var rn renderedNotifications
	if err == nil {
		rn, err = s.renderNotifications(r.Context(), []store.Notification{n})
	}
	if err == nil && len(rn.list) == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, rn.notification(n))
	return nil
}

// HandleDismissNotification answers POST /api/v1/notifications/{id}/dismiss
// and POST /api/v2/notifications/{group_key}/dismiss.
func (s *API) HandleDismissNotification(w http.ResponseWriter, r *http.Request) error {
	n, err := s.notificationByPath(r, "id")
	if err == nil {
		err = s.DB.InTx(r.Context(), func(tx *store.Tx) error { return tx.DismissNotification(r.Context(), n.ID) })
	}
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, map[string]any{})
	return nil
}

// HandleClearNotifications answers POST /api/v1/notifications/clear.
func (s *API) HandleClearNotifications(w http.ResponseWriter, r *http.Request) error {
	if err := s.DB.InTx(r.Context(), func(tx *store.Tx) error { return tx.ClearNotifications(r.Context()) }); err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, map[string]any{})
	return nil
}

// HandleUnreadCount answers GET /api/v1/notifications/unread_count (and
// the v2 one, which counts groups: here the same number).
func (s *API) HandleUnreadCount(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	if err != nil {
		return err
	}
	limit := int(p.Int("limit", 100))
	if limit <= 0 || limit > unreadCountMax {
		limit = unreadCountMax
	}
	n, err := s.DB.UnreadNotifications(r.Context(), limit)
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, map[string]int{"count": n})
	return nil
}

// apiNotificationPolicy is Mastodon's v2 NotificationPolicy.
type apiNotificationPolicy struct {
	ForNotFollowing    string         `json:"for_not_following"`
	ForNotFollowers    string         `json:"for_not_followers"`
	ForNewAccounts     string         `json:"for_new_accounts"`
	ForPrivateMentions string         `json:"for_private_mentions"`
	ForLimitedAccounts string         `json:"for_limited_accounts"`
	Summary            map[string]int `json:"summary"`
}

var policyKeys = []string{"for_not_following", "for_not_followers", "for_new_accounts", "for_private_mentions", "for_limited_accounts"}

// HandleNotificationPolicy answers GET and PATCH
// /api/v2/notifications/policy. Setting a key to "accept" is accepted;
// "filter" and "drop" are refused, since kith would not honour them.
func (s *API) HandleNotificationPolicy(w http.ResponseWriter, r *http.Request) error {
	if r.Method == http.MethodPatch || r.Method == http.MethodPut {
		p, err := core.Params(r)
		if err != nil {
			return err
		}
		for _, k := range policyKeys {
			if v := p.String(k); p.Has(k) && v != "accept" {
				core.APIError(w, http.StatusUnprocessableEntity, "Validation failed: kith does not filter notifications, so "+k+" can only be accept")
				return nil
			}
		}
	}
	core.WriteAPI(w, http.StatusOK, apiNotificationPolicy{
		ForNotFollowing: "accept", ForNotFollowers: "accept", ForNewAccounts: "accept", ForPrivateMentions: "accept",
		ForLimitedAccounts: "accept", Summary: map[string]int{"pending_requests_count": 0, "pending_notifications_count": 0},
	})
	return nil
}

// apiNotificationGroup is Mastodon's NotificationGroup.
type apiNotificationGroup struct {
	GroupKey                 string   `json:"group_key"`
	NotificationsCount       int      `json:"notifications_count"`
	Type                     string   `json:"type"`
	MostRecentNotificationID string   `json:"most_recent_notification_id"`
	PageMinID                string   `json:"page_min_id"`
	PageMaxID                string   `json:"page_max_id"`
	LatestPageNotificationAt string   `json:"latest_page_notification_at"`
	SampleAccountIDs         []string `json:"sample_account_ids"`
	StatusID                 *string  `json:"status_id,omitempty"`
}

// apiGroupedNotifications is Mastodon's GroupedNotificationsResults.
type apiGroupedNotifications struct {
	Accounts           []apiAccount           `json:"accounts"`
	Statuses           []APIStatus            `json:"statuses"`
	NotificationGroups []apiNotificationGroup `json:"notification_groups"`
}

func (rn renderedNotifications) grouped() apiGroupedNotifications {
	out := apiGroupedNotifications{Accounts: []apiAccount{}, Statuses: []APIStatus{}, NotificationGroups: []apiNotificationGroup{}}
	seenA, seenS := map[int64]bool{}, map[int64]bool{}
	for _, n := range rn.list {
		id := core.APIID(n.ID)
		g := apiNotificationGroup{GroupKey: groupKey(n.ID), NotificationsCount: 1, Type: n.Type, MostRecentNotificationID: id,
			PageMinID: id, PageMaxID: id, LatestPageNotificationAt: core.APITime(n.CreatedAt), SampleAccountIDs: []string{core.APIID(n.ActorID)}}
		if !seenA[n.ActorID] {
			seenA[n.ActorID] = true
			out.Accounts = append(out.Accounts, rn.accounts[n.ActorID])
		}
		if st, ok := rn.statuses[n.PostID]; ok {
			g.StatusID = &st.ID
			if !seenS[n.PostID] {
				seenS[n.PostID] = true
				out.Statuses = append(out.Statuses, st)
			}
		}
		out.NotificationGroups = append(out.NotificationGroups, g)
	}
	return out
}

// HandleGroupedNotifications answers GET /api/v2/notifications.
func (s *API) HandleGroupedNotifications(w http.ResponseWriter, r *http.Request) {
	rn, ok := s.notificationsPage(w, r)
	if !ok {
		return
	}
	core.WriteAPI(w, http.StatusOK, rn.grouped())
}

// HandleNotificationGroup answers GET /api/v2/notifications/{group_key}.
func (s *API) HandleNotificationGroup(w http.ResponseWriter, r *http.Request) error {
	n, err := s.notificationByPath(r, "id")
	var rn renderedNotifications
	if err == nil {
		rn, err = s.renderNotifications(r.Context(), []store.Notification{n})
	}
	if err == nil && len(rn.list) == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, rn.grouped())
	return nil
}

// HandleNotificationGroupAccounts answers GET
// /api/v2/notifications/{group_key}/accounts: a group's one account.
func (s *API) HandleNotificationGroupAccounts(w http.ResponseWriter, r *http.Request) error {
	n, err := s.notificationByPath(r, "id")
	var rn renderedNotifications
	if err == nil {
		rn, err = s.renderNotifications(r.Context(), []store.Notification{n})
	}
	if err != nil {
		return err
	}
	out := []apiAccount{}
	if a, ok := rn.accounts[n.ActorID]; ok {
		out = append(out, a)
	}
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}

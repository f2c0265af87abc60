package store

import (
	"slices"
	"testing"
	"time"
)

func notificationIDs(ns []Notification) []int64 {
	out := make([]int64, len(ns))
	for i, n := range ns {
		out[i] = n.ID
	}
	return out
}

func TestNotificationsPageAndMarkers(t *testing.T) {
	f := newFixture(t)
	bob := f.actor("bob", "a.example")
	dave := f.actor("dave", "a.example")
	muted := f.actor("mo", "a.example")
	quiet := f.actor("quiet", "a.example") // muted, notifications kept
	mine := f.post(f.localID, Post{Conversation: "conv"})
	other := f.post(f.localID, Post{})
	f.tx(func(tx *Tx) error {
		for _, n := range []struct {
			typ   string
			actor int64
			post  int64
		}{
			{"follow", bob, 0}, {"favourite", bob, mine}, {"mention", dave, other},
			{"favourite", dave, other}, {"follow", muted, 0}, {"follow", quiet, 0}, {"reblog", dave, mine},
		} {
			if _, err := tx.Notify(f.ctx, n.typ, n.actor, n.post); err != nil {
				return err
			}
		}
		if err := tx.PutMute(f.ctx, muted, true, time.Time{}); err != nil {
			return err
		}
		return tx.PutMute(f.ctx, quiet, false, time.Time{})
	})
	// ids: 1 follow bob, 2 fav bob, 3 mention dave, 4 fav dave, 5 follow muted (hidden), 6 follow quiet, 7 reblog dave
	tests := []struct {
		name   string
		page   Page
		filter NotificationFilter
		want   []int64
	}{
		{"all shown", Page{}, NotificationFilter{}, []int64{7, 6, 4, 3, 2, 1}},
		{"types", Page{}, NotificationFilter{Types: []string{"favourite", "follow"}}, []int64{6, 4, 2, 1}},
		{"exclude types", Page{}, NotificationFilter{ExcludeTypes: []string{"favourite"}}, []int64{7, 6, 3, 1}},
		{"account", Page{}, NotificationFilter{AccountID: dave}, []int64{7, 4, 3}},
		{"max_id", Page{MaxID: 4, Limit: 2}, NotificationFilter{}, []int64{3, 2}},
		{"min_id", Page{MinID: 1, Limit: 2}, NotificationFilter{}, []int64{3, 2}},
	}
	for _, tt := range tests {
		got, err := f.db.NotificationsPage(f.ctx, tt.page, tt.filter)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(notificationIDs(got), tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, notificationIDs(got), tt.want)
		}
	}
	f.tx(func(tx *Tx) error { return tx.MuteConversation(f.ctx, mine) })
	got, _ := f.db.NotificationsPage(f.ctx, Page{}, NotificationFilter{})
	if want := []int64{6, 4, 3, 1}; !slices.Equal(notificationIDs(got), want) {
		t.Errorf("after muting a conversation: got %v, want %v", notificationIDs(got), want)
	}

	if n, err := f.db.UnreadNotifications(f.ctx, 100); err != nil || n != 4 {
		t.Errorf("unread without a marker: got %d, %v; want 4", n, err)
	}
	var m Marker
	f.tx(func(tx *Tx) (err error) {
		if _, err = tx.SetMarker(f.ctx, "notifications", 3); err != nil {
			return err
		}
		m, err = tx.SetMarker(f.ctx, "notifications", 4)
		return err
	})
	if m.Version != 2 || m.LastReadID != 4 {
		t.Errorf("marker: got %+v, want version 2 at 4", m)
	}
	if n, _ := f.db.UnreadNotifications(f.ctx, 100); n != 1 {
		t.Errorf("unread after marker: got %d, want 1", n)
	}
	if n, _ := f.db.UnreadNotifications(f.ctx, 0); n != 0 {
		t.Errorf("unread capped at 0: got %d", n)
	}
	markers, err := f.db.Markers(f.ctx, "home", "notifications")
	if err != nil || len(markers) != 1 || markers["notifications"].Version != 2 {
		t.Errorf("markers: got %+v, %v", markers, err)
	}
	if _, err := f.db.NotificationByID(f.ctx, 3); err != nil {
		t.Errorf("NotificationByID: %v", err)
	}
	f.tx(func(tx *Tx) error { return tx.DismissNotification(f.ctx, 3) })
	if _, err := f.db.NotificationByID(f.ctx, 3); !isNotFound(err) {
		t.Errorf("dismissed notification: got %v, want ErrNotFound", err)
	}
	if err := f.db.InTx(f.ctx, func(tx *Tx) error { return tx.DismissNotification(f.ctx, 3) }); !isNotFound(err) {
		t.Errorf("dismiss twice: got %v, want ErrNotFound", err)
	}
	f.tx(func(tx *Tx) error { return tx.ClearNotifications(f.ctx) })
	if got, _ := f.db.NotificationsPage(f.ctx, Page{}, NotificationFilter{}); len(got) != 0 {
		t.Errorf("after clear: got %v", notificationIDs(got))
	}
}

func TestNotifyReturnsID(t *testing.T) {
	f := newFixture(t)
	bob := f.actor("bob", "a.example")
	mine := f.post(f.localID, Post{})
	notify := func(typ string, post int64) int64 {
		t.Helper()
		var id int64
		f.tx(func(tx *Tx) error {
			var err error
			id, err = tx.Notify(f.ctx, typ, bob, post)
			return err
		})
		return id
	}
	follow, like := notify("follow", 0), notify("favourite", mine)
	if follow == 0 || like == 0 || follow == like {
		t.Fatalf("new notifications: got ids %d and %d, want two ids", follow, like)
	}
	if got := notify("favourite", mine); got != like {
		t.Errorf("the same notification again: got id %d, want %d", got, like)
	}
	if got := notify("follow", 0); got != follow {
		t.Errorf("the same follow again: got id %d, want %d", got, follow)
	}
	n, err := f.db.NotificationByID(f.ctx, like)
	if err != nil || n.Type != "favourite" || n.PostID != mine {
		t.Errorf("NotificationByID(%d): got %+v, %v", like, n, err)
	}
}

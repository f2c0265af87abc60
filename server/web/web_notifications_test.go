package web_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"kith/federation"
	"kith/store"
)

func TestWebNotificationsFilterAndMarkRead(t *testing.T) {
	o := newWebOwner(t)
	ctx := context.Background()
	mine := o.ownPost(t, federation.NewPost{Text: "my post"})
	mention := o.remotePost(t, "hello @admin")
	err := o.DB.InTx(ctx, func(tx *store.Tx) error {
		for _, n := range []struct {
			typ  string
			post int64
		}{{"follow", 0}, {"favourite", mine.ID}, {"mention", mention.ID}} {
			if _, err := tx.Notify(ctx, n.typ, mention.AuthorID, n.post); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := o.DB.UnreadNotifications(ctx, 40); n != 3 {
		t.Fatalf("%d unread before, want 3", n)
	}
	tests := []struct {
		query  string
		status int
		want   []string
		absent []string
	}{
		{"", http.StatusOK, []string{"notification-follow", "notification-favourite", "notification-mention", "my post", "hello @admin"}, nil},
		{"?type=follow", http.StatusOK, []string{"notification-follow", "followed you"}, []string{"notification-favourite", "notification-mention"}},
		{"?type=mention&type=favourite", http.StatusOK, []string{"notification-favourite", "notification-mention"}, []string{"notification-follow"}},
		{"?type=reblog", http.StatusOK, []string{`class="empty"`}, []string{`<li class="notification `}},
		{"?type=bogus", http.StatusBadRequest, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			resp, page := o.get(t, "/notifications"+tt.query)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			for _, w := range tt.want {
				if !strings.Contains(page, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(page, a) {
					t.Errorf("page has %q", a)
				}
			}
		})
	}
	if n, _ := o.DB.UnreadNotifications(ctx, 40); n != 0 {
		t.Errorf("%d unread after opening the page, want 0", n)
	}
}

func TestWebThreadShowsAncestorsAndReplies(t *testing.T) {
	o := newWebOwner(t)
	root := o.ownPost(t, federation.NewPost{Text: "the root"})
	reply := o.ownPost(t, federation.NewPost{Text: "the reply", InReplyTo: root.URI})
	o.ownPost(t, federation.NewPost{Text: "the second reply", InReplyTo: reply.URI, Visibility: store.Private})
	resp, page := o.get(t, "/thread/"+strconv.FormatInt(reply.ID, 10))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	root0, focus, desc := strings.Index(page, "the root"), strings.Index(page, "the reply"), strings.Index(page, "the second reply")
	if root0 < 0 || focus < root0 || desc < focus {
		t.Errorf("thread order: root at %d, focus at %d, reply at %d; want them in that order", root0, focus, desc)
	}
	for _, class := range []string{`class="status ancestor"`, `class="status focus"`, `class="status descendant"`, `<section class="thread">`} {
		if !strings.Contains(page, class) {
			t.Errorf("thread lacks %s", class)
		}
	}
	// A remote post's thread opens too (its server cannot be reached here).
	remote := o.remotePost(t, "remote root")
	if resp, page := o.get(t, "/thread/"+strconv.FormatInt(remote.ID, 10)); resp.StatusCode != http.StatusOK || !strings.Contains(page, "remote root") {
		t.Errorf("remote thread: status %d, want 200 with the post", resp.StatusCode)
	}
	if resp, _ := o.get(t, "/thread/999"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown thread: status %d, want 404", resp.StatusCode)
	}
}

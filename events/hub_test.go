package events

import (
	"testing"
	"time"
)

func receive(t *testing.T, s *Subscription) Event {
	t.Helper()
	select {
	case e := <-s.Events():
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
		return Event{}
	}
}

func none(t *testing.T, s *Subscription) {
	t.Helper()
	select {
	case e := <-s.Events():
		t.Fatalf("unexpected event %+v", e)
	default:
	}
}

func TestPublishRoutesByStream(t *testing.T) {
	h := NewHub(4)
	user, err := h.Subscribe(Filter{Stream: User})
	if err != nil {
		t.Fatal(err)
	}
	tag, _ := h.Subscribe(Filter{Stream: Hashtag, Tag: "go"})
	h.Publish(Event{Stream: User, Kind: Update, PostID: 1})
	h.Publish(Event{Stream: Hashtag, Tag: "rust", Kind: Update, PostID: 2})
	h.Publish(Event{Stream: Hashtag, Tag: "go", Kind: Update, PostID: 3})
	if got := receive(t, user); got.PostID != 1 || got.Stream != User {
		t.Errorf("user got %+v, want post 1 on user", got)
	}
	none(t, user)
	if got := receive(t, tag); got.PostID != 3 || got.Tag != "go" {
		t.Errorf("tag got %+v, want post 3 on #go", got)
	}
	none(t, tag)
}

func TestBroadcastReachesEveryStream(t *testing.T) {
	h := NewHub(4)
	s, _ := h.Subscribe(Filter{Stream: User}, Filter{Stream: List, ListID: 7})
	h.Publish(Event{Kind: Delete, PostID: 9})
	got := map[Filter]bool{}
	for range 2 {
		e := receive(t, s)
		if e.Kind != Delete || e.PostID != 9 {
			t.Errorf("got %+v, want delete of 9", e)
		}
		got[e.Filter()] = true
	}
	if !got[Filter{Stream: User}] || !got[Filter{Stream: List, ListID: 7}] {
		t.Errorf("broadcast reached %v, want both streams", got)
	}
}

func TestAddRemoveCancel(t *testing.T) {
	h := NewHub(4)
	s, _ := h.Subscribe()
	if h.Listening(Filter{Stream: Public}) {
		t.Error("listening before Add")
	}
	s.Add(Filter{Stream: Public})
	if !h.Listening(Filter{Stream: Public}) {
		t.Error("not listening after Add")
	}
	h.Publish(Event{Stream: Public, Kind: Update, PostID: 1})
	receive(t, s)
	s.Remove(Filter{Stream: Public})
	h.Publish(Event{Stream: Public, Kind: Update, PostID: 2})
	none(t, s)
	s.Cancel()
	s.Cancel()
	if !h.Idle() {
		t.Error("hub not idle after Cancel")
	}
}

func TestSlowSubscriberDropsWithoutBlocking(t *testing.T) {
	h := NewHub(2)
	s, _ := h.Subscribe(Filter{Stream: User})
	done := make(chan struct{})
	go func() {
		for i := range 10 {
			h.Publish(Event{Stream: User, Kind: Update, PostID: int64(i)})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Publish blocked on a full subscriber")
	}
	st := h.Stats()
	if st.Sent != 2 || st.Dropped != 8 {
		t.Errorf("stats %+v, want 2 sent and 8 dropped", st)
	}
	if got := receive(t, s); got.PostID != 0 {
		t.Errorf("first kept event is post %d, want 0 (oldest kept)", got.PostID)
	}
}

func TestLimits(t *testing.T) {
	h := NewHub(1)
	for range MaxSubscriptions {
		if _, err := h.Subscribe(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.Subscribe(); err != ErrFull {
		t.Errorf("subscribe past the limit: got %v, want ErrFull", err)
	}
	h2 := NewHub(1)
	s, _ := h2.Subscribe()
	for i := range MaxFilters {
		if err := s.Add(Filter{Stream: List, ListID: int64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Add(Filter{Stream: List, ListID: -1}); err != ErrFull {
		t.Errorf("add past the limit: got %v, want ErrFull", err)
	}
}

// A revocation ends the subscriptions opened with that credential and no
// other, even one whose buffer is full, and never arrives as an event.
func TestRevokedEndsItsCredentialsSubscriptions(t *testing.T) {
	h := NewHub(1)
	a, _ := h.SubscribeAs(TokenCredential([]byte{1}), Filter{Stream: User})
	a2, _ := h.SubscribeAs(TokenCredential([]byte{1}))
	b, _ := h.SubscribeAs(TokenCredential([]byte{2}), Filter{Stream: User})
	web, _ := h.SubscribeAs(SessionCredential([]byte{1}), Filter{Stream: User})
	plain, _ := h.Subscribe(Filter{Stream: User})
	h.Publish(Event{Stream: User, Kind: Update, PostID: 1}) // fills every buffer
	h.Publish(Event{Kind: Revoked, Credential: TokenCredential([]byte{1})})
	h.Publish(Event{Kind: Revoked, Credential: TokenCredential([]byte{1})}) // twice is harmless
	for name, s := range map[string]*Subscription{"a": a, "a2": a2} {
		select {
		case <-s.Revoked():
		default:
			t.Errorf("%s: not revoked", name)
		}
	}
	for name, s := range map[string]*Subscription{"other token": b, "session with the same hash": web, "no credential": plain} {
		select {
		case <-s.Revoked():
			t.Errorf("%s: revoked", name)
		default:
		}
		if got := receive(t, s); got.Kind != Update {
			t.Errorf("%s: got %+v, want the update", name, got)
		}
		none(t, s)
	}
	if st := h.Stats(); st.Dropped != 0 {
		t.Errorf("stats %+v: a revocation counted as a dropped event", st)
	}
}

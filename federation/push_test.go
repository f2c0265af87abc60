package federation_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"kith/federation"
	"kith/federation/webpush/webpushtest"
	"kith/store"
)

// pushService stands where a browser vendor's push service would: one
// endpoint per subscriber, answering with the statuses it is told to.
type pushService struct {
	t   testing.TB
	srv *httptest.Server

	mu       sync.Mutex
	got      map[string][]receivedPush // by subscriber name
	statuses []int                     // answers to give before 201s
	refuse   map[string]int            // subscribers always answered so
}

type receivedPush struct {
	header http.Header
	body   []byte
}

func newPushService(t testing.TB) *pushService {
	p := &pushService{t: t, got: map[string][]receivedPush{}}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		defer p.mu.Unlock()
		name := strings.TrimPrefix(r.URL.Path, "/push/")
		p.got[name] = append(p.got[name], receivedPush{r.Header.Clone(), body})
		if status := p.refuse[name]; status != 0 {
			w.WriteHeader(status)
			return
		}
		if len(p.statuses) > 0 {
			status := p.statuses[0]
			p.statuses = p.statuses[1:]
			if status == http.StatusTooManyRequests {
				w.Header().Set("Retry-After", "3")
			}
			w.WriteHeader(status)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// take returns and forgets what name received.
func (p *pushService) take(name string) []receivedPush {
	p.mu.Lock()
	defer p.mu.Unlock()
	got := p.got[name]
	delete(p.got, name)
	return got
}

// pushPayload is Mastodon's push payload as an app reads it.
type pushPayload struct {
	AccessToken      string `json:"access_token"`
	PreferredLocale  string `json:"preferred_locale"`
	NotificationID   int64  `json:"notification_id"`
	NotificationType string `json:"notification_type"`
	Icon             string `json:"icon"`
	Title            string `json:"title"`
	Body             string `json:"body"`
}

type subscriber struct {
	name  string
	token string
	hash  []byte
	recv  *webpushtest.Receiver
}

// subscribe makes an app token on k and a subscription for it.
func subscribe(t testing.TB, k *kith, p *pushService, name string, standard bool, policy string) subscriber {
	t.Helper()
	ctx := context.Background()
	recv, err := webpushtest.NewReceiver()
	if err != nil {
		t.Fatal(err)
	}
	token := "token-of-" + name
	err = k.db.InTx(ctx, func(tx *store.Tx) error {
		app, err := tx.CreateOAuthApp(ctx, store.OAuthApp{Name: "app " + name, ClientID: "cid-" + name, ClientSecret: "sec"})
		if err != nil {
			return err
		}
		return tx.CreateOAuthToken(ctx, token, app, "read write push")
	})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := k.db.OAuthTokenByToken(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := k.fed.SealPushToken(token, tok.TokenHash)
	if err != nil {
		t.Fatal(err)
	}
	alerts := map[string]bool{"mention": true, "follow": true, "favourite": true, "reblog": true}
	err = k.db.InTx(ctx, func(tx *store.Tx) error {
		return tx.PutPushSubscription(ctx, store.PushSubscription{TokenHash: tok.TokenHash, Endpoint: p.srv.URL + "/push/" + name,
			P256dh: recv.P256dh(), Auth: recv.AuthSecret(), Standard: standard, Alerts: alerts, Policy: policy, SealedToken: sealed})
	})
	if err != nil {
		t.Fatal(err)
	}
	return subscriber{name: name, token: token, hash: tok.TokenHash, recv: recv}
}

// open decrypts and checks each push s received and returns the payloads.
func (s subscriber) open(t *testing.T, k *kith, got []receivedPush, pushURL string) []pushPayload {
	t.Helper()
	var out []pushPayload
	for _, g := range got {
		plain, err := s.recv.Decrypt(g.header, g.body)
		if err != nil {
			t.Fatalf("%s: decrypt: %v", s.name, err)
		}
		claims, err := webpushtest.CheckVAPID(g.header, k.fed.VAPIDPublicKey(), time.Now())
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if claims.Aud != pushURL || claims.Sub != k.fed.URLs().Base() {
			t.Errorf("%s: claims %+v, want aud %s and sub %s", s.name, claims, pushURL, k.fed.URLs().Base())
		}
		if g.header.Get("TTL") == "" || g.header.Get("Urgency") != "normal" {
			t.Errorf("%s: TTL %q Urgency %q", s.name, g.header.Get("TTL"), g.header.Get("Urgency"))
		}
		var p pushPayload
		if err := json.Unmarshal(plain, &p); err != nil {
			t.Fatalf("%s: payload %s: %v", s.name, plain, err)
		}
		if p.AccessToken != s.token || p.PreferredLocale == "" || (p.NotificationID == 0) != (p.NotificationType == "test") || p.Icon == "" || p.Title == "" {
			t.Errorf("%s: payload %+v", s.name, p)
		}
		out = append(out, p)
	}
	return out
}

// types lists the pushes' notification types, sorted: deliveries run
// concurrently, so their order is not the order of the actions.
func types(ps []pushPayload) string {
	var out []string
	for _, p := range ps {
		out = append(out, p.NotificationType)
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

func TestPushOnNotifications(t *testing.T) {
	p := newPushService(t)
	n := newNetwork(t, "alice", "bob", "carol")
	alice, bob, carol := n.nodes[0], n.nodes[1], n.nodes[2]
	ctx := context.Background()
	standard := subscribe(t, alice, p, "standard", true, "all")
	legacy := subscribe(t, alice, p, "legacy", false, "followed")
	n.follow(alice, bob)

	// bob follows, mentions, favourites and boosts alice.
	n.follow(bob, alice)
	if _, err := bob.fed.Post(ctx, federation.NewPost{Text: "hello " + alice.handle(), Visibility: store.Public}); err != nil {
		t.Fatal(err)
	}
	post, err := alice.fed.Post(ctx, federation.NewPost{Text: "a post to like"})
	if err != nil {
		t.Fatal(err)
	}
	n.settle()
	onBob, ok := postOn(bob, post.URI)
	if !ok {
		t.Fatal("bob did not get alice's post")
	}
	if err := bob.fed.Like(ctx, onBob.ID); err != nil {
		t.Fatal(err)
	}
	if err := bob.fed.Boost(ctx, onBob.ID); err != nil {
		t.Fatal(err)
	}
	n.settle()
	for _, s := range []subscriber{standard, legacy} {
		got := s.open(t, alice, p.take(s.name), p.srv.URL)
		if types(got) != "favourite follow mention reblog" {
			t.Fatalf("%s got %q, want favourite follow mention reblog", s.name, types(got))
		}
		for _, g := range got {
			if g.NotificationType == "mention" && (g.Title != "Bob mentioned you" || !strings.Contains(g.Body, "hello")) {
				t.Errorf("%s: mention push %+v", s.name, g)
			}
		}
	}

	// carol is not followed by alice: the "followed" subscription hears
	// nothing of her; a muted bob reaches nobody.
	if _, err := carol.fed.Post(ctx, federation.NewPost{Text: "hi " + alice.handle()}); err != nil {
		t.Fatal(err)
	}
	n.settle()
	if got := types(standard.open(t, alice, p.take("standard"), p.srv.URL)); got != "mention" {
		t.Errorf("policy all, carol's mention: got %q", got)
	}
	if got := p.take("legacy"); len(got) != 0 {
		t.Errorf("policy followed got %d pushes for carol's mention", len(got))
	}
	err = alice.db.InTx(ctx, func(tx *store.Tx) error {
		return tx.PutMute(ctx, alice.actorOn(t, bob).ID, true, time.Time{})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bob.fed.Post(ctx, federation.NewPost{Text: "again " + alice.handle()}); err != nil {
		t.Fatal(err)
	}
	n.settle()
	if got := len(p.take("standard")) + len(p.take("legacy")); got != 0 {
		t.Errorf("a muted account's mention was pushed %d times", got)
	}

	// The settings page's test button reaches every subscription.
	if count, err := alice.fed.SendTestPush(ctx); err != nil || count != 2 {
		t.Fatalf("test push: %d, %v", count, err)
	}
	n.settle()
	for _, s := range []subscriber{standard, legacy} {
		if got := types(s.open(t, alice, p.take(s.name), p.srv.URL)); got != "test" {
			t.Errorf("%s: test push gave %q", s.name, got)
		}
		if sub, err := alice.db.PushSubscriptionOf(ctx, s.hash); err != nil || sub.LastSuccessAt.IsZero() || !sub.LastFailureAt.IsZero() {
			t.Errorf("%s: %+v, %v", s.name, sub, err)
		}
	}
}

// TestPushRetries: 500 waits the backoff table's first wait, 429 as long
// as Retry-After says (not the table's second, 30 s), 410 ends the
// subscription.
func TestPushRetries(t *testing.T) {
	p := newPushService(t)
	n := newNetwork(t, "alice", "bob")
	alice, bob := n.nodes[0], n.nodes[1]
	ctx := context.Background()
	s := subscribe(t, alice, p, "app", true, "all")
	p.statuses = []int{http.StatusInternalServerError, http.StatusTooManyRequests, http.StatusGone}
	n.follow(bob, alice)
	if got := len(p.take("app")); got != 1 {
		t.Fatalf("first attempt: %d pushes", got)
	}
	wantNext := func(lo, hi time.Duration) {
		t.Helper()
		next, err := alice.db.NextJobAt(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if wait := time.Until(next); wait < lo || wait > hi {
			t.Errorf("next attempt in %v, want between %v and %v", wait, lo, hi)
		}
	}
	wantNext(4*time.Second, 5500*time.Millisecond) // the first backoff, 5 s ± 10%
	sub, err := alice.db.PushSubscriptionOf(ctx, s.hash)
	if err != nil || sub.LastFailureAt.IsZero() || !strings.Contains(sub.LastError, "500") || strings.Contains(sub.LastError, "/push/") {
		t.Errorf("after a 500: %+v, %v", sub, err)
	}
	// Run the retry now instead of waiting for it.
	retryNow(t, alice)
	if got := len(p.take("app")); got != 1 {
		t.Fatalf("second attempt: %d pushes", got)
	}
	wantNext(2*time.Second, 3*time.Second+100*time.Millisecond) // Retry-After: 3
	retryNow(t, alice)
	if got := s.open(t, alice, p.take("app"), p.srv.URL); len(got) != 1 || got[0].NotificationType != "follow" {
		t.Fatalf("third attempt: %+v", got)
	}
	if _, err := alice.db.PushSubscriptionOf(ctx, s.hash); err == nil {
		t.Error("the subscription outlived a 410")
	}
}

// retryNow makes k's waiting jobs due and runs them.
func retryNow(t *testing.T, k *kith) {
	t.Helper()
	ctx := context.Background()
	err := k.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.MakeJobsDue(ctx, "push"); err != nil {
			return err
		}
		return tx.MakeJobsDue(ctx, "push.retry")
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.runner.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
}

// A push endpoint's path names the device's subscription: the debug log of
// a delivery, taken or refused, names the push service's host only.
func TestPushEndpointNotLogged(t *testing.T) {
	p := newPushService(t)
	var log lockedBuffer
	n := newNetworkWithDebugLog(t, &log, "alice", "bob")
	alice, bob := n.nodes[0], n.nodes[1]
	subscribe(t, alice, p, "device-capability", true, "all")
	n.follow(bob, alice)
	p.statuses = []int{http.StatusInternalServerError}
	if _, err := bob.fed.Post(context.Background(), federation.NewPost{Text: "hello " + alice.handle(), Visibility: store.Public}); err != nil {
		t.Fatal(err)
	}
	n.settle()
	if got := len(p.take("device-capability")); got != 2 {
		t.Fatalf("%d pushes, want 2 (the follow and the refused mention)", got)
	}
	got := log.String()
	host := strings.TrimPrefix(p.srv.URL, "http://")
	for _, want := range []string{"status=201", "status=500"} {
		if !strings.Contains(got, "msg=\"outbound request\" method=POST host="+host+" "+want) {
			t.Errorf("debug log lacks the push to %s answered %s:\n%s", host, want, got)
		}
	}
	if strings.Contains(got, "device-capability") {
		t.Errorf("debug log has the endpoint's path:\n%s", got)
	}
}

// lockedBuffer is a log that instances write to from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

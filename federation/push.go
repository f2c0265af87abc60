package federation

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"kith/federation/ap"
	"kith/federation/transport"
	"kith/federation/webpush"
	"kith/jobs"
	"kith/store"
)

// Web Push: every notification that a subscription's alerts and policy let
// through becomes one "push" job per subscription, queued in the
// transaction that made the notification, so a crash loses none. The job
// encrypts Mastodon's payload for the subscriber and POSTs it to the push
// service through the guarded transport.

const (
	jobPush = "push"
	// settingVAPIDKey holds the VAPID private scalar, base64url.
	settingVAPIDKey = "vapid_private_key"
	// pushTTL and pushUrgency are Mastodon's: a push service may hold a
	// message for two days.
	pushTTL     = 48 * time.Hour
	pushUrgency = "normal"
	// pushBodyLength is how much of a post's text a push carries, as
	// Mastodon truncates it.
	pushBodyLength = 140
	// pushNameLength bounds the name in a title, so that a push always
	// fits in one record (webpush.MaxPayload) whatever a peer calls itself.
	pushNameLength = 100
)

// pushBackoff is short at first (a notification is news only for a while)
// and gives up after about a day; a push service that says when to come
// back with Retry-After is taken at its word (jobs.RetryAfter).
var pushBackoff = []time.Duration{5 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute,
	time.Hour, 3 * time.Hour, 8 * time.Hour, 12 * time.Hour}

// pushJob is a push job's payload: which notification, for which
// subscription (by its token's hash). Test pushes have no notification.
type pushJob struct {
	NotificationID int64  `json:"notification_id,omitempty"`
	TokenHash      []byte `json:"token_hash"`
	Test           bool   `json:"test,omitempty"`
}

// EnsureVAPIDKey makes the instance's VAPID key pair unless it exists, and
// returns it. kith init calls it; so does every start, for data made
// before kith sent pushes (a key pair cannot be made by a SQL migration).
func EnsureVAPIDKey(ctx context.Context, db *store.DB) (*webpush.VAPID, string, error) {
	private, err := db.Setting(ctx, settingVAPIDKey)
	if errors.Is(err, store.ErrNotFound) {
		private, err = webpush.NewVAPIDKey()
		if err == nil {
			err = db.InTx(ctx, func(tx *store.Tx) error { return tx.SetSetting(ctx, settingVAPIDKey, private) })
		}
	}
	if err != nil {
		return nil, "", fmt.Errorf("vapid key: %w", err)
	}
	v, err := webpush.ParseVAPID(private)
	return v, private, err
}

func (f *Federation) loadVAPID(ctx context.Context) error {
	v, private, err := EnsureVAPIDKey(ctx, f.db)
	if err != nil {
		return err
	}
	f.vapid = v
	f.pushKey, err = hkdf.Key(sha256.New, []byte(private), nil, "kith push token v1", 16)
	return err
}

// VAPIDPublicKey is the key apps subscribe with (instance
// configuration.vapid.public_key, the subscription's server_key).
func (f *Federation) VAPIDPublicKey() string { return f.vapid.PublicKey() }

// SealPushToken encrypts the access token a subscription was made with,
// for its row.
//
// Mastodon's push payload hands the app its access_token back (apps match
// a push to an account by it, and Mastodon's own web client acts on the
// notification with it), but kith keeps only hashes of tokens. So the
// token given at subscription time is kept, sealed with AES-GCM under a
// key derived from the VAPID private key and bound to the token's hash:
// the subscription rows alone (a copied table, an export, a log of a row)
// carry no usable credential, and a sealed token cannot be moved to
// another subscription. Whoever holds the whole database holds the key
// too; that is no worse than the VAPID key itself, which already lets
// them push as kith.
func (f *Federation) SealPushToken(token string, tokenHash []byte) ([]byte, error) {
	gcm, err := f.pushCipher()
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return gcm.Seal(nonce, nonce, []byte(token), tokenHash), nil
}

func (f *Federation) openPushToken(sealed, tokenHash []byte) (string, error) {
	gcm, err := f.pushCipher()
	if err != nil {
		return "", err
	}
	if len(sealed) < gcm.NonceSize() {
		return "", errors.New("sealed push token too short")
	}
	plain, err := gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], tokenHash)
	return string(plain), err
}

func (f *Federation) pushCipher() (cipher.AEAD, error) {
	block, err := aes.NewCipher(f.pushKey)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// notify records a notification and queues a push for each subscription
// that should hear of it, inside the caller's transaction.
func (f *Federation) notify(ctx context.Context, tx *store.Tx, typ string, actorID, postID int64) (int64, error) {
	id, err := tx.Notify(ctx, typ, actorID, postID)
	if err != nil {
		return 0, err
	}
	subs, err := tx.PushTargets(ctx, id)
	if err != nil {
		return 0, err
	}
	for _, s := range subs {
		// The key keeps one job per notification and subscription while it
		// waits: a notification met again (a repeated Like) is not pushed
		// twice.
		key := fmt.Sprintf("push:%d:%x", id, s.TokenHash)
		if _, err := jobs.Enqueue(ctx, tx, jobPush, pushJob{NotificationID: id, TokenHash: s.TokenHash},
			store.EnqueueOptions{UniqueKey: key}); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// SendTestPush queues a test push to every subscription (the settings
// page's button) and returns how many.
func (f *Federation) SendTestPush(ctx context.Context) (int, error) {
	subs, err := f.db.PushSubscriptions(ctx)
	if err != nil {
		return 0, err
	}
	err = f.db.InTx(ctx, func(tx *store.Tx) error {
		for _, s := range subs {
			if _, err := jobs.Enqueue(ctx, tx, jobPush, pushJob{TokenHash: s.TokenHash, Test: true}, store.EnqueueOptions{}); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		f.jobs.Poke()
	}
	return len(subs), err
}

// pushPayload is what Mastodon puts in a push (Web::NotificationSerializer).
type pushPayload struct {
	AccessToken      string `json:"access_token"`
	PreferredLocale  string `json:"preferred_locale"`
	NotificationID   int64  `json:"notification_id"`
	NotificationType string `json:"notification_type"`
	Icon             string `json:"icon"`
	Title            string `json:"title"`
	Body             string `json:"body"`
}

// pushTitles are Mastodon's English notification subjects.
var pushTitles = map[string]string{
	"mention":        "%s mentioned you",
	"status":         "%s just posted",
	"reblog":         "%s boosted your post",
	"follow":         "%s is now following you",
	"follow_request": "Pending follower: %s",
	"favourite":      "%s favorited your post",
	"poll":           "A poll by %s has ended",
	"update":         "%s edited a post",
}

// runPush sends one push. A subscription or notification that is gone ends
// the job; 404 and 410 from the push service end the subscription; 429
// and 5xx are retried, after the service's Retry-After when it gave one.
func (f *Federation) runPush(ctx context.Context, job store.Job) error {
	var p pushJob
	if err := json.Unmarshal(job.Payload, &p); err != nil {
		return jobs.Permanent(fmt.Errorf("bad push payload: %w", err))
	}
	sub, err := f.db.PushSubscriptionOf(ctx, p.TokenHash)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	payload, err := f.pushPayloadOf(ctx, sub, p)
	if errors.Is(err, store.ErrNotFound) {
		return nil // the notification's actor or post went away
	}
	if err != nil {
		return err
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return jobs.Permanent(err)
	}
	msg, err := f.vapid.Request(webpush.Subscription{Endpoint: sub.Endpoint, P256dh: sub.P256dh, Auth: sub.Auth, Standard: sub.Standard},
		body, webpush.Options{Subject: f.urls.Base(), TTL: pushTTL, Urgency: pushUrgency, Now: f.now()})
	if err != nil {
		return f.pushFailed(ctx, sub, jobs.Permanent(fmt.Errorf("push to %s: %w", hostOf(sub.Endpoint), err)))
	}
	// The endpoint's path names the device's subscription: the transport
	// logs only its host.
	_, err = f.client.Post(transport.WithSecretPath(ctx), sub.Endpoint, "application/octet-stream", msg.Body, func(r *http.Request) error {
		for k, v := range msg.Header {
			r.Header[k] = v
		}
		return nil
	})
	var se *transport.StatusError
	switch {
	case err == nil:
		return f.db.InTx(ctx, func(tx *store.Tx) error { return tx.RecordPush(ctx, sub.TokenHash, "") })
	case errors.As(err, &se) && (se.Code == http.StatusNotFound || se.Code == http.StatusGone):
		// Note: Mastodon drops a subscription the push service no longer
		// knows; the app subscribes again when it next starts.
		return f.db.InTx(ctx, func(tx *store.Tx) error { return tx.DeletePushSubscription(ctx, sub.TokenHash) })
	}
	failure := pushFailure(sub.Endpoint, err)
	switch {
	case transport.Classify(err):
		return f.pushFailed(ctx, sub, jobs.Permanent(failure))
	case se != nil && se.RetryAfter > 0:
		return f.pushFailed(ctx, sub, jobs.RetryAfter(failure, se.RetryAfter))
	}
	return f.pushFailed(ctx, sub, failure)
}

// pushFailure describes a failed push by the endpoint's host only: the
// rest of an endpoint URL is a capability, like a token, and stays out of
// logs, the jobs table and the settings page.
func pushFailure(endpoint string, err error) error {
	var se *transport.StatusError
	if errors.As(err, &se) {
		return fmt.Errorf("push to %s: %d %s", hostOf(endpoint), se.Code, http.StatusText(se.Code))
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("push to %s: %v", hostOf(endpoint), err)
}

// pushFailed notes a failure on the subscription, for the settings page,
// and returns err for the queue.
func (f *Federation) pushFailed(ctx context.Context, sub store.PushSubscription, err error) error {
	if rerr := f.db.InTx(ctx, func(tx *store.Tx) error { return tx.RecordPush(ctx, sub.TokenHash, err.Error()) }); rerr != nil {
		return rerr
	}
	return err
}

func (f *Federation) pushPayloadOf(ctx context.Context, sub store.PushSubscription, p pushJob) (pushPayload, error) {
	out := pushPayload{PreferredLocale: "en", NotificationType: "test", Icon: f.urls.Base() + "/static/avatar.png",
		Title: "Test notification", Body: "Pushes from " + f.urls.Host() + " reach this app."}
	if sub.SealedToken != nil {
		token, err := f.openPushToken(sub.SealedToken, sub.TokenHash)
		if err != nil {
			return pushPayload{}, jobs.Permanent(fmt.Errorf("push token: %w", err))
		}
		out.AccessToken = token
	}
	if p.Test {
		return out, nil
	}
	n, err := f.db.NotificationByID(ctx, p.NotificationID)
	if err != nil {
		return pushPayload{}, err
	}
	actor, err := f.db.ActorByID(ctx, n.ActorID)
	if err != nil {
		return pushPayload{}, err
	}
	name := truncateRunes(strings.TrimSpace(ap.PlainText(actor.DisplayName)), pushNameLength)
	if name == "" {
		name = truncateRunes(actor.Username, pushNameLength)
	}
	out.NotificationID, out.NotificationType = n.ID, n.Type
	out.Title = fmt.Sprintf(pushTitles[n.Type], name)
	if pushTitles[n.Type] == "" {
		out.Title = name
	}
	if icon := ap.HTTPURL(actor.AvatarURL); icon != "" {
		out.Icon = icon
	}
	text := actor.Summary
	if n.PostID != 0 {
		post, err := f.db.PostByID(ctx, n.PostID)
		if err != nil {
			return pushPayload{}, err
		}
		text = post.Content
		if post.Summary != "" {
			text = post.Summary
		}
	}
	out.Body = truncateRunes(strings.TrimSpace(ap.PlainText(text)), pushBodyLength)
	return out, nil
}

// truncateRunes cuts s to n characters, ending with "…" when it cut.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

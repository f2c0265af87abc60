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
	"strings"
	"time"
	"unicode/utf8"

	"kith/federation/ap"
	"kith/federation/webpush"
	"kith/jobs"
	"kith/store"
)

// Web Push: every notification, while any subscription exists, becomes one
// "push" job, queued in the transaction that made the notification, so a
// crash loses none. The job finds the subscriptions whose alerts and
// policy let the notification through, encrypts Mastodon's payload for
// each and POSTs it to their push services through the guarded transport
// (push_send.go). A subscription whose service asks to be tried again
// gets a "push.retry" job of its own.

const (
	jobPush      = "push"
	jobPushRetry = "push.retry"
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

// pushJob is a push job's payload. A notification's push job names the
// notification only; a retry, a test push (no notification) and a push
// queued by an older kith (one job per subscription) also name the
// subscription, by its token's hash.
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

// notify records a notification and, when anyone is subscribed, queues its
// push job, inside the caller's transaction. Which subscriptions hear of it
// is the job's question: the inbox need not wait for the answer.
func (f *Federation) notify(ctx context.Context, tx *store.Tx, typ string, actorID, postID int64) (int64, error) {
	id, err := tx.Notify(ctx, typ, actorID, postID)
	if err != nil {
		return 0, err
	}
	subscribed, err := tx.HasPushSubscriptions(ctx)
	if err != nil || !subscribed {
		return id, err
	}
	// The key keeps one job per notification while it waits: a
	// notification met again (a repeated Like) is not pushed twice.
	_, err = jobs.Enqueue(ctx, tx, jobPush, pushJob{NotificationID: id}, store.EnqueueOptions{UniqueKey: fmt.Sprintf("push:%d", id)})
	if err != nil {
		return 0, err
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
	"quote":          "%s quoted your post",
	"quoted_update":  "%s edited a post you quoted",
}

// pushContent is the payload of notification id's pushes (id 0: a test
// push), all but the access token, which differs by subscription.
func (f *Federation) pushContent(ctx context.Context, id int64) (pushPayload, error) {
	out := pushPayload{PreferredLocale: "en", NotificationType: "test", Icon: f.urls.Base() + "/static/avatar.png",
		Title: "Test notification", Body: "Pushes from " + f.urls.Host() + " reach this app."}
	if id == 0 {
		return out, nil
	}
	n, err := f.db.NotificationByID(ctx, id)
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

// pushBody is content for sub, with the access token sub was made with.
func (f *Federation) pushBody(sub store.PushSubscription, content pushPayload) ([]byte, error) {
	if sub.SealedToken != nil {
		token, err := f.openPushToken(sub.SealedToken, sub.TokenHash)
		if err != nil {
			return nil, fmt.Errorf("push token: %w", err)
		}
		content.AccessToken = token
	}
	return json.Marshal(content)
}

// truncateRunes cuts s to n characters, ending with "…" when it cut.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

package servertest

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"time"

	"kith/federation"
	"kith/server/core"
	"kith/store"
)

// AddRemoteActor stores a remote account, fresh enough that nothing is
// fetched for it.
func AddRemoteActor(t *testing.T, in *Instance, username, domain string) store.Actor {
	t.Helper()
	ctx := context.Background()
	uri := "https://" + domain + "/users/" + username
	a := store.Actor{URI: uri, Type: "Person", Username: username, Domain: domain, DisplayName: strings.ToUpper(username),
		URL: "https://" + domain + "/@" + username, Inbox: uri + "/inbox", PublishedAt: time.Date(2020, 5, 6, 7, 8, 9, 0, time.UTC), // data: when the account was made
		FetchedAt: in.Now()}
	err := in.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		a.ID, err = tx.UpsertActor(ctx, a)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// AddRemotePost stores a post by a remote account.
func AddRemotePost(t *testing.T, in *Instance, p store.Post) store.Post {
	t.Helper()
	ctx := context.Background()
	if p.Visibility == "" {
		p.Visibility = store.Public
	}
	if p.PublishedAt.IsZero() {
		p.PublishedAt = in.Now()
	}
	err := in.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		p.ID, err = tx.InsertPost(ctx, p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// PostStatuses has the owner post n statuses through federation.
func PostStatuses(t *testing.T, in *Instance, n int) []store.Post {
	t.Helper()
	var out []store.Post
	for i := range n {
		p, err := in.Srv.Fed.Post(context.Background(), federation.NewPost{Text: fmt.Sprintf("post number %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// PNG is a w×h PNG image with a diagonal of red pixels.
func PNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, x%h, color.RGBA{200, 30, 30, 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// PutFollow records a follow between two actors.
func PutFollow(t *testing.T, in *Instance, follower, followee int64, state string) {
	t.Helper()
	ctx := context.Background()
	err := in.DB.InTx(ctx, func(tx *store.Tx) error {
		return tx.PutFollow(ctx, store.Follow{FollowerID: follower, FolloweeID: followee, State: state, ActivityURI: "https://x.test/f/" + core.APIID(follower) + "-" + core.APIID(followee)})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Notify stores notifications as the inbox would.
func Notify(t *testing.T, in *Instance, typ string, actorID, postID int64) {
	t.Helper()
	ctx := context.Background()
	if err := in.DB.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Notify(ctx, typ, actorID, postID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// PutCard stores c as the preview card of post postID, as the card job
// would after fetching its page.
func PutCard(t testing.TB, in *Instance, postID int64, c store.Card) store.Card {
	t.Helper()
	ctx := context.Background()
	if c.FetchedAt.IsZero() {
		c.FetchedAt = in.Now()
	}
	err := in.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if c.ID, err = tx.PutCard(ctx, c); err != nil {
			return err
		}
		return tx.SetPostCard(ctx, postID, c.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

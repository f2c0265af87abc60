package federation_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"

	"kith/federation"
	"kith/jobs"
	"kith/store"
)

// TestConfigBlockedDomainsSeverFollows: a domain blocked in the config
// loses its follows with the owner, both ways and in any letter case, when
// kith starts; other domains keep theirs.
func TestConfigBlockedDomainsSeverFollows(t *testing.T) {
	ctx := context.Background()
	db := ownerDB(t, t.TempDir(), "alice")
	logger := slog.New(slog.DiscardHandler)
	start := func(blocked ...string) {
		t.Helper()
		opts := federation.Options{BaseURL: "http://alice.test", Username: "alice", Version: "test", BlockedDomains: blocked}
		if _, err := federation.New(ctx, db, jobs.New(db, logger, jobs.Options{}), logger, opts); err != nil {
			t.Fatal(err)
		}
	}
	start() // makes the owner's actor row
	owner := db.OwnerID()
	ids := map[string]int64{}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for _, d := range []string{"blocked.example", "kept.example"} {
			id, err := tx.UpsertActor(ctx, store.Actor{URI: "https://" + d + "/users/bob", Username: "bob", Domain: d})
			if err != nil {
				return err
			}
			ids[d] = id
			for i, f := range []store.Follow{{FollowerID: owner, FolloweeID: id}, {FollowerID: id, FolloweeID: owner}} {
				f.State, f.ActivityURI = store.FollowAccepted, fmt.Sprintf("https://%s/follows/%d", d, i)
				if err := tx.PutFollow(ctx, f); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	start("Blocked.Example")
	for d, kept := range map[string]bool{"blocked.example": false, "kept.example": true} {
		for _, pair := range [][2]int64{{owner, ids[d]}, {ids[d], owner}} {
			_, err := db.FollowBetween(ctx, pair[0], pair[1])
			if got := err == nil; got != kept {
				t.Errorf("%s: follow %d → %d exists: %v, want %v (%v)", d, pair[0], pair[1], got, kept, err)
			}
		}
	}
}

package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMigrationsAppliedOnceAndRecorded(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kith.db")
	for range 2 {
		db, err := Open(ctx, path, nil)
		if err != nil {
			t.Fatal(err)
		}
		var n, max int
		if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&n, &max); err != nil {
			t.Fatal(err)
		}
		if n != SchemaVersion() || max != SchemaVersion() {
			t.Errorf("schema_migrations has %d rows up to %d, want %d", n, max, SchemaVersion())
		}
		db.Close()
	}
}

func TestPragmasOnEveryConnection(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	// Hold two read connections at once (the pool's minimum size) so the
	// pool opens a second one.
	var conns []interface{ Close() error }
	for i := range 2 {
		c, err := db.read.pool.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		var mode string
		var fk, timeout int
		c.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode)
		c.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk)
		c.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&timeout)
		if mode != "wal" || fk != 1 || timeout != 10000 {
			t.Errorf("read conn %d: journal_mode %q foreign_keys %d busy_timeout %d", i, mode, fk, timeout)
		}
		if _, err := c.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('x', 'y')`); err == nil {
			t.Errorf("read conn %d accepted a write", i)
		}
	}
	for _, c := range conns {
		c.Close()
	}
}

func TestRefusesNewerDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kith.db")
	db, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', 0)`, SchemaVersion()+1)
		return err
	})
	db.Close()
	_, err = Open(ctx, path, nil)
	if !errors.Is(err, ErrTooNew) || !strings.Contains(err.Error(), "run a newer kith") {
		t.Errorf("err = %v, want ErrTooNew saying what to do", err)
	}
}

func TestRefusesNonDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kith.db")
	os.WriteFile(path, []byte(strings.Repeat("this is not a database\n", 200)), 0o600)
	_, err := Open(context.Background(), path, nil)
	if !errors.Is(err, ErrNotDatabase) {
		t.Errorf("err = %v, want ErrNotDatabase", err)
	}
}

func TestInTxRollsBack(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := db.InTx(ctx, func(tx *Tx) error {
		if err := tx.SetSetting(ctx, "a", "1"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if _, err := db.Setting(ctx, "a"); !errors.Is(err, ErrNotFound) {
		t.Errorf("setting after rollback: err = %v, want ErrNotFound", err)
	}
}

func TestOwnerAndSessions(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	if _, err := db.Owner(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Owner before setup: %v, want ErrNotFound", err)
	}
	o := Owner{Username: "alice", PasswordHash: "h1", PrivateKeyPEM: "priv", PublicKeyPEM: "pub"}
	if err := db.InTx(ctx, func(tx *Tx) error { return tx.CreateOwner(ctx, o) }); err != nil {
		t.Fatal(err)
	}
	if err := db.InTx(ctx, func(tx *Tx) error { return tx.CreateOwner(ctx, o) }); !errors.Is(err, ErrOwnerExists) {
		t.Errorf("second CreateOwner: %v, want ErrOwnerExists", err)
	}
	got, err := db.Owner(ctx)
	if err != nil || got.Username != "alice" || got.PasswordHash != "h1" {
		t.Fatalf("Owner = %+v, %v", got, err)
	}

	now := got.CreatedAt
	db.InTx(ctx, func(tx *Tx) error {
		return tx.CreateSession(ctx, "cookie-value", Session{CSRFToken: "c", ExpiresAt: now.Add(3600e9)})
	})
	s, err := db.SessionByToken(ctx, "cookie-value", now)
	if err != nil || s.CSRFToken != "c" {
		t.Fatalf("SessionByToken = %+v, %v", s, err)
	}
	var stored int
	db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions WHERE token_hash = ?`, "cookie-value").Scan(&stored)
	if stored != 0 {
		t.Errorf("the cookie value is stored in clear")
	}
	if _, err := db.SessionByToken(ctx, "cookie-value", now.Add(7200e9)); !errors.Is(err, ErrNotFound) {
		t.Errorf("expired session found: %v", err)
	}
	if err := db.InTx(ctx, func(tx *Tx) error { _, err := tx.SetOwnerPassword(ctx, "h2"); return err }); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SessionByToken(ctx, "cookie-value", now); !errors.Is(err, ErrNotFound) {
		t.Errorf("session survived a password change: %v", err)
	}
}

// Editing a post keeps the uploaded media it names and drops the rest.
func TestUpdatePostKeepsUploadedMedia(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	var postID int64
	err := db.InTx(ctx, func(tx *Tx) error {
		author, err := tx.UpsertActor(ctx, Actor{URI: "https://a.example/users/a", Domain: "a.example"})
		if err != nil {
			return err
		}
		postID, err = tx.InsertPost(ctx, Post{URI: "https://a.example/p/1", AuthorID: author, Visibility: Public,
			PublishedAt: tx.Now(), Content: "v1", Attachments: []Attachment{{URL: "/media/1.png"}, {URL: "/media/2.png"}}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := db.PostByID(ctx, postID)
	if len(p.Attachments) != 2 {
		t.Fatalf("attachments = %d, want 2", len(p.Attachments))
	}
	p.Content, p.Attachments = "v2", p.Attachments[1:]
	if err := db.InTx(ctx, func(tx *Tx) error { return tx.UpdatePost(ctx, p) }); err != nil {
		t.Fatal(err)
	}
	got, _ := db.PostByID(ctx, postID)
	if len(got.Attachments) != 1 || got.Attachments[0].URL != "/media/2.png" {
		t.Errorf("after the edit: %+v, want only /media/2.png", got.Attachments)
	}
}

// A deleted post's id is never given to another post: for local posts it
// is part of the ActivityPub id.
func TestPostIDsAreNotReused(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	insert := func(uri string) int64 {
		var id int64
		err := db.InTx(ctx, func(tx *Tx) error {
			author, err := tx.UpsertActor(ctx, Actor{URI: "https://a.example/users/a", Domain: "a.example"})
			if err != nil {
				return err
			}
			id, err = tx.InsertPost(ctx, Post{URI: uri, AuthorID: author, Visibility: Public, PublishedAt: tx.Now()})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	first := insert("https://a.example/p/1")
	if err := db.InTx(ctx, func(tx *Tx) error { return tx.DeletePost(ctx, first) }); err != nil {
		t.Fatal(err)
	}
	if second := insert("https://a.example/p/2"); second == first {
		t.Errorf("the deleted post's id %d was given out again", first)
	}
}

package account

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kith/store"
)

func TestCheckNewPassword(t *testing.T) {
	tests := []struct {
		pw string
		ok bool
	}{
		{"", false},
		{"1234567", false},
		{"12345678", true},
		{"ünïcödé", false}, // 7 characters, 12 bytes
		{"ünïcödé!", true},
		{strings.Repeat("a", 72), true},
		{strings.Repeat("a", 73), false},
	}
	for _, tt := range tests {
		err := CheckNewPassword(tt.pw)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrBadPassword)) {
			t.Errorf("CheckNewPassword(%q) = %v, want ok=%v", tt.pw, err, tt.ok)
		}
	}
}

func TestHashAndMatch(t *testing.T) {
	h, err := HashPassword("a long password")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(h, "a long password") || !strings.HasPrefix(h, "$2a$12$") {
		t.Errorf("hash %q", h)
	}
	if !PasswordMatches(h, "a long password") || PasswordMatches(h, "a long passworD") || PasswordMatches("", "") {
		t.Errorf("PasswordMatches gives wrong answers")
	}
}

func TestGeneratedSecretsDiffer(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		p := GeneratePassword()
		if len(p) != 20 || seen[p] || strings.ContainsAny(p, "0O1lI") {
			t.Fatalf("GeneratePassword() = %q", p)
		}
		seen[p] = true
		if tok := NewToken(32); len(tok) != 43 || seen[tok] {
			t.Fatalf("NewToken(32) = %q", tok)
		}
	}
}

func TestCreateOwnerAndLogin(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "kith.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if ok, err := Login(ctx, db, "alice", "whatever password"); ok || err != nil {
		t.Errorf("Login without an owner = %v, %v", ok, err)
	}
	if err := CreateOwner(ctx, db, "alice", "a fine password"); err != nil {
		t.Fatal(err)
	}
	if err := CreateOwner(ctx, db, "bob", "a fine password"); !errors.Is(err, store.ErrOwnerExists) {
		t.Errorf("second owner: %v, want ErrOwnerExists", err)
	}
	o, _ := db.Owner(ctx)
	block, _ := pem.Decode([]byte(o.PrivateKeyPEM))
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if rk, ok := key.(*rsa.PrivateKey); err != nil || !ok || rk.N.BitLen() != 2048 {
		t.Errorf("owner key: %T %v", key, err)
	}
	for _, tt := range []struct {
		user, pw string
		want     bool
	}{{"alice", "a fine password", true}, {"alice", "a wrong password", false}, {"bob", "a fine password", false}} {
		if ok, err := Login(ctx, db, tt.user, tt.pw); ok != tt.want || err != nil {
			t.Errorf("Login(%q, %q) = %v, %v; want %v", tt.user, tt.pw, ok, err, tt.want)
		}
	}
	if _, err := SetPassword(ctx, db, "short"); !errors.Is(err, ErrBadPassword) {
		t.Errorf("SetPassword(short) = %v", err)
	}
}

// A new password ends every session and every token that acts as the
// owner, and says which; app-only tokens never came from the password.
func TestSetPasswordRevokesEverything(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "kith.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := CreateOwner(ctx, db, "alice", "a fine password"); err != nil {
		t.Fatal(err)
	}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		app, err := tx.CreateOAuthApp(ctx, store.OAuthApp{Name: "toot", Scopes: "read", ClientID: "id", ClientSecret: "secret"})
		if err != nil {
			return err
		}
		for _, tok := range []string{"owner-1", "owner-2"} {
			if err := tx.CreateOAuthToken(ctx, tok, app, "read"); err != nil {
				return err
			}
		}
		if err := tx.CreateOAuthAppToken(ctx, "app-only", app, "read"); err != nil {
			return err
		}
		for _, cookie := range []string{"browser-1", "browser-2", "browser-3"} {
			if err := tx.CreateSession(ctx, cookie, store.Session{ExpiresAt: tx.Now().Add(time.Hour)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	revoked, err := SetPassword(ctx, db, "the second password")
	if err != nil {
		t.Fatal(err)
	}
	if len(revoked.Sessions) != 3 || len(revoked.Tokens) != 2 {
		t.Errorf("revoked %d sessions and %d tokens, want 3 and 2", len(revoked.Sessions), len(revoked.Tokens))
	}
	for _, tok := range []string{"owner-1", "owner-2"} {
		if _, err := db.OAuthTokenByToken(ctx, tok); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("token %s survived the password change: %v", tok, err)
		}
	}
	if _, err := db.OAuthTokenByToken(ctx, "app-only"); err != nil {
		t.Errorf("the app-only token was revoked: %v", err)
	}
	if sessions, err := db.Sessions(ctx, time.Now()); err != nil || len(sessions) != 0 {
		t.Errorf("%d sessions left (%v), want none", len(sessions), err)
	}
	if ok, _ := Login(ctx, db, "alice", "the second password"); !ok {
		t.Errorf("the new password does not sign in")
	}
}

package store

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"kith/tests/testclock"
)

func TestTOTPStepsAreUsedOnce(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	inTx := func(fn func(tx *Tx) error) {
		t.Helper()
		if err := db.InTx(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.TOTPSecret(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("TOTPSecret before enabling: %v, want ErrNotFound", err)
	}
	inTx(func(tx *Tx) error { return tx.EnableTOTP(ctx, "SECRET", 100, [][]byte{{1}, {2}}) })
	if s, err := db.TOTPSecret(ctx); s != "SECRET" || err != nil {
		t.Fatalf("TOTPSecret = %q, %v", s, err)
	}
	tests := []struct {
		step int64
		want bool
	}{
		{100, false}, // the step that confirmed the secret
		{99, false},
		{101, true},
		{101, false}, // replayed
		{100, false}, // older than the last one accepted
		{103, true},
	}
	for _, tt := range tests {
		inTx(func(tx *Tx) error {
			got, err := tx.UseTOTPStep(ctx, tt.step)
			if got != tt.want {
				t.Errorf("UseTOTPStep(%d) = %v, want %v", tt.step, got, tt.want)
			}
			return err
		})
	}
}

func TestRecoveryCodesAndDisable(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	inTx := func(fn func(tx *Tx) error) {
		t.Helper()
		if err := db.InTx(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	status := func(want TwoFactor) {
		t.Helper()
		got, err := db.TwoFactor(ctx)
		if err != nil || got != want {
			t.Errorf("TwoFactor = %+v, %v; want %+v", got, err, want)
		}
	}
	status(TwoFactor{})
	inTx(func(tx *Tx) error { return tx.EnableTOTP(ctx, "SECRET", 1, [][]byte{{1}, {2}, {3}}) })
	status(TwoFactor{TOTP: true, RecoveryCodes: 3})
	for i, want := range []bool{true, false} { // each code works once
		inTx(func(tx *Tx) error {
			ok, err := tx.UseRecoveryCode(ctx, []byte{2})
			if ok != want {
				t.Errorf("use %d of the code: %v, want %v", i+1, ok, want)
			}
			return err
		})
	}
	status(TwoFactor{TOTP: true, RecoveryCodes: 2})

	var id int64
	inTx(func(tx *Tx) (err error) {
		id, err = tx.AddPasskey(ctx, Passkey{CredentialID: []byte("cred"), RPID: "kith.test", Name: "laptop", Record: "{}"})
		return err
	})
	// Off with the app, the codes stay for the passkey; off with the
	// passkey too, they go.
	inTx(func(tx *Tx) error { return tx.DisableTOTP(ctx) })
	status(TwoFactor{Passkeys: 1, RecoveryCodes: 2})
	inTx(func(tx *Tx) error { return tx.DeletePasskey(ctx, id) })
	status(TwoFactor{})

	inTx(func(tx *Tx) error { return tx.EnableTOTP(ctx, "SECRET", 1, [][]byte{{1}}) })
	inTx(func(tx *Tx) error {
		_, err := tx.AddPasskey(ctx, Passkey{CredentialID: []byte("cred2"), RPID: "kith.test", Name: "phone", Record: "{}"})
		return err
	})
	inTx(func(tx *Tx) error {
		was, err := tx.DisableTwoFactor(ctx)
		if was != (TwoFactor{TOTP: true, Passkeys: 1, RecoveryCodes: 1}) {
			t.Errorf("DisableTwoFactor found %+v", was)
		}
		return err
	})
	status(TwoFactor{})
}

func TestPasskeys(t *testing.T) {
	db := openTestDB(t)
	clock := testclock.New()
	db.SetClock(clock.Now)
	ctx := context.Background()
	err := db.InTx(ctx, func(tx *Tx) error {
		for _, p := range []Passkey{
			{CredentialID: []byte("a"), RPID: "kith.test", Name: "laptop", Record: `{"n":1}`},
			{CredentialID: []byte("b"), RPID: "other.test", Name: "old domain", Record: `{}`},
		} {
			if _, err := tx.AddPasskey(ctx, p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Hour)
	if err := db.InTx(ctx, func(tx *Tx) error { return tx.UsePasskey(ctx, []byte("a"), `{"n":2}`) }); err != nil {
		t.Fatal(err)
	}
	got, err := db.Passkeys(ctx, "kith.test")
	if err != nil || len(got) != 1 {
		t.Fatalf("Passkeys = %+v, %v; want the one of kith.test", got, err)
	}
	p := got[0]
	if !bytes.Equal(p.CredentialID, []byte("a")) || p.Name != "laptop" || p.Record != `{"n":2}` ||
		!p.CreatedAt.Equal(testclock.Base()) || !p.LastUsedAt.Equal(testclock.Base().Add(time.Hour)) {
		t.Errorf("passkey %+v", p)
	}
	err = db.InTx(ctx, func(tx *Tx) error { return tx.UsePasskey(ctx, []byte("nope"), `{}`) })
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("UsePasskey of an unknown credential: %v, want ErrNotFound", err)
	}
	err = db.InTx(ctx, func(tx *Tx) error { return tx.DeletePasskey(ctx, 999) })
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("DeletePasskey of an unknown id: %v, want ErrNotFound", err)
	}
}

func TestAuthChallenges(t *testing.T) {
	db := openTestDB(t)
	clock := testclock.New()
	db.SetClock(clock.Now)
	ctx := context.Background()
	create := func(token string) {
		t.Helper()
		err := db.InTx(ctx, func(tx *Tx) error {
			return tx.CreateAuthChallenge(ctx, token, AuthChallenge{Kind: ChallengeSecondFactor, Next: "/home", ExpiresAt: clock.Now().Add(5 * time.Minute)})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	create("t1")
	if _, err := db.AuthChallenge(ctx, "t1", ChallengePasskeyLogin, clock.Now()); !errors.Is(err, ErrNotFound) {
		t.Errorf("challenge of another kind: %v, want ErrNotFound", err)
	}
	for i := 1; i <= 3; i++ {
		err := db.InTx(ctx, func(tx *Tx) error {
			n, err := tx.FailAuthChallenge(ctx, "t1", 3)
			if n != i {
				t.Errorf("failure %d counted as %d", i, n)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.AuthChallenge(ctx, "t1", ChallengeSecondFactor, clock.Now()); !errors.Is(err, ErrNotFound) {
		t.Errorf("challenge after the last failure: %v, want it gone", err)
	}

	create("t2")
	if err := db.InTx(ctx, func(tx *Tx) error { return tx.SetAuthChallengeData(ctx, "t2", "ceremony") }); err != nil {
		t.Fatal(err)
	}
	take := func() (AuthChallenge, error) {
		var c AuthChallenge
		err := db.InTx(ctx, func(tx *Tx) (err error) {
			c, err = tx.TakeAuthChallenge(ctx, "t2", ChallengeSecondFactor)
			return err
		})
		return c, err
	}
	if c, err := take(); err != nil || c.Next != "/home" || c.Data != "ceremony" {
		t.Errorf("TakeAuthChallenge = %+v, %v", c, err)
	}
	if _, err := take(); !errors.Is(err, ErrNotFound) {
		t.Errorf("taken twice: %v, want ErrNotFound", err)
	}

	create("t3")
	clock.Add(5 * time.Minute)
	if _, err := db.AuthChallenge(ctx, "t3", ChallengeSecondFactor, clock.Now()); !errors.Is(err, ErrNotFound) {
		t.Errorf("expired challenge: %v, want ErrNotFound", err)
	}
}

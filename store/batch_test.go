package store

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestBatchUnits runs four units in one batch: one that commits, one that
// fails after writing and announcing, one that panics, and one whose
// nested InTx fails and is rolled back alone while the unit goes on. Only
// the good writes commit, together, and only the announcements of units
// that succeeded run, after the commit, when the read pool sees the rows.
func TestBatchUnits(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	set := func(ctx context.Context, key, value string) error {
		return db.InTx(ctx, func(tx *Tx) error { return tx.SetSetting(ctx, key, value) })
	}
	committed := func(key string) bool {
		_, err := db.Setting(context.Background(), key) // the read pool: committed rows only
		return err == nil
	}
	var announced []string
	announce := func(key string) func() {
		return func() {
			if !committed(key) {
				t.Errorf("%s announced before its row was committed", key)
			}
			announced = append(announced, key)
		}
	}

	b, err := db.BeginBatch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = b.Do(ctx, func(ctx context.Context) error {
		if err := set(ctx, "good", "1"); err != nil {
			return err
		}
		AfterCommit(ctx, announce("good"))
		return nil
	})
	if err != nil {
		t.Fatalf("good unit: %v", err)
	}
	poison := errors.New("poisoned")
	err = b.Do(ctx, func(ctx context.Context) error {
		if err := set(ctx, "bad", "1"); err != nil {
			return err
		}
		AfterCommit(ctx, announce("bad"))
		return poison
	})
	if !errors.Is(err, poison) {
		t.Errorf("failing unit: got %v, want %v", err, poison)
	}
	err = b.Do(ctx, func(ctx context.Context) error {
		if err := set(ctx, "panicked", "1"); err != nil {
			return err
		}
		panic("boom")
	})
	if err == nil || !strings.Contains(err.Error(), "panic: boom") {
		t.Errorf("panicking unit: got %v, want the panic as an error", err)
	}
	err = b.Do(ctx, func(ctx context.Context) error {
		// A unit reads what earlier units of the batch wrote, as it would
		// after their commits.
		if v, err := db.Setting(ctx, "good"); err != nil || v != "1" {
			t.Errorf("inside the batch, good = %q, %v; want 1", v, err)
		}
		if _, err := db.Setting(ctx, "bad"); !errors.Is(err, ErrNotFound) {
			t.Errorf("inside the batch, the failed unit's row: %v, want not found", err)
		}
		err := db.InTx(ctx, func(tx *Tx) error {
			if err := tx.SetSetting(ctx, "half", "1"); err != nil {
				return err
			}
			return poison
		})
		if !errors.Is(err, poison) {
			t.Errorf("nested InTx: got %v, want %v", err, poison)
		}
		if err := set(ctx, "after", "1"); err != nil {
			return err
		}
		AfterCommit(ctx, announce("after"))
		return nil
	})
	if err != nil {
		t.Fatalf("unit with a failed InTx: %v", err)
	}
	if b.Broken() != nil {
		t.Fatalf("batch broken: %v", b.Broken())
	}

	if committed("good") || len(announced) > 0 {
		t.Fatalf("before the commit: good visible %v, announced %v", committed("good"), announced)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]bool{"good": true, "bad": false, "panicked": false, "half": false, "after": true} {
		if got := committed(key); got != want {
			t.Errorf("after the commit, %s stored = %v, want %v", key, got, want)
		}
	}
	if got := strings.Join(announced, " "); got != "good after" {
		t.Errorf("announced %q, want %q", got, "good after")
	}

	// Outside any batch, AfterCommit runs at once and InTx commits alone.
	ran := false
	AfterCommit(ctx, func() { ran = true })
	if !ran {
		t.Error("AfterCommit outside a batch did not run at once")
	}
	if err := b.Do(ctx, func(context.Context) error { return nil }); !errors.Is(err, ErrBatchBroken) {
		t.Errorf("Do after Commit: %v, want ErrBatchBroken", err)
	}
}

// TestBatchRollback keeps nothing of a batch rolled back, and announces
// nothing.
func TestBatchRollback(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	b, err := db.BeginBatch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	announced := false
	err = b.Do(ctx, func(ctx context.Context) error {
		AfterCommit(ctx, func() { announced = true })
		return db.InTx(ctx, func(tx *Tx) error { return tx.SetSetting(ctx, "k", "v") })
	})
	if err != nil {
		t.Fatal(err)
	}
	b.Rollback()
	if _, err := db.Setting(ctx, "k"); !errors.Is(err, ErrNotFound) {
		t.Errorf("after rollback: %v, want not found", err)
	}
	if announced {
		t.Error("a rolled-back batch announced its unit")
	}
	// The write connection is free again.
	if err := db.InTx(ctx, func(tx *Tx) error { return tx.SetSetting(ctx, "k", "w") }); err != nil {
		t.Fatal(err)
	}
}

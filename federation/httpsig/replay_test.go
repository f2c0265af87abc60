package httpsig

import (
	"encoding/binary"
	"errors"
	"runtime"
	"testing"
	"time"
)

// sigAt is a verified signature number i, made at created.
func sigAt(i int, created time.Time) Result {
	sig := make([]byte, 256) // an RSA-2048 signature's size
	binary.BigEndian.PutUint64(sig, uint64(i))
	return Result{KeyID: "https://remote.example/users/a#main-key", Signature: sig,
		Created: created, ValidUntil: created.Add(defaultExpiry + clockSkew)}
}

func TestReplays(t *testing.T) {
	now := testNow
	s := NewReplays(10)
	first := sigAt(1, now)
	if err := s.Add(first, now); err != nil {
		t.Fatalf("first use: %v", err)
	}
	if err := s.Add(first, now.Add(time.Minute)); !errors.Is(err, ErrReplayed) || !errors.Is(err, ErrUnauthorized) {
		t.Errorf("second use: %v, want ErrReplayed", err)
	}
	other := first
	other.KeyID = "https://remote.example/users/b#main-key"
	if err := s.Add(other, now); err != nil {
		t.Errorf("the same bytes under another key: %v", err)
	}
	s.Forget(first)
	if err := s.Add(first, now); err != nil {
		t.Errorf("after Forget: %v", err)
	}
	// Once its window is over the set lets go of it (Verify refuses it).
	later := first.ValidUntil.Add(time.Second)
	if err := s.Add(sigAt(2, later), later); err != nil {
		t.Fatal(err)
	}
	if got, want := s.Len(), 1; got != want {
		t.Errorf("after the window: %d held, want %d", got, want)
	}
}

// TestReplaysFull: beyond its capacity the set forgets the oldest
// signature and then refuses anything made as early, so a replay of a
// forgotten signature is still refused; a signature dated in the future
// does not raise the floor past the present.
func TestReplaysFull(t *testing.T) {
	now := testNow
	s := NewReplays(3)
	for i := range 3 {
		if err := s.Add(sigAt(i, now.Add(time.Duration(i)*time.Second)), now.Add(10*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	at := now.Add(10 * time.Second)
	if err := s.Add(sigAt(3, at), at); err != nil {
		t.Fatalf("a fourth signature: %v", err)
	}
	if got := s.Forgotten(); got != 1 {
		t.Errorf("forgotten %d, want 1", got)
	}
	if err := s.Add(sigAt(0, now), at); !errors.Is(err, ErrReplayed) {
		t.Errorf("replay of the forgotten signature: %v, want ErrReplayed", err)
	}
	if err := s.Add(sigAt(4, now.Add(5*time.Second)), at); err != nil {
		t.Errorf("a new signature made after the forgotten one: %v", err)
	}

	future := NewReplays(1)
	if err := future.Add(sigAt(0, now.Add(50*time.Minute)), now); err != nil {
		t.Fatal(err)
	}
	if err := future.Add(sigAt(1, now.Add(time.Second)), now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := future.Add(sigAt(2, now.Add(2*time.Second)), now.Add(2*time.Second)); err != nil {
		t.Errorf("present signature after a future one was forgotten: %v", err)
	}
}

// BenchmarkReplays fills a set with 100,000 signatures (the capacity the
// inbox uses) and reports the heap it grew by, per entry and in all.
// b.N counts sets filled.
func BenchmarkReplays(b *testing.B) {
	const n = 100_000
	now := testNow
	sigs := make([]Result, n)
	for i := range sigs {
		sigs[i] = sigAt(i, now)
	}
	var grown uint64
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		s := NewReplays(n)
		for _, r := range sigs {
			if err := s.Add(r, now); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if s.Len() != n {
			b.Fatalf("%d held, want %d", s.Len(), n)
		}
		grown += after.HeapAlloc - before.HeapAlloc
		runtime.KeepAlive(s)
	}
	b.ReportMetric(float64(grown)/float64(b.N)/n, "bytes/entry")
	b.ReportMetric(float64(grown)/float64(b.N)/(1<<20), "MB/100k")
}

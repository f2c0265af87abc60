package httpsig

import (
	"fmt"
	"hash/maphash"
	"sync"
	"time"
)

// ErrReplayed: the signature was accepted before. A sender signs every
// attempt afresh (a new Date makes a new signature), so the same signature
// twice is a recorded request sent again.
var ErrReplayed = fmt.Errorf("%w: signature already used", ErrUnauthorized)

// Replays remembers the signatures a server accepted, each until the end
// of its time window, after which Verify refuses it anyway. A request
// recorded on its way (a proxy's log, a relay) and sent again is then
// refused instead of being applied twice: a Like, its Undo, then the Like
// again would otherwise count again.
//
// It holds at most a fixed number of signatures, about 55 bytes each
// (BenchmarkReplays). When it is full of signatures that are all still
// valid, it forgets the oldest, and from then on refuses every signature
// made no later than the newest one it forgot, since it could no longer
// tell a replay of those apart. Peers whose deliveries are refused that
// way retry later with a fresh signature; only a flood of more valid
// signatures than the capacity within a window causes it.
//
// The zero value is not usable; call [NewReplays].
type Replays struct {
	seed maphash.Seed // random per process: nobody can aim at a collision

	mu       sync.Mutex
	capacity int
	seen     map[uint64]struct{}
	queue    []replayEntry // in the order of acceptance
	head     int           // queue[head:] are live
	peak     int           // the most entries held since the map was made
	floor    int64         // refuse signatures made at or before (Unix s)
	forgot   int64         // valid signatures forgotten to make room
}

type replayEntry struct {
	hash    uint64
	created int64 // Unix seconds
	until   int64 // Unix seconds: after this, Verify refuses it anyway
}

// NewReplays returns an empty set that holds up to capacity signatures.
func NewReplays(capacity int) *Replays {
	return &Replays{seed: maphash.MakeSeed(), capacity: max(capacity, 1), seen: map[uint64]struct{}{}}
}

// Add records the signature res verified at now, or returns an error
// wrapping [ErrReplayed] when it was seen before (or is older than what
// the set still remembers). Call it after Verify succeeded and before
// acting on the request, and [Replays.Forget] when the request then fails
// for another reason, so that the sender's identical retry is not refused.
func (s *Replays) Add(res Result, now time.Time) error {
	h := s.hash(res)
	created := res.Created.Unix()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire(now.Unix())
	if _, ok := s.seen[h]; ok {
		return ErrReplayed
	}
	if created <= s.floor {
		return fmt.Errorf("%w: made before the newest signature forgotten under load", ErrReplayed)
	}
	if s.len() >= s.capacity {
		s.evictOldest(now.Unix())
	}
	s.seen[h] = struct{}{}
	s.queue = append(s.queue, replayEntry{hash: h, created: created, until: res.ValidUntil.Unix()})
	s.peak = max(s.peak, len(s.seen))
	return nil
}

// Forget removes a signature Add recorded, when the request it came with
// was not acted upon after all.
func (s *Replays) Forget(res Result) {
	h := s.hash(res)
	s.mu.Lock()
	defer s.mu.Unlock()
	// The queue entry stays until it expires; a later Add of the same
	// signature adds a second entry, which costs a few bytes, no harm.
	delete(s.seen, h)
}

// Len reports how many signatures the set holds.
func (s *Replays) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.len()
}

// Forgotten reports how many still-valid signatures were dropped to make
// room: when it grows, the capacity is too small for the load.
func (s *Replays) Forgotten() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.forgot
}

func (s *Replays) len() int { return len(s.queue) - s.head }

// hash keys a signature by its key id and value: deterministic signatures
// (RSA PKCS#1 v1.5, Ed25519) repeat only when the same key signs the same
// request at the same second.
func (s *Replays) hash(res Result) uint64 {
	var h maphash.Hash
	h.SetSeed(s.seed)
	h.WriteString(res.KeyID)
	h.WriteByte(0)
	h.Write(res.Signature)
	return h.Sum64()
}

// expire drops the entries at the front whose window has ended. Windows
// mostly end in the order they were accepted; one that ends early behind
// one that ends late is dropped late, which only costs its bytes.
func (s *Replays) expire(now int64) {
	for s.head < len(s.queue) && s.queue[s.head].until < now {
		s.drop()
	}
	s.compact()
}

// evictOldest makes room by forgetting the oldest signature while it is
// still valid, and raises the floor so that a replay of it is refused.
// The floor never passes now: a signature dated in the future (clock skew
// is allowed) must not shut out everyone's present ones for an hour.
func (s *Replays) evictOldest(now int64) {
	e := s.queue[s.head]
	s.floor = max(s.floor, min(e.created, now))
	s.forgot++
	s.drop()
}

func (s *Replays) drop() {
	e := s.queue[s.head]
	delete(s.seen, e.hash)
	s.queue[s.head] = replayEntry{}
	s.head++
}

// compact moves the live entries to the front once the dead ones are the
// larger part, and gives a map that held many entries back to the
// garbage collector once it is empty (Go maps never shrink).
func (s *Replays) compact() {
	if s.head > 1024 && s.head*2 > len(s.queue) {
		n := copy(s.queue, s.queue[s.head:])
		clear(s.queue[n:])
		s.queue = s.queue[:n]
		s.head = 0
	}
	if len(s.seen) == 0 && s.peak > 4096 {
		s.seen = map[uint64]struct{}{}
		s.queue = nil
		s.head = 0
		s.peak = 0
	}
}

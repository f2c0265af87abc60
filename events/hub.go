// Package events is kith's in-process publish/subscribe hub for the
// streaming API: federation publishes what changed (a post, a
// notification, a deletion) after the change is committed, and each open
// stream subscribes to the timelines it shows.
//
// Events carry ids only; subscribers read and render the current rows
// when they send, so the hub holds no entities and no stale copies.
// Publishing never blocks: a subscriber that does not keep up loses
// events, which are counted, as Mastodon's streaming server drops frames
// for a client that stops reading.
//
// A revocation is the one event that is never lost: a subscription opened
// with a credential (SubscribeAs) is told through Revoked when that token
// or session is revoked, so its stream closes at once.
package events

import (
	"encoding/hex"
	"errors"
	"sync"
	"sync/atomic"
)

// Stream names, as the Mastodon streaming API spells them.
const (
	User             = "user"
	UserNotification = "user:notification"
	Public           = "public"
	PublicLocal      = "public:local"
	PublicRemote     = "public:remote"
	Hashtag          = "hashtag"
	HashtagLocal     = "hashtag:local"
	List             = "list"
	Direct           = "direct"
)

// Event kinds, as Mastodon names them on the wire.
const (
	Update         = "update"          // a post joins a timeline
	Notification   = "notification"    // a new notification
	Delete         = "delete"          // a post is gone
	StatusUpdate   = "status.update"   // a post was edited
	FiltersChanged = "filters_changed" // the owner's filters changed
	Conversation   = "conversation"    // a post joined one of the owner's conversations
	// Revoked ends the subscriptions opened with Event.Credential. It is
	// kith's own and never sent to a client.
	Revoked = "revoked"
)

// TokenCredential names an access token for SubscribeAs and Revoked
// events, by its stored hash.
func TokenCredential(hash []byte) string { return "token:" + hex.EncodeToString(hash) }

// SessionCredential names a browser session for SubscribeAs and Revoked
// events, by its stored hash.
func SessionCredential(hash []byte) string { return "session:" + hex.EncodeToString(hash) }

// Streams lists every stream name a subscriber may ask for.
var Streams = []string{User, UserNotification, Public, PublicLocal, PublicRemote, Hashtag, HashtagLocal, List, Direct}

// Filter names one stream: a stream name, with the hashtag (lower case,
// no '#') for hashtag streams and the list id for list streams.
type Filter struct {
	Stream string
	Tag    string
	ListID int64
}

// Event is one change on one stream. An Event published with an empty
// Stream is a broadcast: every subscription receives it, on each of its
// streams (deletions go everywhere, as a client drops an id it does not
// show).
type Event struct {
	Stream         string
	Tag            string
	ListID         int64
	Kind           string
	PostID         int64
	NotificationID int64
	ConversationID int64
	// Credential is the revoked token or session of a Revoked event
	// (TokenCredential, SessionCredential).
	Credential string
	// Seq numbers each Publish call, so subscribers receiving the same
	// event can share the work of rendering it.
	Seq uint64
}

// Filter is the stream the event is on.
func (e Event) Filter() Filter { return Filter{Stream: e.Stream, Tag: e.Tag, ListID: e.ListID} }

// Limits keep the hub's memory bounded whatever clients do.
const (
	// DefaultBuffer is how many events wait for a slow subscriber before
	// newer ones are dropped.
	DefaultBuffer = 64
	// MaxSubscriptions bounds open subscriptions. One person's apps need a
	// handful; the bound is high enough for a thousand open streams (about
	// 4 KiB each at the default buffer) and low enough to cap memory.
	MaxSubscriptions = 2048
	// MaxFilters bounds the streams of one subscription.
	MaxFilters = 64
)

// ErrFull is returned when the hub or a subscription has reached its
// limit.
var ErrFull = errors.New("events: too many subscriptions")

// Hub routes events to subscriptions. The zero value is not usable; use
// NewHub.
type Hub struct {
	buffer  int
	mu      sync.RWMutex
	subs    map[*Subscription]struct{}
	dropped atomic.Uint64
	sent    atomic.Uint64
	seq     atomic.Uint64
}

// NewHub makes a hub whose subscriptions buffer buffer events each
// (DefaultBuffer when buffer <= 0).
func NewHub(buffer int) *Hub {
	if buffer <= 0 {
		buffer = DefaultBuffer
	}
	return &Hub{buffer: buffer, subs: map[*Subscription]struct{}{}}
}

// Subscription is one subscriber: a channel of events and the streams it
// wants, which may change while it is open (a WebSocket client subscribes
// and unsubscribes on one connection).
type Subscription struct {
	hub        *Hub
	ch         chan Event
	filters    map[Filter]struct{} // guarded by hub.mu
	credential string
	revoked    chan struct{}
	revokeOnce sync.Once
}

// Subscribe opens a subscription to the given streams (possibly none, to
// add later). Cancel it when done.
func (h *Hub) Subscribe(filters ...Filter) (*Subscription, error) {
	return h.SubscribeAs("", filters...)
}

// SubscribeAs is Subscribe for a stream opened with a credential
// (TokenCredential, SessionCredential): a Revoked event for it closes
// the subscription's Revoked channel.
func (h *Hub) SubscribeAs(credential string, filters ...Filter) (*Subscription, error) {
	if len(filters) > MaxFilters {
		return nil, ErrFull
	}
	s := &Subscription{hub: h, ch: make(chan Event, h.buffer), filters: map[Filter]struct{}{},
		credential: credential, revoked: make(chan struct{})}
	for _, f := range filters {
		s.filters[f] = struct{}{}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.subs) >= MaxSubscriptions {
		return nil, ErrFull
	}
	h.subs[s] = struct{}{}
	return s, nil
}

// Events is the channel events arrive on. Each event's Stream, Tag and
// ListID name the subscribed stream it matched. It is never closed: stop
// reading after Cancel.
func (s *Subscription) Events() <-chan Event { return s.ch }

// Revoked is closed when the subscription's credential is revoked: the
// stream must end.
func (s *Subscription) Revoked() <-chan struct{} { return s.revoked }

// Add subscribes to one more stream.
func (s *Subscription) Add(f Filter) error {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	if _, ok := s.filters[f]; !ok && len(s.filters) >= MaxFilters {
		return ErrFull
	}
	s.filters[f] = struct{}{}
	return nil
}

// Remove unsubscribes from a stream.
func (s *Subscription) Remove(f Filter) {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	delete(s.filters, f)
}

// Has reports whether the subscription is on a stream.
func (s *Subscription) Has(f Filter) bool {
	s.hub.mu.RLock()
	defer s.hub.mu.RUnlock()
	_, ok := s.filters[f]
	return ok
}

// Cancel ends the subscription. It is safe to call more than once.
func (s *Subscription) Cancel() {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	delete(s.hub.subs, s)
}

// Publish hands an event to every subscription on its stream (every
// subscription, for a broadcast) without waiting: a subscription whose
// buffer is full misses it, and Dropped counts that. A Revoked event
// instead closes the Revoked channel of the subscriptions opened with its
// credential, which nothing can miss.
func (h *Hub) Publish(e Event) {
	e.Seq = h.seq.Add(1)
	h.mu.RLock()
	defer h.mu.RUnlock()
	if e.Kind == Revoked {
		for s := range h.subs {
			if e.Credential != "" && s.credential == e.Credential {
				s.revokeOnce.Do(func() { close(s.revoked) })
			}
		}
		return
	}
	for s := range h.subs {
		if e.Stream != "" {
			if _, ok := s.filters[e.Filter()]; ok {
				h.offer(s, e)
			}
			continue
		}
		for f := range s.filters {
			e.Stream, e.Tag, e.ListID = f.Stream, f.Tag, f.ListID
			h.offer(s, e)
		}
	}
}

func (h *Hub) offer(s *Subscription, e Event) {
	select {
	case s.ch <- e:
		h.sent.Add(1)
	default:
		h.dropped.Add(1)
	}
}

// Listening reports whether any subscription is on a stream, so a
// publisher can skip the work of deciding whether an event belongs there.
func (h *Hub) Listening(f Filter) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for s := range h.subs {
		if _, ok := s.filters[f]; ok {
			return true
		}
	}
	return false
}

// Idle reports whether nobody is subscribed at all.
func (h *Hub) Idle() bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.subs) == 0
}

// Stats are the hub's counters since it was made.
type Stats struct {
	Subscriptions int
	Sent          uint64 // events handed to a subscription
	Dropped       uint64 // events a full subscription missed
}

// Stats returns the hub's counters.
func (h *Hub) Stats() Stats {
	h.mu.RLock()
	n := len(h.subs)
	h.mu.RUnlock()
	return Stats{Subscriptions: n, Sent: h.sent.Load(), Dropped: h.dropped.Load()}
}

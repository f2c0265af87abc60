// Package federation speaks ActivityPub for kith: it receives activities
// (verify, persist, then handle from the job queue), publishes the owner's
// actions (one transaction: the local rows, the activity, one delivery job
// per inbox), delivers them, publishes scheduled posts when their time
// comes, and fetches remote actors and objects.
//
// It never imports the server: the web UI and the client API call the
// owner actions in actions*.go and never build ActivityPub themselves.
package federation

import (
	"context"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"kith/events"
	"kith/federation/httpsig"
	"kith/federation/transport"
	"kith/federation/webpush"
	"kith/jobs"
	"kith/store"
)

// Sentinel errors the server maps to status codes.
var (
	// ErrUnauthorized: a request's signature could not be verified (401).
	ErrUnauthorized = errors.New("unauthorized")
	// ErrBadRequest: an activity or document that cannot be understood
	// (400).
	ErrBadRequest = errors.New("bad request")
	// ErrInvalid: an owner's action that cannot be carried out as asked,
	// with a message written for the owner: "invalid: the post is empty"
	// (422).
	ErrInvalid = errors.New("invalid")
	// ErrForbidden: an activity from a blocked actor or domain, or one an
	// actor may not send (403 or silently dropped, as the caller chooses).
	ErrForbidden = errors.New("forbidden")
	// ErrNotFound: a handle or URL that resolves to nothing.
	ErrNotFound = errors.New("not found")
)

// Reason is err's message for the owner without its sentinel's prefix:
// "invalid: the post is empty" is "the post is empty".
func Reason(err error) string {
	msg := err.Error()
	for _, sentinel := range []error{ErrInvalid, ErrBadRequest, ErrForbidden, ErrNotFound, ErrUnauthorized} {
		msg = strings.TrimPrefix(msg, sentinel.Error()+": ")
	}
	return msg
}

// Options configure federation.
type Options struct {
	BaseURL      string // server.url
	Username     string // owner.username
	Version      string // kith's version, for NodeInfo and User-Agent
	AllowPrivate bool   // federation.allow_private_addresses
	Hosts        map[string]string
	// Refuse lists addresses refused even with AllowPrivate (tests stand
	// a loopback address in for a private network with it).
	Refuse         []netip.Prefix
	BlockedDomains []string // federation.blocked_domains
	Now            func() time.Time
	// Events, when set, hears of posts, edits, deletions and
	// notifications after they are committed, for the streaming API.
	Events *events.Hub
	// MediaPublicURL, when set, is where anyone reads the owner's media
	// files ([media.s3] public_url with its prefix): documents then link
	// a file there, name appended, rather than at BaseURL/media/ (which
	// redirects there too).
	MediaPublicURL string
	// Applied, when set, hears of each received activity applied as it
	// was received (the queue's own runs are counted by its Done hook).
	Applied func()
}

// Federation is kith's ActivityPub side.
type Federation struct {
	db      *store.DB
	jobs    *jobs.Runner
	client  *transport.Client
	logger  *slog.Logger
	urls    URLs
	opts    Options
	now     func() time.Time
	hostsMu sync.Mutex
	hosts   map[string]*hostLimit // per-host delivery concurrency
	moves   map[string]time.Time  // last Move per origin, guarded by hostsMu
	crawls  crawlTimes            // threads crawled lately (replies_crawl.go)

	ownerKey    atomic.Pointer[rsa.PrivateKey] // swapped by RotateKeys and ownerKeyNow
	keyChecked  atomic.Int64                   // when ownerKeyNow last read the key, Unix ms
	instanceKey *rsa.PrivateKey
	// vapid signs Web Push requests; pushKey seals the access tokens
	// pushes carry (push.go).
	vapid   *webpush.VAPID
	pushKey []byte

	fetches fetchGroup // one fetch per URL at a time
	// schemes remembers which signature scheme each host accepted.
	schemes sigSchemes

	// blocked is every blocked domain (config and owner), lower case,
	// read on every inbound request and delivery; reloadBlocks swaps it.
	blocked atomic.Pointer[[]string]
	keys    keyCache
	// proofKeys holds the Ed25519 keys of actors' assertionMethod, by id.
	proofKeys proofKeyCache
	// proofKey signs the integrity proofs of the owner's public activities.
	proofKey ed25519.PrivateKey
	inbox    inboxBatcher
	// applying bounds how many received activities are applied at once:
	// their writes queue for SQLite's one writer anyway, and a burst of
	// them must leave CPU for answering inbox requests.
	applying chan struct{}
	known    *knownActors
	// replays holds the signatures of accepted deliveries while they are
	// valid, so a recorded delivery sent again is refused.
	replays *httpsig.Replays
	// skew measures this server's clock against its senders' Dates.
	skew clockSkew
	// cardsOff stops fetching link previews (SetPreviewCards).
	cardsOff atomic.Bool
	// scheme and ownHost are server.url's, the host normalised for
	// isOwnHost.
	scheme, ownHost string
}

// New builds the federation side, registers its job handlers on runner,
// and makes sure the owner's actor row and the instance key exist.
func New(ctx context.Context, db *store.DB, runner *jobs.Runner, logger *slog.Logger, opts Options) (*Federation, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	f := &Federation{
		db:     db,
		jobs:   runner,
		logger: logger,
		urls:   NewURLs(opts.BaseURL, opts.Username),
		opts:   opts,
		now:    opts.Now,
		hosts:  map[string]*hostLimit{},
		client: transport.New(transport.Options{
			AllowPrivate: opts.AllowPrivate,
			Hosts:        opts.Hosts,
			Refuse:       opts.Refuse,
			UserAgent:    fmt.Sprintf("kith/%s (+%s)", opts.Version, strings.TrimRight(opts.BaseURL, "/")),
			Logger:       logger,
		}),
	}
	f.fetches.m = map[string]*fetchCall{}
	f.keys.m = map[string]cachedKey{}
	f.proofKeys.m = map[string]proofKey{}
	f.inbox.f = f
	f.known = newKnownActors(db, logger)
	f.applying = make(chan struct{}, maxApplying)
	f.replays = httpsig.NewReplays(maxReplays)
	if u, err := url.Parse(f.urls.Base()); err == nil {
		f.scheme, f.ownHost = u.Scheme, httpsig.NormalAuthority(u.Host, u.Scheme)
	}
	if err := f.loadKeys(ctx); err != nil {
		return nil, err
	}
	if err := f.loadProofKey(ctx); err != nil {
		return nil, err
	}
	if err := f.loadVAPID(ctx); err != nil {
		return nil, err
	}
	if err := f.syncLocalActor(ctx); err != nil {
		return nil, err
	}
	if err := f.reloadBlocks(ctx); err != nil {
		return nil, err
	}
	// Domains blocked in the config file lose their follows too, as if
	// the owner had blocked them.
	if len(opts.BlockedDomains) > 0 {
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.SeverDomainFollows(ctx, opts.BlockedDomains...) }); err != nil {
			return nil, err
		}
	}
	f.registerJobs()
	return f, nil
}

// maxApplying is how many received activities are applied at once.
const maxApplying = 2

// URLs returns the URL shapes of this instance.
func (f *Federation) URLs() URLs { return f.urls }

func (f *Federation) loadKeys(ctx context.Context) error {
	owner, err := f.db.Owner(ctx)
	if err != nil {
		return fmt.Errorf("federation: %w", err)
	}
	ownerKey, err := parsePrivateKey(owner.PrivateKeyPEM)
	if err != nil {
		return fmt.Errorf("owner key: %w", err)
	}
	f.ownerKey.Store(ownerKey)
	pemText, err := f.db.Setting(ctx, "instance_private_key")
	if errors.Is(err, store.ErrNotFound) {
		// The instance actor's key is made on first start, once.
		pemText, err = generateKeyPEM()
		if err == nil {
			err = f.db.InTx(ctx, func(tx *store.Tx) error { return tx.SetSetting(ctx, "instance_private_key", pemText) })
		}
	}
	if err != nil {
		return fmt.Errorf("instance key: %w", err)
	}
	f.instanceKey, err = parsePrivateKey(pemText)
	return err
}

func parsePrivateKey(pemText string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		if k, err1 := x509.ParsePKCS1PrivateKey(block.Bytes); err1 == nil {
			return k, nil
		}
		return nil, err
	}
	rk, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("key is %T, want RSA", key)
	}
	return rk, nil
}

func generateKeyPEM() (string, error) {
	key, err := rsa.GenerateKey(randReader, 2048)
	if err != nil {
		return "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

func publicKeyPEM(key *rsa.PrivateKey) string {
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// syncLocalActor writes the owner's actors row from the owner account and
// the URL shapes, so posts and follows can refer to it like to any actor;
// writing it tells the store its id (store.DB.OwnerID), which the store
// otherwise read from the row when it opened.
func (f *Federation) syncLocalActor(ctx context.Context) error {
	owner, err := f.db.Owner(ctx)
	if err != nil {
		return err
	}
	existing, err := f.db.LocalActor(ctx)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	a := existing
	a.URI, a.Local, a.Type = f.urls.Actor(), true, "Person"
	a.Username, a.Domain = owner.Username, f.urls.Host()
	if a.DisplayName == "" {
		a.DisplayName = owner.DisplayName
	}
	a.URL, a.Inbox, a.SharedInbox = f.urls.Profile(), f.urls.Inbox(), f.urls.SharedInbox()
	a.Outbox, a.Followers, a.Following, a.Featured = f.urls.Outbox(), f.urls.Followers(), f.urls.Following(), f.urls.Featured()
	a.KeyID, a.PublicKeyPEM = f.urls.Key(), owner.PublicKeyPEM
	if a.PublishedAt.IsZero() {
		a.PublishedAt = owner.CreatedAt
	}
	// A start that changes nothing writes nothing: the date the row was
	// written is not read for the local actor.
	if err == nil && reflect.DeepEqual(a, existing) {
		return nil
	}
	a.FetchedAt = f.now()
	return f.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.UpsertActor(ctx, a)
		return err
	})
}

// blockedDomain reports whether host (or a parent domain) is blocked by
// the config or by the owner.
func (f *Federation) blockedDomain(_ context.Context, host string) bool {
	host = strings.ToLower(hostOnly(host))
	if host == "" {
		return false
	}
	for _, d := range *f.blocked.Load() {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// reloadBlocks reads the owner's domain blocks and joins them with the
// config's.
func (f *Federation) reloadBlocks(ctx context.Context) error {
	owner, err := f.db.DomainBlocks(ctx)
	if err != nil {
		return err
	}
	var all []string
	for _, d := range append(append([]string{}, f.opts.BlockedDomains...), owner...) {
		all = append(all, strings.ToLower(d))
	}
	f.blocked.Store(&all)
	return nil
}

// hostOnly drops a port from host:port.
func hostOnly(host string) string {
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		return host[:i]
	}
	return host
}

// registerJobs lists the background work federation does.
func (f *Federation) registerJobs() {
	f.jobs.Handle(jobDeliver, f.runDelivery)
	f.jobs.Handle(jobInbox, f.runInbox, jobs.WithBackoff(inboxBackoff...), jobs.WithBatch(maxApplyBatch, applyBatchWait, f.runInboxBatch))
	f.jobs.Handle(jobFetch, f.runFetchThread, jobs.WithBackoff(fetchBackoff...))
	f.jobs.Handle(jobFollowersSync, f.runFollowersSync, jobs.WithBackoff(fetchBackoff...))
	f.jobs.Handle(jobClosePolls, f.runClosePolls)
	f.jobs.Every(jobClosePolls, pollCloseInterval)
	f.jobs.Handle(jobReload, f.runReload)
	f.jobs.Every(jobReload, reloadInterval)
	// A crawl makes up to threadCrawl.requests fetches, one at a time.
	f.jobs.Handle(jobCrawl, f.runRepliesCrawl, jobs.WithBackoff(fetchBackoff...), jobs.WithTimeout(10*time.Minute))
	// A notification's push job sends to every subscription, up to
	// pushConcurrency at a time: it has longer than one push.
	f.jobs.Handle(jobPush, f.runPush, jobs.WithBackoff(pushBackoff...), jobs.WithTimeout(2*time.Minute))
	f.jobs.Handle(jobPushRetry, f.runPush, jobs.WithBackoff(pushBackoff[1:]...), jobs.WithTimeout(30*time.Second))
	f.jobs.Handle(jobScheduled, f.runScheduled)
	f.jobs.Every(jobScheduled, scheduledInterval)
	f.jobs.Handle(jobFetchCard, f.runFetchCard, jobs.WithBackoff(cardBackoff...), jobs.WithTimeout(3*cardTimeout))
	f.jobs.Handle(jobPruneCards, f.runPruneCards)
	f.jobs.Every(jobPruneCards, 24*time.Hour)
}

package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"kith/federation/ap"
	"kith/store"
)

// jobCrawl walks a thread down from one post through the replies
// collections of its servers.
const jobCrawl = "fetch.replies"

// crawlLimits bound one walk down a thread. Every number holds whatever
// the other servers send: a page whose next leads back to itself, a page of
// 10,000 items, a tree as deep as it likes.
type crawlLimits struct {
	depth    int // reply levels below the starting post
	replies  int // new posts stored
	requests int // documents fetched, all told
	pages    int // documents read of one collection: itself and its pages
	items    int // items read of one page
}

// threadCrawl bounds the background crawl of a whole thread: 16 levels,
// 300 new replies, 600 requests, 10 pages of one collection, 100 items of
// one page.
//
// Note: Mastodon's FetchAllRepliesWorker stops at 1,000 replies a crawl
// and 500 of one post; kith runs on a smaller machine.
var threadCrawl = crawlLimits{depth: 16, replies: 300, requests: 600, pages: 10, items: 100}

// openCrawl bounds what FetchReplies does while the owner waits for a
// thread to open: the opened post's direct replies, from the first pages
// of its collection. Five pages reach past Mastodon's shape of a
// collection, its embedded first page of self-replies, the rest of them
// and the first page of everyone else's.
var openCrawl = crawlLimits{depth: 1, replies: maxRepliesFetched, requests: maxRepliesFetched + 5, pages: 5, items: maxRepliesFetched}

// crawlCooldown is how long a crawled thread is left alone: opening it
// again meanwhile shows what the last crawl found.
//
// Note: Mastodon waits 15 minutes (FETCH_REPLIES_COOLDOWN_MINUTES).
const crawlCooldown = 15 * time.Minute

// maxCrawlsRemembered bounds the memory of recent crawls; past it, the
// ones older than crawlCooldown are forgotten.
const maxCrawlsRemembered = 1000

// crawlTimes remembers when threads were last queued for a crawl.
type crawlTimes struct {
	mu sync.Mutex
	m  map[string]time.Time
}

// due reports whether uri may be crawled at now, and if so records it.
func (c *crawlTimes) due(uri string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if last, ok := c.m[uri]; ok && now.Sub(last) < crawlCooldown {
		return false
	}
	if c.m == nil {
		c.m = map[string]time.Time{}
	}
	if len(c.m) >= maxCrawlsRemembered {
		for k, t := range c.m {
			if now.Sub(t) >= crawlCooldown {
				delete(c.m, k)
			}
		}
	}
	if len(c.m) < maxCrawlsRemembered {
		c.m[uri] = now
	}
	return true
}

type crawlJob struct {
	URI string `json:"uri"`
}

// enqueueRepliesCrawl asks the queue to crawl the thread below uri, unless
// it was crawled within crawlCooldown. It is best effort: failing to
// enqueue is logged, not returned.
func (f *Federation) enqueueRepliesCrawl(ctx context.Context, uri string) {
	if uri == "" || !f.crawls.due(uri, f.now()) {
		return
	}
	payload, _ := json.Marshal(crawlJob{URI: uri})
	err := f.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.EnqueueJob(ctx, jobCrawl, payload, store.EnqueueOptions{UniqueKey: "replies:" + uri})
		return err
	})
	if err != nil {
		f.logger.Warn("enqueue replies crawl failed", "uri", uri, "err", err)
		return
	}
	f.jobs.Poke()
}

// runRepliesCrawl crawls one thread within threadCrawl.
func (f *Federation) runRepliesCrawl(ctx context.Context, job store.Job) error {
	var j crawlJob
	if err := json.Unmarshal(job.Payload, &j); err != nil {
		return nil
	}
	stored, err := f.crawlReplies(ctx, j.URI, threadCrawl)
	f.logger.Debug("replies crawled", "uri", j.URI, "stored", stored, "err", err)
	return f.retryable(err)
}

// crawler is one walk down a thread, breadth first, so that the nearest
// replies are fetched before the budget runs out.
type crawler struct {
	f        *Federation
	lim      crawlLimits
	requests int
	stored   int
	seen     map[string]bool // posts met
	queue    []crawlNode
}

// crawlNode is a post whose replies are still to be read.
type crawlNode struct {
	uri   string
	depth int
	// replies is the post's replies collection when its document is in
	// hand (known); otherwise the document is fetched first.
	replies ap.Ref
	known   bool
}

// crawlReplies walks the thread below the post uri and stores the replies
// kith lacks, within lim. It returns how many it stored; the error is the
// starting post's, since the rest of a thread is best effort.
func (f *Federation) crawlReplies(ctx context.Context, uri string, lim crawlLimits) (int, error) {
	c := &crawler{f: f, lim: lim, seen: map[string]bool{uri: true}}
	if err := c.visit(ctx, crawlNode{uri: uri}); err != nil {
		return 0, err
	}
	for len(c.queue) > 0 && c.requests < lim.requests && c.stored < lim.replies && ctx.Err() == nil {
		n := c.queue[0]
		c.queue = c.queue[1:]
		if err := c.visit(ctx, n); err != nil {
			f.logger.Debug("replies crawl: skipped a post", "uri", n.uri, "err", err)
		}
	}
	return c.stored, ctx.Err()
}

// spend counts one request, or reports that none is left.
func (c *crawler) spend() bool {
	if c.requests >= c.lim.requests {
		return false
	}
	c.requests++
	return true
}

// visit reads the replies of one post: from the store for a local post
// (kith is its server), else from the post's replies collection.
func (c *crawler) visit(ctx context.Context, n crawlNode) error {
	f := c.f
	if f.urls.IsLocal(n.uri) {
		replies, err := f.db.Replies(ctx, n.uri, c.lim.pages*c.lim.items)
		if err != nil {
			return err
		}
		for _, r := range replies {
			c.child(ctx, n, ap.Ref{ID: r.URI})
		}
		return nil
	}
	if !n.known {
		if !c.spend() {
			return nil
		}
		obj, err := f.fetchObject(ctx, n.uri)
		if err != nil {
			return err
		}
		n.replies = obj.Replies
	}
	return c.walk(ctx, n)
}

// walk reads the pages of a remote post's replies collection, in any shape
// servers send: an embedded Collection with an embedded first page
// (Mastodon), a link to a collection whose first page is a link
// (GoToSocial), a collection with its items inline, ordered or not.
// Collections and pages must be served by the post's own server.
func (c *crawler) walk(ctx context.Context, n crawlNode) error {
	ref := n.replies
	if ref.ID == "" && !ref.IsEmbedded() {
		return nil // no replies collection
	}
	if ref.ID != "" && !ap.SameOrigin(ref.ID, n.uri) {
		return fmt.Errorf("%w: replies collection %s is not on the post's server", ErrForbidden, ref.ID)
	}
	page, err := c.document(ctx, n.uri, ref)
	if err != nil || page == nil {
		return err
	}
	read := map[string]bool{ref.ID: true}
	for pages := 1; ; pages++ {
		read[page.ID] = true // an embedded page may name itself as next
		for i, item := range page.Entries() {
			if i >= c.lim.items {
				break
			}
			c.child(ctx, n, item)
		}
		next := ap.Ref{ID: string(page.Next)}
		if !page.IsPage() {
			// A collection: its items (if any) were read, its first page
			// comes next.
			next = page.First
		}
		if pages >= c.lim.pages || (next.ID == "" && !next.IsEmbedded()) || (next.ID != "" && read[next.ID]) {
			return nil
		}
		if next.ID != "" && !ap.SameOrigin(next.ID, n.uri) {
			return fmt.Errorf("%w: replies page %s is not on the post's server", ErrForbidden, next.ID)
		}
		read[next.ID] = true
		if page, err = c.document(ctx, n.uri, next); err != nil || page == nil {
			return err
		}
	}
}

// document reads a collection or page: the embedded copy, or the document
// fetched from its id, which must be where it was fetched from.
func (c *crawler) document(ctx context.Context, postURI string, ref ap.Ref) (*ap.Collection, error) {
	if ref.IsEmbedded() {
		coll, err := ap.ParseCollectionPage(ref.Raw)
		if err != nil {
			return nil, fmt.Errorf("%w: replies of %s: %v", ErrBadRequest, postURI, err)
		}
		return coll, nil
	}
	if !c.spend() {
		return nil, nil
	}
	body, err := c.f.fetchAP(ctx, ref.ID)
	if err != nil {
		return nil, err
	}
	coll, err := ap.ParseCollection(body)
	if err != nil {
		return nil, fmt.Errorf("%w: replies of %s: %v", ErrBadRequest, postURI, err)
	}
	if !ap.SameOrigin(coll.ID, ref.ID) {
		return nil, fmt.Errorf("%w: %s answered with %s", ErrForbidden, ref.ID, coll.ID)
	}
	return coll, nil
}

// child takes one item of parent's replies: it must be a post that
// answers parent, as its own server serves it. An embedded copy is trusted
// only from the parent's server; anything else is fetched from its id. A
// new reply is stored; either way its own replies are queued.
func (c *crawler) child(ctx context.Context, parent crawlNode, item ap.Ref) {
	f := c.f
	id := ap.HTTPURL(item.ID)
	if id == "" || c.seen[id] || c.stored >= c.lim.replies {
		return
	}
	c.seen[id] = true
	next := crawlNode{uri: id, depth: parent.depth + 1}
	if f.urls.IsLocal(id) {
		if p, err := f.db.PostByURI(ctx, id); err == nil && p.InReplyToURI == parent.uri {
			c.enqueue(next)
		}
		return
	}
	var obj *ap.Object
	var err error
	if item.IsEmbedded() && ap.SameOrigin(id, parent.uri) {
		if obj, err = item.Object(); err == nil && (!ap.SameOrigin(obj.ID, id) || !obj.AuthorHostMatches()) {
			err = fmt.Errorf("%w: embedded reply %s is not its author's", ErrForbidden, id)
		}
	} else if c.spend() {
		obj, err = f.fetchObject(ctx, id)
	} else {
		return
	}
	if err != nil || !postTypes[obj.Type] || string(obj.InReplyTo) != parent.uri {
		// Note: a collection may list posts of other servers that do not
		// answer this one; they are not stored as replies.
		return
	}
	if err := c.store(ctx, obj); err != nil {
		f.logger.Debug("replies crawl: reply not stored", "uri", id, "err", err)
		return
	}
	next.replies, next.known = obj.Replies, true
	c.enqueue(next)
}

// enqueue queues a post for its replies unless it is too deep.
func (c *crawler) enqueue(n crawlNode) {
	if n.depth < c.lim.depth {
		c.queue = append(c.queue, n)
	}
}

// store saves a reply kith lacks, unless its author is blocked. Replies
// found by a crawl are context, not news: they are not streamed.
func (c *crawler) store(ctx context.Context, obj *ap.Object) error {
	f := c.f
	if _, err := f.db.PostByURI(ctx, obj.ID); err == nil {
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	author, err := f.FetchActor(ctx, obj.Author())
	if err != nil {
		return err
	}
	if blocked, err := f.db.Blocked(ctx, f.db.OwnerID(), author.ID); err != nil || blocked {
		return fmt.Errorf("%w: author %s is blocked", ErrForbidden, author.URI)
	}
	if _, err := f.storeRemotePost(ctx, author, obj, maxAncestors); err != nil {
		return err
	}
	c.stored++
	return nil
}

// crawlIfRepliesInline queues a crawl below a post that has just arrived
// when its replies collection, as sent, lists replies inline: then it has
// replies, found without a request. A collection sent only as a link is
// not fetched for every arriving post; most have no replies yet.
//
// Note: Mastodon embeds its author's first self-replies in the Note, so a
// thread of self-replies shows whole.
func (f *Federation) crawlIfRepliesInline(ctx context.Context, obj *ap.Object) {
	ref := obj.Replies
	if ref.IsEmbedded() && listsItems(ref.Raw) && (ref.ID == "" || ap.SameOrigin(ref.ID, obj.ID)) {
		f.enqueueRepliesCrawl(ctx, obj.ID)
	}
}

// listsItems reports whether a replies collection as sent (raw JSON)
// lists any item, in items or orderedItems, its own or its embedded first
// page's. Every arriving post asks, so it scans bytes instead of decoding:
// a key spelled with escapes is missed (no crawl), an items list nested
// elsewhere counts (one bounded crawl). A quoted key cannot match inside a
// string value, where its quotes would be escaped.
func listsItems(raw []byte) bool {
	for _, key := range [][]byte{[]byte(`"items"`), []byte(`"orderedItems"`)} {
		rest := raw
		for {
			i := bytes.Index(rest, key)
			if i < 0 {
				break
			}
			rest = rest[i+len(key):]
			v := bytes.TrimLeft(rest, " \t\r\n")
			if len(v) == 0 || v[0] != ':' {
				continue // a value, not a key
			}
			v = bytes.TrimLeft(v[1:], " \t\r\n")
			switch {
			case len(v) == 0, v[0] == 'n': // null
			case v[0] == '[':
				if w := bytes.TrimLeft(v[1:], " \t\r\n"); len(w) > 0 && w[0] != ']' {
					return true
				}
			default:
				return true // a single item
			}
		}
	}
	return false
}

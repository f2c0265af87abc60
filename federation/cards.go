package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/html"

	"kith/federation/ap"
	"kith/federation/card"
	"kith/federation/transport"
	"kith/media"
	"kith/store"
)

// Link preview cards: the first link of a post (the owner's, or a remote
// one stored for the owner) is fetched by a job, off the request path,
// through the guarded client; its card is kept per URL and shared by
// every post that links the page.

const (
	jobFetchCard  = "card.fetch"
	jobPruneCards = "cards.prune"
)

const (
	// cardPageBytes is how much of a page is read: its head is all a
	// card needs, and pages of many megabytes exist.
	cardPageBytes = 1 << 20
	// cardOEmbedBytes bounds an oEmbed document.
	cardOEmbedBytes = 64 << 10
	// cardTimeout bounds each of a card's requests.
	cardTimeout = 10 * time.Second
	// cardRefresh is how long a stored card is used before a new post
	// linking the page fetches it again.
	cardRefresh = 7 * 24 * time.Hour
)

// cardBackoff retries a page that failed to load a few times, then gives
// up: a card is not worth days of retries.
var cardBackoff = []time.Duration{time.Minute, 10 * time.Minute, time.Hour}

type cardJob struct {
	PostID int64  `json:"post_id"`
	URL    string `json:"url"`
}

// SetPreviewCards turns fetching of link previews on or off
// (web.preview_cards, applied again on reload). Cards already fetched
// are still shown.
func (f *Federation) SetPreviewCards(on bool) { f.cardsOff.Store(!on) }

// PreviewCardsOn reports whether link previews are fetched.
func (f *Federation) PreviewCardsOn() bool { return !f.cardsOff.Load() }

// enqueueCard asks for the card of p's first link inside the transaction
// that stores or edits p. A post whose text changed loses its old card.
func (f *Federation) enqueueCard(ctx context.Context, tx *store.Tx, p store.Post, edited bool) error {
	if edited {
		if err := tx.ClearPostCard(ctx, p.ID); err != nil {
			return err
		}
	}
	var quoted string
	if p.Quote != nil {
		if q, err := tx.PostByURI(ctx, p.Quote.QuotedURI); err == nil {
			quoted = q.URL
		}
	}
	link := f.cardLink(p, quoted)
	if link == "" || f.cardsOff.Load() {
		return nil
	}
	payload, _ := json.Marshal(cardJob{PostID: p.ID, URL: link})
	_, err := tx.EnqueueJob(ctx, jobFetchCard, payload,
		store.EnqueueOptions{UniqueKey: "card:" + strconv.FormatInt(p.ID, 10) + ":" + link})
	return err
}

// cardLink is the link of p a card is made for: the first one in its
// content that is not a mention, a hashtag, one of its attachments, the
// post it quotes (whose page is quotedURL, when stored) or a page of this
// server, or "" when there is none.
//
// Note: Mastodon skips links marked as mentions or hashtags (rel="tag",
// classes mention, hashtag, u-url, h-card), links whose text starts with
// # or @, and its own URLs; and it makes no card for a remote post behind
// a content warning (the card would show what the warning hides).
func (f *Federation) cardLink(p store.Post, quotedURL string) string {
	if p.ReblogOfID != 0 || (!p.Local && p.Summary != "") || !strings.Contains(p.Content, "<a") {
		return ""
	}
	skip := map[string]bool{}
	for _, m := range p.Mentions {
		skip[m.ActorURI] = true
	}
	for _, a := range p.Attachments {
		skip[a.URL] = true
	}
	if p.Quote != nil {
		// Note: Mastodon's quote posts carry a "RE: URL" fallback link.
		skip[p.Quote.QuotedURI], skip[quotedURL] = true, quotedURL != ""
	}
	z := html.NewTokenizer(strings.NewReader(p.Content))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken:
			name, hasAttr := z.TagName()
			if string(name) != "a" || !hasAttr {
				continue
			}
			href, ok := linkHref(z)
			if !ok {
				continue
			}
			if z.Next() == html.TextToken {
				if t := strings.TrimSpace(string(z.Text())); strings.HasPrefix(t, "#") || strings.HasPrefix(t, "@") {
					continue
				}
			}
			if u := ap.HTTPURL(href); u != "" && !skip[u] && !f.urls.IsLocal(u) && !f.reservedHost(u) {
				return u
			}
		}
	}
}

// linkHref reads an <a>'s href, and ok false for a mention or hashtag.
func linkHref(z *html.Tokenizer) (href string, ok bool) {
	for {
		k, v, more := z.TagAttr()
		switch string(k) {
		case "href":
			href = string(v)
		case "rel":
			for _, r := range strings.Fields(string(v)) {
				if strings.EqualFold(r, "tag") {
					return "", false
				}
			}
		case "class":
			for _, c := range strings.Fields(string(v)) {
				switch c {
				case "mention", "hashtag", "u-url", "h-card":
					return "", false
				}
			}
		}
		if !more {
			return href, href != ""
		}
	}
}

// runFetchCard makes the card of one post's link: from the stored card of
// the URL when it is fresh, else by fetching the page.
func (f *Federation) runFetchCard(ctx context.Context, job store.Job) error {
	var j cardJob
	if err := json.Unmarshal(job.Payload, &j); err != nil || f.cardsOff.Load() {
		return nil
	}
	p, err := f.db.PostByID(ctx, j.PostID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	var quoted string
	if p.Quote != nil {
		if q, err := f.db.PostByURI(ctx, p.Quote.QuotedURI); err == nil {
			quoted = q.URL
		}
	}
	if f.cardLink(p, quoted) != j.URL {
		return nil // edited since: its new link has its own job
	}
	stored, err := f.db.CardByURL(ctx, j.URL)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err == nil && f.now().Sub(stored.FetchedAt) < cardRefresh {
		return f.attachCard(ctx, p.ID, stored)
	}
	c, fetchErr := f.fetchCard(ctx, j.URL)
	if fetchErr != nil && !errors.Is(fetchErr, errNotHTML) && !transport.Classify(fetchErr) {
		if stored.Found { // show last week's card while the page is down
			if err := f.attachCard(ctx, p.ID, stored); err != nil {
				return err
			}
		}
		// A page still down on the last attempt is remembered as having
		// no card (or keeps its old one) rather than left as a dead job:
		// a card is not worth an alarm on the admin page.
		if job.Attempts <= len(cardBackoff) {
			return fetchErr
		}
		if stored.Found {
			return nil
		}
	}
	if fetchErr != nil {
		f.logger.Debug("no card", "url", j.URL, "err", fetchErr)
		c = store.Card{URL: j.URL, FetchedAt: f.now()} // remembered as nothing to show
	}
	return f.attachCard(ctx, p.ID, c)
}

// attachCard stores c (when it was just fetched) and makes it p's card
// when it has something to show.
func (f *Federation) attachCard(ctx context.Context, postID int64, c store.Card) error {
	return f.db.InTx(ctx, func(tx *store.Tx) error {
		id := c.ID
		if id == 0 {
			var err error
			if id, err = tx.PutCard(ctx, c); err != nil {
				return err
			}
		}
		if !c.Found {
			return nil
		}
		return tx.SetPostCard(ctx, postID, id)
	})
}

// errNotHTML is a link to something that is not a web page.
var errNotHTML = errors.New("not an HTML page")

// fetchCard fetches link's page, and its oEmbed document if it names
// one, and builds the card. A page that is not HTML, or answers 4xx, is
// a permanent error (see transport.Classify).
func (f *Federation) fetchCard(ctx context.Context, link string) (store.Card, error) {
	ctx, cancel := context.WithTimeout(ctx, cardTimeout)
	defer cancel()
	header := http.Header{"Accept": {"text/html, application/xhtml+xml;q=0.9, */*;q=0.1"}}
	body, _, resp, err := f.client.GetPrefix(ctx, link, header, cardPageBytes)
	if err != nil {
		return store.Card{}, err
	}
	ctype := resp.Header.Get("Content-Type")
	if mt, _, _ := mime.ParseMediaType(ctype); mt != "text/html" && mt != "application/xhtml+xml" {
		return store.Card{}, fmt.Errorf("%s: %q: %w", link, mt, errNotHTML)
	}
	pageURL := resp.Request.URL
	page := card.ParseHTML(body, ctype)
	var oe *card.OEmbed
	if u := page.OEmbedURL(pageURL); u != "" {
		oe = f.fetchOEmbed(ctx, u)
	}
	c := card.Build(link, pageURL, page, oe, f.now())
	if c.ImageURL != "" && (c.Width == 0 || c.Height == 0) && !f.reservedHost(c.ImageURL) {
		f.describeCardImage(ctx, &c)
	}
	return c, nil
}

// cardImageBytes bounds the image read for a card's size; the image
// itself is shown through the media cache.
const cardImageBytes = 8 << 20

// describeCardImage reads a card's image for its size when the page gave
// none. A failure leaves the card as it is.
//
// Note: Mastodon reads the size (and the blurhash, which kith does not
// store yet) of a card's image when it makes the card.
func (f *Federation) describeCardImage(ctx context.Context, c *store.Card) {
	header := http.Header{"Accept": {"image/*"}}
	body, truncated, resp, err := f.client.GetPrefix(ctx, c.ImageURL, header, cardImageBytes)
	if err != nil || truncated || !strings.HasPrefix(resp.Header.Get("Content-Type"), "image/") {
		f.logger.Debug("card image unavailable", "url", c.ImageURL, "err", err, "truncated", truncated)
		return
	}
	w, h, _, err := media.Describe(body, media.MaxUploadPixels)
	if err != nil {
		f.logger.Debug("card image unreadable", "url", c.ImageURL, "err", err)
		return
	}
	if c.Type != store.CardVideo && (c.Width == 0 || c.Height == 0) {
		c.Width, c.Height = w, h
	}
}

// fetchOEmbed fetches an oEmbed document; a failure only means the card
// is made from the page alone.
func (f *Federation) fetchOEmbed(ctx context.Context, u string) *card.OEmbed {
	header := http.Header{"Accept": {"application/json"}}
	body, truncated, _, err := f.client.GetPrefix(ctx, u, header, cardOEmbedBytes)
	if err != nil || truncated {
		f.logger.Debug("oembed unavailable", "url", u, "err", err, "truncated", truncated)
		return nil
	}
	oe, ok := card.ParseOEmbed(bytes.TrimSpace(body))
	if !ok {
		return nil
	}
	return &oe
}

// CardAccount is the stored account a card's fediverse:creator names,
// when kith knows it and the page is on that account's own domain (or a
// subdomain of it).
//
// Note: Mastodon also accepts pages on the domains an account lists in
// attributionDomains; kith does not store that list, so it credits only
// pages on the account's own domain.
func (f *Federation) CardAccount(ctx context.Context, c store.Card) (store.Actor, bool) {
	user, host, ok := strings.Cut(c.Creator, "@")
	if !ok {
		return store.Actor{}, false
	}
	a, err := f.db.ActorByHandle(ctx, user, host)
	if err != nil || !creditedPage(c, a) {
		return store.Actor{}, false
	}
	return a, true
}

// reservedHost reports whether u's host is a name reserved for examples
// and tests (RFC 2606, RFC 6761): such a link has no page to fetch, and
// not looking it up keeps test networks on loopback. A name mapped in
// federation.hosts is a lab's and is fetched.
func (f *Federation) reservedHost(u string) bool {
	parsed, err := url.Parse(u)
	if err != nil {
		return true
	}
	host := strings.ToLower(strings.TrimSuffix(parsed.Hostname(), "."))
	for name := range f.opts.Hosts {
		if strings.EqualFold(name, host) {
			return false
		}
	}
	for _, tld := range []string{"test", "example", "invalid", "localhost"} {
		if host == tld || strings.HasSuffix(host, "."+tld) {
			return true
		}
	}
	for _, d := range []string{"example.com", "example.net", "example.org"} {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// runPruneCards deletes, once a day, the stale cards no post shows.
func (f *Federation) runPruneCards(ctx context.Context, _ store.Job) error {
	var n int64
	err := f.db.InTx(ctx, func(tx *store.Tx) (err error) {
		n, err = tx.PruneCards(ctx, f.now().Add(-cardRefresh))
		return err
	})
	if n > 0 {
		f.logger.Info("pruned preview cards", "count", n)
	}
	return err
}

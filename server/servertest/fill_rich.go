package servertest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"kith/config"
	"kith/federation"
	"kith/store"
)

// RichTail is how many of the newest posts FillRichHome stores as the
// newest posts of a real home timeline are; about five in six of them are
// on the home timeline, so the first page of 40 is all of that kind.
const RichTail = 60

// Rich post features, for benchmarks to check their first render against.
const (
	// RichOwnerEmoji are the owner's custom emoji: one in the owner's
	// display name, the others in the owner's posts.
	RichOwnerEmoji = "kith_wave"
	// RichRemoteEmoji is the custom emoji remote posts use; each remote
	// author also has one of its own in its name (RichNameEmoji).
	RichRemoteEmoji = "blobcat"
	// RichCardTitle starts the title of every preview card.
	RichCardTitle = "Trains and bread, part "
)

// RichNameEmoji is the shortcode of the custom emoji in the display name
// of the remote account userN.
func RichNameEmoji(n int) string { return fmt.Sprintf("verified_%d", n) }

// FillRichHome stores n posts: FillHome's n-RichTail, then RichTail
// newer ones carrying what real posts do. Most have a preview card with
// an image (one in five names its author's fediverse account); one in
// three quotes an older post (accepted, so the quoted post is shown, with
// its own card and emoji); remote ones have their server's custom emoji
// in the text and their authors one in their names, the owner's have the
// owner's emoji (stored as the emoji settings page stores them, and one
// in the owner's display name). Some are boosts of such posts, replies,
// mentions or carry a photo, as FillHome's are.
func FillRichHome(b *testing.B, in *StreamInstance, n int) {
	b.Helper()
	if n < 2*RichTail {
		b.Fatalf("FillRichHome needs at least %d posts, got %d", 2*RichTail, n)
	}
	FillHome(b, in, n-RichTail)
	ctx := context.Background()
	start := time.Now()
	base := config.Default().Server.URL
	err := in.DB.InTx(ctx, func(tx *store.Tx) error {
		for _, code := range []string{RichOwnerEmoji, "kith_bread", "kith_heart"} {
			e := store.CustomEmoji{Shortcode: code, Path: "emoji/" + code + ".png", ContentType: "image/png", VisibleInPicker: true}
			if _, err := tx.PutCustomEmoji(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := in.Fed.UpdateProfile(ctx, federation.Profile{DisplayName: "Admin :" + RichOwnerEmoji + ":",
		Summary: "Bread, trains and birds :kith_bread:", Discoverable: true}); err != nil {
		b.Fatal(err)
	}
	authors, err := richAuthors(ctx, in.DB)
	if err != nil {
		b.Fatal(err)
	}
	// Older posts to quote: the newest of FillHome's on the home timeline.
	older, err := in.DB.HomeTimeline(ctx, store.Page{Limit: 40})
	if err != nil {
		b.Fatal(err)
	}
	var quotable []store.Post
	for _, p := range older {
		if p.ReblogOfID == 0 && p.Visibility == store.Public {
			quotable = append(quotable, p)
		}
	}
	if len(quotable) < 4 {
		b.Fatalf("only %d older public posts to quote", len(quotable))
	}
	f := richFill{base: base, authors: authors, quotable: quotable, published: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).
		Add(time.Duration(n-RichTail) * time.Minute)}
	err = in.DB.InTx(ctx, func(tx *store.Tx) error {
		for i := range RichTail {
			if err := f.insert(ctx, tx, i); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("stored %d rich posts in %v", RichTail, time.Since(start).Round(time.Millisecond))
}

// richAuthors are FillHome's accounts (the owner, five followed, five
// strangers), the remote ones stored again as real ones are: an avatar and
// a custom emoji in the display name.
func richAuthors(ctx context.Context, db *store.DB) ([]store.Actor, error) {
	owner, err := db.ActorByID(ctx, db.OwnerID())
	if err != nil {
		return nil, err
	}
	authors := []store.Actor{owner}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		for i := range 10 {
			domain := fmt.Sprintf("social%d.example", i%3)
			a, err := db.ActorByURI(ctx, fmt.Sprintf("https://%s/users/user%d", domain, i))
			if err != nil {
				return err
			}
			code := RichNameEmoji(i)
			a.DisplayName = fmt.Sprintf("User %d :%s:", i, code)
			a.Emojis = []store.Emoji{{Shortcode: code, URL: fmt.Sprintf("https://%s/emoji/%s.png", domain, code)}}
			a.AvatarURL = fmt.Sprintf("https://%s/avatars/user%d.png", domain, i)
			if _, err := tx.UpsertActor(ctx, a); err != nil {
				return err
			}
			authors = append(authors, a)
		}
		return nil
	})
	return authors, err
}

// richFill makes the rich posts one by one, each able to boost, reply
// to or quote the ones before it.
type richFill struct {
	base      string
	authors   []store.Actor // the owner, five followed, five strangers
	quotable  []store.Post  // older posts
	published time.Time
	made      []store.Post // the rich posts so far, with their ids
}

func (f *richFill) insert(ctx context.Context, tx *store.Tx, i int) error {
	author := f.authors[i%6]
	if i%6 == 5 {
		author = f.authors[6+i%5] // not on the home timeline
	}
	local := author.ID == f.authors[0].ID
	p := store.Post{
		URI:         fmt.Sprintf("https://%s/statuses/rich%d", author.Domain, i),
		URL:         fmt.Sprintf("https://%s/@%s/rich%d", author.Domain, author.Username, i),
		AuthorID:    author.ID,
		Local:       local,
		Visibility:  []string{store.Public, store.Public, store.Public, store.Unlisted, store.Private}[i%5],
		Language:    "en",
		PublishedAt: f.published.Add(time.Duration(i) * time.Minute),
		QuotePolicy: []string{store.QuotePublic, store.QuoteFollowers, "", store.QuoteNobody}[i%4],
	}
	if local {
		p.URI = fmt.Sprintf("%s/users/%s/statuses/rich%d", f.base, author.Username, i)
		p.URL = ""
	}
	if i%10 == 3 && len(f.made) > 4 { // a boost of one of the newer posts
		for j := len(f.made) - 3; j >= 0; j-- {
			if t := f.made[j]; t.ReblogOfID == 0 && t.Visibility == store.Public {
				p.ReblogOfID, p.Visibility, p.QuotePolicy = t.ID, store.Public, ""
				return f.store(ctx, tx, p, nil)
			}
		}
	}
	var body strings.Builder
	fmt.Fprintf(&body, "<p>The morning train was late again, so I baked a loaf and watched the sparrows, day %d ", i)
	if local {
		p.Emojis = []store.Emoji{{Shortcode: "kith_bread", URL: f.base + "/media/emoji/kith_bread.png"},
			{Shortcode: "kith_heart", URL: f.base + "/media/emoji/kith_heart.png"}}
		body.WriteString(":kith_bread: :kith_heart:</p>")
	} else {
		code := author.Emojis[0].Shortcode // the one in the author's name
		p.Emojis = []store.Emoji{{Shortcode: RichRemoteEmoji, URL: fmt.Sprintf("https://%s/emoji/%s.png", author.Domain, RichRemoteEmoji)},
			{Shortcode: code, URL: fmt.Sprintf("https://%s/emoji/%s.png", author.Domain, code)}}
		fmt.Fprintf(&body, ":%s: :%s:</p>", RichRemoteEmoji, code)
	}
	if i%5 == 1 && len(f.made) > 2 {
		parent := f.made[len(f.made)-2]
		p.InReplyToID, p.InReplyToURI = parent.ID, parent.URI
	}
	if i%4 == 2 {
		to := f.authors[1+(i/4)%5]
		p.Mentions = []store.Mention{{ActorURI: f.authors[0].URI, Name: "@" + f.authors[0].Username},
			{ActorURI: to.URI, Name: "@" + to.Handle()}}
		fmt.Fprintf(&body, `<p><span class="h-card"><a href="%s" class="u-url mention">@<span>%s</span></a></span></p>`, to.URL, to.Username)
	}
	if i%3 == 1 {
		q := f.quoteOf(i)
		p.Quote = &store.Quote{QuotedURI: q.URI, QuotedID: q.ID, State: store.QuoteAccepted,
			AuthorizationURI: q.URI + "/quote_authorizations/" + fmt.Sprint(i)}
		// Note: Mastodon puts a link to the quoted post in the text, for
		// servers that do not show quotes.
		fmt.Fprintf(&body, `<p class="quote-inline">RE: <a href="%s">%s</a></p>`, q.URI, q.URI)
	}
	var card *store.Card
	switch {
	case i%7 == 0:
		p.Attachments = []store.Attachment{{URL: fmt.Sprintf("https://%s/media/rich%d.jpg", author.Domain, i), MediaType: "image/jpeg",
			Description: "a loaf on a board, sparrows outside", Width: 1200, Height: 800, Blurhash: "LEHV6nWB2yk8pyo0adR*.7kCMdnj"}}
	case i%6 != 4:
		card = f.card(i)
		fmt.Fprintf(&body, `<p><a href="%s" rel="nofollow noopener" target="_blank">%s</a></p>`, card.URL, card.URL)
	}
	if i%7 == 3 {
		tag := fmt.Sprintf("topic%d", i%5)
		p.Tags = []string{tag}
		fmt.Fprintf(&body, `<p><a href="https://%s/tags/%s" class="mention hashtag" rel="tag">#<span>%s</span></a></p>`, author.Domain, tag, tag)
	}
	p.Content = body.String()
	return f.store(ctx, tx, p, card)
}

// quoteOf picks the post the ith rich post quotes: an older post, or
// every other time one of the rich posts (with its card and emoji).
func (f *richFill) quoteOf(i int) store.Post {
	if (i/3)%2 == 1 && len(f.made) > 6 {
		for j := len(f.made) - 5; j >= 0; j-- {
			if q := f.made[j]; q.ReblogOfID == 0 && q.Visibility == store.Public {
				return q
			}
		}
	}
	return f.quotable[(i/3)%len(f.quotable)]
}

// card is the preview of the ith post's link: a news page with an image,
// or, one in five, a blog page naming its author's fediverse account.
func (f *richFill) card(i int) *store.Card {
	host := fmt.Sprintf("news%d.example", i%4)
	c := &store.Card{Found: true, Type: store.CardLink, ProviderName: fmt.Sprintf("The Daily %d", i%4),
		Title:       fmt.Sprintf("%s%d: why the morning train is late", RichCardTitle, i),
		Description: "Signal faults, leaves on the line and a bakery that opens at six: a week on the 7:12.",
		AuthorName:  "A. Reporter", Width: 1200, Height: 630, ImageDescription: "a train at a platform in the rain",
		PublishedAt: f.published.Add(-time.Hour), FetchedAt: f.published}
	if i%5 == 2 {
		a := f.authors[1+i%5]
		host = "blog." + a.Domain
		c.ProviderName, c.AuthorName, c.Creator = "", a.DisplayName, a.Username+"@"+a.Domain
	}
	c.URL = fmt.Sprintf("https://%s/2025/01/late-trains-%d", host, i)
	c.CardURL = c.URL
	c.ImageURL = fmt.Sprintf("https://%s/images/late-trains-%d.jpg", host, i)
	return c
}

// store inserts p with its card, and remembers it.
func (f *richFill) store(ctx context.Context, tx *store.Tx, p store.Post, card *store.Card) error {
	id, err := tx.InsertPost(ctx, p)
	if err != nil {
		return err
	}
	if card != nil {
		cardID, err := tx.PutCard(ctx, *card)
		if err != nil {
			return err
		}
		if err := tx.SetPostCard(ctx, id, cardID); err != nil {
			return err
		}
	}
	p.ID = id
	f.made = append(f.made, p)
	return nil
}

package store

import (
	"context"
	"fmt"
	"time"
)

// Card types, as the Mastodon API names them.
const (
	CardLink  = "link"
	CardPhoto = "photo"
	CardVideo = "video"
	CardRich  = "rich"
)

// Card is a link preview: what a web page says about itself. Found is
// false for a page that was fetched and had nothing to show (or could not
// be fetched); such a row only remembers not to fetch it again soon.
type Card struct {
	ID               int64
	URL              string // the link as posts have it
	Found            bool
	CardURL          string // the page's own URL; URL when it names none
	Type             string // CardLink, CardPhoto, CardVideo or CardRich
	Title            string
	Description      string
	AuthorName       string
	AuthorURL        string
	ProviderName     string
	ProviderURL      string
	HTML             string // sanitized HTML, never an iframe
	Width            int
	Height           int
	ImageURL         string // remote; shown through the media cache
	ImageDescription string
	EmbedURL         string
	Creator          string // fediverse:creator as user@host, "" if none
	PublishedAt      time.Time
	FetchedAt        time.Time
}

const cardColumns = `c.id, c.url, c.found, c.card_url, c.type, c.title, c.description, c.author_name, c.author_url,
	c.provider_name, c.provider_url, c.html, c.width, c.height, c.image_url, c.image_description, c.embed_url,
	c.creator, c.published_at, c.fetched_at`

func scanCard(row interface{ Scan(...any) error }, extra ...any) (Card, error) {
	var c Card
	var published, fetched int64
	dest := []any{&c.ID, &c.URL, &c.Found, &c.CardURL, &c.Type, &c.Title, &c.Description, &c.AuthorName, &c.AuthorURL,
		&c.ProviderName, &c.ProviderURL, &c.HTML, &c.Width, &c.Height, &c.ImageURL, &c.ImageDescription, &c.EmbedURL,
		&c.Creator, &published, &fetched}
	err := row.Scan(append(dest, extra...)...)
	c.PublishedAt, c.FetchedAt = fromMilliOrZero(published), fromMilli(fetched)
	return c, err
}

// CardByURL returns the stored card (found or not) of a link.
func (db *DB) CardByURL(ctx context.Context, url string) (Card, error) {
	c, err := scanCard(db.read.QueryRowContext(ctx, `SELECT `+cardColumns+` FROM preview_cards c WHERE c.url = ?`, url))
	if err != nil {
		return Card{}, notFound(err, "card "+url)
	}
	return c, nil
}

// PutCard stores what was fetched for c.URL, replacing an earlier fetch,
// and returns the row's id.
func (tx *Tx) PutCard(ctx context.Context, c Card) (int64, error) {
	if c.Type == "" {
		c.Type = CardLink
	}
	var id int64
	err := tx.queryRow(ctx, `INSERT INTO preview_cards (url, found, card_url, type, title, description, author_name, author_url,
		provider_name, provider_url, html, width, height, image_url, image_description, embed_url, creator, published_at, fetched_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (url) DO UPDATE SET found = excluded.found, card_url = excluded.card_url, type = excluded.type,
			title = excluded.title, description = excluded.description, author_name = excluded.author_name,
			author_url = excluded.author_url, provider_name = excluded.provider_name, provider_url = excluded.provider_url,
			html = excluded.html, width = excluded.width, height = excluded.height, image_url = excluded.image_url,
			image_description = excluded.image_description, embed_url = excluded.embed_url, creator = excluded.creator,
			published_at = excluded.published_at, fetched_at = excluded.fetched_at
		RETURNING id`,
		c.URL, c.Found, c.CardURL, c.Type, c.Title, c.Description, c.AuthorName, c.AuthorURL, c.ProviderName, c.ProviderURL,
		c.HTML, c.Width, c.Height, c.ImageURL, c.ImageDescription, c.EmbedURL, c.Creator, milliOrZero(c.PublishedAt),
		unixMilli(c.FetchedAt)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("put card %s: %w", c.URL, err)
	}
	return id, nil
}

// SetPostCard makes cardID the card post postID shows. A post that is
// gone by now (deleted while its link was fetched) is left alone.
func (tx *Tx) SetPostCard(ctx context.Context, postID, cardID int64) error {
	_, err := tx.exec(ctx, `INSERT INTO post_cards (post_id, card_id) SELECT id, ? FROM posts WHERE id = ?
		ON CONFLICT (post_id) DO UPDATE SET card_id = excluded.card_id`, cardID, postID)
	if err != nil {
		return fmt.Errorf("set card of post %d: %w", postID, err)
	}
	return nil
}

// ClearPostCard removes the card a post shows (its text changed).
func (tx *Tx) ClearPostCard(ctx context.Context, postID int64) error {
	if _, err := tx.exec(ctx, `DELETE FROM post_cards WHERE post_id = ?`, postID); err != nil {
		return fmt.Errorf("clear card of post %d: %w", postID, err)
	}
	return nil
}

// PostCards returns the cards the posts ids show, by post id. Posts
// without one, or whose link had nothing to show, are not in the map.
func (db *DB) PostCards(ctx context.Context, ids []int64) (map[int64]Card, error) {
	out := map[int64]Card{}
	if len(ids) == 0 {
		return out, nil
	}
	in, args := int64s(ids)
	rows, err := db.read.QueryContext(ctx, `SELECT `+cardColumns+`, pc.post_id FROM post_cards pc
		JOIN preview_cards c ON c.id = pc.card_id WHERE pc.post_id IN (`+in+`) AND c.found = 1`, args...)
	if err != nil {
		return nil, fmt.Errorf("post cards: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var postID int64
		c, err := scanCard(rows, &postID)
		if err != nil {
			return nil, err
		}
		out[postID] = c
	}
	return out, rows.Err()
}

// PruneCards deletes the cards fetched before cutoff that no post shows
// any more (their posts were deleted, or edited to link elsewhere), and
// the records of pages that had none: a new link to one fetches it again.
func (tx *Tx) PruneCards(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := tx.exec(ctx, `DELETE FROM preview_cards WHERE fetched_at < ?
		AND NOT EXISTS (SELECT 1 FROM post_cards pc WHERE pc.card_id = preview_cards.id)`, unixMilli(cutoff))
	if err != nil {
		return 0, fmt.Errorf("prune cards: %w", err)
	}
	return res.RowsAffected()
}

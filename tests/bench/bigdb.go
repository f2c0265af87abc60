package bench

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"kith/store" // also registers kith_plain_text, which the search index calls
)

// words are what seeded posts are made of: text compresses and indexes
// like text, not like random bytes.
var words = strings.Fields(`the a of to and in is it you that was for on are with as I his they be at one
have this from or had by hot word but what some we can out other were all there when up use your how said
an each she which do their time if will way about many then them write would like so these her long make
thing see him two has look more day could go come did number sound no most people my over know water than
call first who may down side been now find any new work part take get place made live where after back
little only round man year came show every good me give our under name very through just form sentence
great think say help low line differ turn cause much mean before move right boy old too same tell does set
three want air well also play small end put home read hand port large spell add even land here must big
high such follow act why ask men change went light kind off need house picture try us again animal point
mother world near build self earth father fediverse server timeline boost federation instance toot`)

// SeedOptions configure SeedPosts.
type SeedOptions struct {
	SizeMB    int // stop when the database file reaches this size
	BodyBytes int // about this much text per post
	Batch     int // posts per transaction
}

// SeedResult says what SeedPosts wrote.
type SeedResult struct {
	Posts   int
	SizeMB  float64
	Elapsed time.Duration
}

// SeedPosts fills a kith database (made by kith init, not being served)
// with the owner's public posts until the file reaches opts.SizeMB. It
// writes raw rows in big transactions with synchronous off, as a bulk load
// may: the triggers (full-text index, counts) run as they do for any post.
func SeedPosts(ctx context.Context, path string, opts SeedOptions) (SeedResult, error) {
	start := time.Now()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)&_pragma=busy_timeout(10000)")
	if err != nil {
		return SeedResult{}, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var owner int64
	var actorURI string
	if err := db.QueryRowContext(ctx, `SELECT id, uri FROM actors WHERE local = 1`).Scan(&owner, &actorURI); err != nil {
		return SeedResult{}, fmt.Errorf("seed: the owner: %w", err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	res := SeedResult{}
	for {
		size, err := fileSizeMB(ctx, db)
		if err != nil {
			return res, err
		}
		res.SizeMB = size
		if size >= float64(opts.SizeMB) {
			break
		}
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if err := seedBatch(ctx, db, owner, actorURI, res.Posts, opts, rng); err != nil {
			return res, err
		}
		res.Posts += opts.Batch
	}
	if _, err := db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return res, err
	}
	if _, err := db.ExecContext(ctx, `ANALYZE`); err != nil {
		return res, err
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

func fileSizeMB(ctx context.Context, db *sql.DB) (float64, error) {
	var pages, pageSize int64
	if err := db.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		return 0, err
	}
	if err := db.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&pageSize); err != nil {
		return 0, err
	}
	return float64(pages*pageSize) / (1 << 20), nil
}

// seedBatch inserts opts.Batch posts numbered after done, one a minute
// apart, in one transaction.
func seedBatch(ctx context.Context, db *sql.DB, owner int64, actorURI string, done int, opts SeedOptions, rng *rand.Rand) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	insert, err := tx.PrepareContext(ctx, `INSERT INTO posts (uri, url, author_id, local, visibility, content, published_at, created_at)
		VALUES (?, ?, ?, 1, 'public', ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer insert.Close()
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	var text strings.Builder
	for i := done + 1; i <= done+opts.Batch; i++ {
		text.Reset()
		fmt.Fprintf(&text, "post %d:", i)
		for text.Len() < opts.BodyBytes {
			text.WriteByte(' ')
			text.WriteString(words[rng.IntN(len(words))])
		}
		uri := fmt.Sprintf("%s/statuses/seed%d", actorURI, i)
		at := base + int64(i)*60_000
		if _, err := insert.ExecContext(ctx, uri, uri, owner, "<p>"+text.String()+"</p>", at, at); err != nil {
			return fmt.Errorf("seed post %d: %w", i, err)
		}
	}
	if err := store.IndexPendingPosts(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}

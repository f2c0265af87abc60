package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Actor is an account: the owner (Local) or a remote one.
type Actor struct {
	ID           int64
	URI          string
	Local        bool
	Type         string
	Username     string
	Domain       string
	DisplayName  string
	Summary      string // sanitized HTML
	URL          string
	Inbox        string
	SharedInbox  string
	Outbox       string
	Followers    string
	Following    string
	Featured     string
	KeyID        string
	PublicKeyPEM string
	Locked       bool
	Bot          bool
	Discoverable bool
	AvatarURL    string
	HeaderURL    string
	Fields       []Field
	Emojis       []Emoji // custom emoji of a remote actor's name, bio and fields
	AlsoKnownAs  []string
	MovedTo      string
	PublishedAt  time.Time
	FetchedAt    time.Time
}

// Field is one name/value pair on a profile.
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// DeliveryInbox is where activities for this actor go: the shared inbox
// when it has one.
func (a Actor) DeliveryInbox() string {
	if a.SharedInbox != "" {
		return a.SharedInbox
	}
	return a.Inbox
}

// Handle is user@domain.
func (a Actor) Handle() string { return a.Username + "@" + a.Domain }

const actorColumns = `id, uri, local, type, username, domain, display_name, summary, url, inbox, shared_inbox,
	outbox, followers, following, featured, key_id, public_key_pem, locked, bot, discoverable,
	avatar_url, header_url, fields, also_known_as, moved_to, published_at, fetched_at, emojis`

func scanActor(row interface{ Scan(...any) error }) (Actor, error) {
	var a Actor
	var fields, aka, emojis string
	var published, fetched int64
	err := row.Scan(&a.ID, &a.URI, &a.Local, &a.Type, &a.Username, &a.Domain, &a.DisplayName, &a.Summary, &a.URL,
		&a.Inbox, &a.SharedInbox, &a.Outbox, &a.Followers, &a.Following, &a.Featured, &a.KeyID, &a.PublicKeyPEM,
		&a.Locked, &a.Bot, &a.Discoverable, &a.AvatarURL, &a.HeaderURL, &fields, &aka, &a.MovedTo, &published, &fetched, &emojis)
	if err != nil {
		return Actor{}, err
	}
	json.Unmarshal([]byte(fields), &a.Fields)
	json.Unmarshal([]byte(aka), &a.AlsoKnownAs)
	json.Unmarshal([]byte(emojis), &a.Emojis)
	a.PublishedAt, a.FetchedAt = fromMilliOrZero(published), fromMilliOrZero(fetched)
	return a, nil
}

func fromMilliOrZero(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return fromMilli(ms)
}

func milliOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return unixMilli(t)
}

// UpsertActor stores an actor by URI, replacing what was known, and
// returns its row id. Storing the local actor tells the DB its OwnerID.
func (tx *Tx) UpsertActor(ctx context.Context, a Actor) (int64, error) {
	tx.actorsChanged = true
	fields, _ := json.Marshal(nonNil(a.Fields))
	aka, _ := json.Marshal(nonNil(a.AlsoKnownAs))
	emojis, _ := json.Marshal(nonNil(a.Emojis))
	now := unixMilli(tx.now)
	var id int64
	err := tx.queryRow(ctx, `INSERT INTO actors (uri, local, type, username, domain, display_name, summary, url,
		inbox, shared_inbox, outbox, followers, following, featured, key_id, public_key_pem, locked, bot, discoverable,
		avatar_url, header_url, fields, also_known_as, moved_to, published_at, fetched_at, created_at, updated_at, emojis)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (uri) DO UPDATE SET local = excluded.local, type = excluded.type, username = excluded.username,
		domain = excluded.domain, display_name = excluded.display_name, summary = excluded.summary, url = excluded.url,
		inbox = excluded.inbox, shared_inbox = excluded.shared_inbox, outbox = excluded.outbox,
		followers = excluded.followers, following = excluded.following, featured = excluded.featured,
		key_id = excluded.key_id, public_key_pem = excluded.public_key_pem, locked = excluded.locked,
		bot = excluded.bot, discoverable = excluded.discoverable, avatar_url = excluded.avatar_url,
		header_url = excluded.header_url, fields = excluded.fields, also_known_as = excluded.also_known_as,
		moved_to = excluded.moved_to, published_at = excluded.published_at, fetched_at = excluded.fetched_at,
		updated_at = excluded.updated_at, emojis = excluded.emojis
		RETURNING id`,
		a.URI, a.Local, a.Type, a.Username, a.Domain, a.DisplayName, a.Summary, a.URL, a.Inbox, a.SharedInbox,
		a.Outbox, a.Followers, a.Following, a.Featured, a.KeyID, a.PublicKeyPEM, a.Locked, a.Bot, a.Discoverable,
		a.AvatarURL, a.HeaderURL, string(fields), string(aka), a.MovedTo, milliOrZero(a.PublishedAt),
		milliOrZero(a.FetchedAt), now, now, string(emojis)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("upsert actor %s: %w", a.URI, err)
	}
	if a.Local {
		tx.ownerID, tx.wroteOwner = id, true
	}
	return id, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// ActorByURI returns a stored actor.
//
// Inside a batch unit (the inbox's), actors come from a cache
// (actorCache): the returned Actor's slices are then shared with it and
// must not be changed.
func (db *DB) ActorByURI(ctx context.Context, uri string) (Actor, error) {
	b := db.batchOf(ctx)
	// A batch that wrote actors itself reads around the cache: its
	// uncommitted writes are not in it.
	cached := b != nil && !b.tx.actorsChanged
	now := time.Now()
	var gen uint64
	if cached {
		var a Actor
		var ok bool
		if a, ok, gen = db.actors.get(uri, now); ok {
			return a, nil
		}
	}
	a, err := scanActor(db.read.QueryRowContext(ctx, `SELECT `+actorColumns+` FROM actors WHERE uri = ?`, uri))
	if err != nil {
		return Actor{}, notFound(err, "actor "+uri)
	}
	if cached {
		db.actors.put(a, gen, now)
	}
	return a, nil
}

// ActorByID returns a stored actor by row id.
func (db *DB) ActorByID(ctx context.Context, id int64) (Actor, error) {
	a, err := scanActor(db.read.QueryRowContext(ctx, `SELECT `+actorColumns+` FROM actors WHERE id = ?`, id))
	if err != nil {
		return Actor{}, notFound(err, fmt.Sprintf("actor %d", id))
	}
	return a, nil
}

// ActorByKeyID returns the actor owning a public key id.
func (db *DB) ActorByKeyID(ctx context.Context, keyID string) (Actor, error) {
	a, err := scanActor(db.read.QueryRowContext(ctx, `SELECT `+actorColumns+` FROM actors WHERE key_id = ? ORDER BY fetched_at DESC LIMIT 1`, keyID))
	if err != nil {
		return Actor{}, notFound(err, "key "+keyID)
	}
	return a, nil
}

// ActorByHandle finds a stored remote actor by user@domain, ignoring case.
func (db *DB) ActorByHandle(ctx context.Context, username, domain string) (Actor, error) {
	a, err := scanActor(db.read.QueryRowContext(ctx, `SELECT `+actorColumns+` FROM actors
		WHERE username = ? COLLATE NOCASE AND domain = ? COLLATE NOCASE ORDER BY local DESC, fetched_at DESC LIMIT 1`, username, domain))
	if err != nil {
		return Actor{}, notFound(err, "actor "+username+"@"+domain)
	}
	return a, nil
}

// LocalActor returns the owner's actor row.
func (db *DB) LocalActor(ctx context.Context) (Actor, error) {
	a, err := scanActor(db.read.QueryRowContext(ctx, `SELECT `+actorColumns+` FROM actors WHERE local = 1 LIMIT 1`))
	if err != nil {
		return Actor{}, notFound(err, "local actor")
	}
	return a, nil
}

// DeleteActor removes a remote actor and, by cascade, its posts, follows,
// likes and notifications.
func (tx *Tx) DeleteActor(ctx context.Context, uri string) error {
	tx.actorsChanged = true
	if _, err := tx.exec(ctx, `DELETE FROM actors WHERE uri = ? AND local = 0`, uri); err != nil {
		return fmt.Errorf("delete actor %s: %w", uri, err)
	}
	return nil
}

// SetActorMovedTo records that an actor moved.
func (tx *Tx) SetActorMovedTo(ctx context.Context, id int64, target string) error {
	tx.actorsChanged = true
	_, err := tx.exec(ctx, `UPDATE actors SET moved_to = ?, updated_at = ? WHERE id = ?`, target, unixMilli(tx.now), id)
	return err
}

// ActorURIs lists the URI of every stored actor.
func (db *DB) ActorURIs(ctx context.Context) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT uri FROM actors`)
	if err != nil {
		return nil, fmt.Errorf("actor uris: %w", err)
	}
	return scanStrings(rows)
}

// EachActorURI calls fn with the URI of every stored actor. The bytes are
// valid only during the call: a caller keeping a URI copies it.
func (db *DB) EachActorURI(ctx context.Context, fn func(uri []byte)) error {
	rows, err := db.read.QueryContext(ctx, `SELECT uri FROM actors`)
	if err != nil {
		return fmt.Errorf("actor uris: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var uri sql.RawBytes
		if err := rows.Scan(&uri); err != nil {
			return fmt.Errorf("actor uris: %w", err)
		}
		fn(uri)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("actor uris: %w", err)
	}
	return nil
}

// ActorStored reports whether an actor with this URI is stored.
func (db *DB) ActorStored(ctx context.Context, uri string) (bool, error) {
	var one int
	err := db.read.QueryRowContext(ctx, `SELECT 1 FROM actors WHERE uri = ?`, uri).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("actor %s: %w", uri, err)
	}
	return true, nil
}

// ActorsByIDs returns the stored actors among ids, in the order of ids
// (ids not stored are skipped).
func (db *DB) ActorsByIDs(ctx context.Context, ids []int64) ([]Actor, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	in, args := int64s(ids)
	found, err := db.actorList(ctx, `SELECT `+actorColumns+` FROM actors WHERE id IN (`+in+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("actors by ids: %w", err)
	}
	byID := make(map[int64]Actor, len(found))
	for _, a := range found {
		byID[a.ID] = a
	}
	out := make([]Actor, 0, len(found))
	for _, id := range ids {
		if a, ok := byID[id]; ok {
			out = append(out, a)
			delete(byID, id) // once, even if ids repeats it
		}
	}
	return out, nil
}

// KnownDomains lists the domains of the remote actors kith has stored,
// alphabetically, leaving out blocked ones (Mastodon's instance peers).
func (db *DB) KnownDomains(ctx context.Context) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT DISTINCT a.domain FROM actors a WHERE a.local = 0 AND a.domain != ''
		AND NOT EXISTS (SELECT 1 FROM domain_blocks d WHERE d.domain = a.domain) ORDER BY a.domain`)
	if err != nil {
		return nil, fmt.Errorf("known domains: %w", err)
	}
	return scanStrings(rows)
}

// pagedActors runs an actor query ("SELECT actor columns, cursor FROM ...
// WHERE cond" without ORDER BY) over one page of cursor column col, newest
// first, and returns the actors with their cursors.
func (db *DB) pagedActors(ctx context.Context, pg Page, col, q string, args ...any) ([]Actor, []int64, error) {
	cond, bargs, ascending := pg.bounds(col)
	order := " DESC"
	if ascending {
		order = " ASC"
	}
	q += " AND " + cond + " ORDER BY " + col + order + " LIMIT ?"
	args = append(append(args, bargs...), clampLimit(pg.Limit))
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("actors: %w", err)
	}
	defer rows.Close()
	var actors []Actor
	var cursors []int64
	for rows.Next() {
		var cursor int64
		a, err := scanActorCursor(rows, &cursor)
		if err != nil {
			return nil, nil, err
		}
		actors = append(actors, a)
		cursors = append(cursors, cursor)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if ascending {
		slices.Reverse(actors)
		slices.Reverse(cursors)
	}
	return actors, cursors, nil
}

// scanActorCursor reads actorColumns followed by one cursor column.
func scanActorCursor(row interface{ Scan(...any) error }, cursor *int64) (Actor, error) {
	return scanActor(withCursor{row, cursor})
}

// withCursor adds a trailing cursor column to a row scan.
type withCursor struct {
	row    interface{ Scan(...any) error }
	cursor *int64
}

func (w withCursor) Scan(dest ...any) error { return w.row.Scan(append(dest, w.cursor)...) }

// ActorsByURIs returns the stored actors among uris, by URI (uris not
// stored are left out), in one query.
func (db *DB) ActorsByURIs(ctx context.Context, uris []string) (map[string]Actor, error) {
	out := make(map[string]Actor, len(uris))
	if len(uris) == 0 {
		return out, nil
	}
	in, args := stringsIn(uris)
	found, err := db.actorList(ctx, `SELECT `+actorColumns+` FROM actors WHERE uri IN (`+in+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("actors by uris: %w", err)
	}
	for _, a := range found {
		out[a.URI] = a
	}
	return out, nil
}

package store

import (
	"context"
	"fmt"
)

// PutLike records a like (emoji "") or an emoji reaction; it reports
// whether it is new.
func (tx *Tx) PutLike(ctx context.Context, actorID, postID int64, emoji, activityURI string) (bool, error) {
	return tx.PutReaction(ctx, actorID, postID, emoji, "", activityURI)
}

// PutReaction records an emoji reaction with the image of its custom
// emoji (an http(s) URL; "" for a Unicode emoji); it reports whether it
// is new.
func (tx *Tx) PutReaction(ctx context.Context, actorID, postID int64, emoji, emojiURL, activityURI string) (bool, error) {
	res, err := tx.exec(ctx, `INSERT INTO likes (actor_id, post_id, emoji, emoji_url, activity_uri, created_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, actorID, postID, emoji, emojiURL, activityURI, unixMilli(tx.now))
	if err != nil {
		return false, fmt.Errorf("put reaction: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// DeleteLike removes a like (any emoji) by actor and post.
func (tx *Tx) DeleteLike(ctx context.Context, actorID, postID int64) error {
	_, err := tx.exec(ctx, `DELETE FROM likes WHERE actor_id = ? AND post_id = ?`, actorID, postID)
	return err
}

// DeleteLikeByActivity removes the like an activity made; it reports
// whether there was one.
func (tx *Tx) DeleteLikeByActivity(ctx context.Context, actorID int64, activityURI string) (bool, error) {
	res, err := tx.exec(ctx, `DELETE FROM likes WHERE actor_id = ? AND activity_uri = ?`, actorID, activityURI)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// LikeActivity returns the activity URI of an actor's like of a post.
func (tx *Tx) LikeActivity(ctx context.Context, actorID, postID int64) (string, error) {
	var uri string
	err := tx.queryRow(ctx, `SELECT activity_uri FROM likes WHERE actor_id = ? AND post_id = ? AND emoji = ''`, actorID, postID).Scan(&uri)
	return uri, notFoundOrNil(err, "like")
}

// CountLikes counts the likes of a post.
func (db *DB) CountLikes(ctx context.Context, postID int64) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM likes WHERE post_id = ? AND emoji = ''`, postID).Scan(&n)
	return n, err
}

// FavouritedBy pages the accounts that favourited a post, by actor id.
func (db *DB) FavouritedBy(ctx context.Context, postID int64, pg Page) ([]Actor, error) {
	actors, _, err := db.pagedActors(ctx, pg, "a.id", `SELECT `+prefixed("a.", actorColumns)+`, a.id FROM likes l
		JOIN actors a ON a.id = l.actor_id WHERE l.post_id = ? AND l.emoji = ''`, postID)
	return actors, err
}

// Reaction is an emoji reaction: the emoji (":name:" for a custom one)
// and, for a custom one, its image.
type Reaction struct {
	Emoji    string
	EmojiURL string
}

// ReactionOf returns an actor's newest emoji reaction to a post, or
// ErrNotFound when it only favourited it (or did neither).
func (db *DB) ReactionOf(ctx context.Context, actorID, postID int64) (Reaction, error) {
	var r Reaction
	err := db.read.QueryRowContext(ctx, `SELECT emoji, emoji_url FROM likes WHERE actor_id = ? AND post_id = ? AND emoji != ''
		ORDER BY created_at DESC LIMIT 1`, actorID, postID).Scan(&r.Emoji, &r.EmojiURL)
	if err != nil {
		return Reaction{}, notFound(err, "reaction")
	}
	return r, nil
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
)

// Conversation is a thread of direct posts the owner wrote or was
// mentioned in (Mastodon's account conversation).
type Conversation struct {
	ID     int64
	Unread bool
	// LastPost is the newest post; its id is the conversation's paging
	// cursor.
	LastPost Post
	// Participants are the accounts in it other than the owner: the
	// authors of its posts and the accounts they mention, in order of id.
	Participants []Actor
}

// addToConversation files a new direct post in its conversation when the
// owner wrote it or is mentioned in it: its parent's conversation if the
// parent has one, else the one of its thread. A received post marks the
// conversation unread, the owner's own marks it read (as Mastodon does),
// and either brings back a conversation the owner hid.
func (tx *Tx) addToConversation(ctx context.Context, id int64, p Post) error {
	if p.Visibility != Direct || p.ReblogOfID != 0 {
		return nil
	}
	var involved, own bool
	err := tx.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM actors o WHERE o.local = 1 AND (o.id = ?
			OR o.uri IN (SELECT m.actor_uri FROM post_mentions m WHERE m.post_id = ?))),
		EXISTS (SELECT 1 FROM actors o WHERE o.local = 1 AND o.id = ?)`, p.AuthorID, id, p.AuthorID).Scan(&involved, &own)
	if err != nil || !involved {
		return err
	}
	var convID int64
	if p.InReplyToID != 0 {
		err = tx.queryRow(ctx, `SELECT conversation_id FROM conversation_posts WHERE post_id = ?`, p.InReplyToID).Scan(&convID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("conversation of %d: %w", p.InReplyToID, err)
		}
	}
	if convID != 0 {
		_, err = tx.exec(ctx, `UPDATE conversations SET unread = ?, hidden = 0 WHERE id = ?`, !own, convID)
	} else {
		thread := p.Conversation
		if thread == "" {
			thread = p.URI
		}
		err = tx.queryRow(ctx, `INSERT INTO conversations (thread, unread, created_at) VALUES (?, ?, ?)
			ON CONFLICT (thread) DO UPDATE SET unread = excluded.unread, hidden = 0 RETURNING id`,
			thread, !own, unixMilli(tx.now)).Scan(&convID)
	}
	if err != nil {
		return fmt.Errorf("conversation of post %d: %w", id, err)
	}
	if _, err := tx.exec(ctx, `INSERT OR IGNORE INTO conversation_posts (conversation_id, post_id) VALUES (?, ?)`, convID, id); err != nil {
		return fmt.Errorf("conversation of post %d: %w", id, err)
	}
	return nil
}

// conversationRows selects conversations with their newest post, the
// paging cursor "last". Conversations the owner hid, and those whose
// posts are all deleted, are left out.
const conversationRows = `SELECT c.id, c.unread, MAX(cp.post_id) AS last FROM conversations c
	JOIN conversation_posts cp ON cp.conversation_id = c.id WHERE c.hidden = 0`

// ConversationsPage pages the owner's conversations, the one with the
// newest post first. The page's ids are the ids of last posts, as
// Mastodon pages conversations by their last status.
func (db *DB) ConversationsPage(ctx context.Context, pg Page) ([]Conversation, error) {
	cond, args, ascending := pg.bounds("last")
	order := " DESC"
	if ascending {
		order = " ASC"
	}
	q := conversationRows + ` GROUP BY c.id HAVING ` + cond + ` ORDER BY last` + order + ` LIMIT ?`
	convs, err := db.conversations(ctx, q, append(args, clampLimit(pg.Limit))...)
	if err != nil {
		return nil, err
	}
	if ascending {
		slices.Reverse(convs)
	}
	return convs, nil
}

// ConversationByID reads one conversation the owner has not hidden.
func (db *DB) ConversationByID(ctx context.Context, id int64) (Conversation, error) {
	convs, err := db.conversations(ctx, conversationRows+` AND c.id = ? GROUP BY c.id`, id)
	if err != nil {
		return Conversation{}, err
	}
	if len(convs) == 0 {
		return Conversation{}, fmt.Errorf("conversation %d: %w", id, ErrNotFound)
	}
	return convs[0], nil
}

// ConversationOfPost returns the id of the conversation a post is in.
func (db *DB) ConversationOfPost(ctx context.Context, postID int64) (int64, error) {
	var id int64
	err := db.read.QueryRowContext(ctx, `SELECT conversation_id FROM conversation_posts WHERE post_id = ?`, postID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("conversation of post %d: %w", postID, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("conversation of post %d: %w", postID, err)
	}
	return id, nil
}

// UnreadConversations counts the conversations with posts the owner has
// not read.
func (db *DB) UnreadConversations(ctx context.Context) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM conversations c WHERE c.unread = 1 AND c.hidden = 0
		AND EXISTS (SELECT 1 FROM conversation_posts cp WHERE cp.conversation_id = c.id)`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("unread conversations: %w", err)
	}
	return n, nil
}

// MarkConversationRead marks a conversation read.
func (tx *Tx) MarkConversationRead(ctx context.Context, id int64) error {
	return tx.updateConversation(ctx, id, `UPDATE conversations SET unread = 0 WHERE id = ? AND hidden = 0`)
}

// HideConversation removes a conversation from the owner's list until a
// new post arrives in it (Mastodon deletes the owner's row for it, and
// the next post makes a new one).
func (tx *Tx) HideConversation(ctx context.Context, id int64) error {
	return tx.updateConversation(ctx, id, `UPDATE conversations SET hidden = 1, unread = 0 WHERE id = ? AND hidden = 0`)
}

func (tx *Tx) updateConversation(ctx context.Context, id int64, q string) error {
	res, err := tx.exec(ctx, q, id)
	if err != nil {
		return fmt.Errorf("conversation %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("conversation %d: %w", id, ErrNotFound)
	}
	return nil
}

// conversations runs q (selecting id, unread and last) and loads each
// conversation's last post and participants.
func (db *DB) conversations(ctx context.Context, q string, args ...any) ([]Conversation, error) {
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("conversations: %w", err)
	}
	var convs []Conversation
	var ids, lastIDs []int64
	for rows.Next() {
		var c Conversation
		var last int64
		if err := rows.Scan(&c.ID, &c.Unread, &last); err != nil {
			rows.Close()
			return nil, err
		}
		convs = append(convs, c)
		ids, lastIDs = append(ids, c.ID), append(lastIDs, last)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(convs) == 0 {
		return convs, err
	}
	posts, err := db.PostsByIDs(ctx, lastIDs)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]Post, len(posts))
	for _, p := range posts {
		byID[p.ID] = p
	}
	participants, err := db.conversationParticipants(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range convs {
		convs[i].LastPost = byID[lastIDs[i]]
		convs[i].Participants = participants[convs[i].ID]
	}
	return convs, nil
}

// conversationParticipants returns the participants of each conversation
// in ids: the stored authors of its posts and the stored accounts they
// mention, other than the owner.
func (db *DB) conversationParticipants(ctx context.Context, ids []int64) (map[int64][]Actor, error) {
	in, args := int64s(ids)
	rows, err := db.read.QueryContext(ctx, `SELECT cp.conversation_id, p.author_id FROM conversation_posts cp
			JOIN posts p ON p.id = cp.post_id JOIN actors a ON a.id = p.author_id
			WHERE cp.conversation_id IN (`+in+`) AND a.local = 0
		UNION
		SELECT cp.conversation_id, a.id FROM conversation_posts cp JOIN post_mentions m ON m.post_id = cp.post_id
			JOIN actors a ON a.uri = m.actor_uri
			WHERE cp.conversation_id IN (`+in+`) AND a.local = 0
		ORDER BY 1, 2`, append(args, args...)...)
	if err != nil {
		return nil, fmt.Errorf("conversation participants: %w", err)
	}
	of := map[int64][]int64{}
	var all []int64
	for rows.Next() {
		var conv, actor int64
		if err := rows.Scan(&conv, &actor); err != nil {
			rows.Close()
			return nil, err
		}
		of[conv] = append(of[conv], actor)
		all = append(all, actor)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	actors, err := db.ActorsByIDs(ctx, all)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]Actor, len(actors))
	for _, a := range actors {
		byID[a.ID] = a
	}
	out := make(map[int64][]Actor, len(of))
	for conv, list := range of {
		for _, id := range list {
			out[conv] = append(out[conv], byID[id])
		}
	}
	return out, nil
}

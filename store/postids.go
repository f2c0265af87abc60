package store

import (
	"context"
	"fmt"
	"time"
)

// Post ids (and the row ids of sent activities, which page the outbox)
// sort by time: they are "snowflakes", the unix time in milliseconds
// shifted left by seqBits, plus a sequence number inside the millisecond.
// Every listing orders and pages by id, so an imported post, whose id is
// made from its original date, lands among the posts of its time instead
// of on top. int64 holds milliseconds up to 2^47, past the year 6000.
//
// Note: Mastodon makes status ids the same way, (unix ms << 16) | sequence,
// and clients treat them as opaque strings that sort by time.
//
// The sequence numbers of a millisecond are split in two halves, so the
// two kinds of ids never meet:
//
//   - New ids (local posts, received remote posts, boosts, scheduled posts
//     when they are published): the first id of now's millisecond, or one
//     past the highest id ever used if that is higher (the clock stood
//     still or went back), skipping to the next millisecond rather than
//     entering the high half. They only grow and are never reused, and
//     they are always in the low half.
//   - Imported ids: the lowest free sequence number of the high half of
//     the millisecond the post was published (clamped below now, so
//     imported ids always sort under new ones). Free means no row has it
//     and deleted_post_ids does not list it. Only local posts are
//     imported and DeletePost lists every deleted local post, so an
//     imported id is never one a deleted post had: new ids, deleted or
//     not, are all in the low half. Deleted remote posts need no record
//     (pruning deletes many): their ids are new ids.
//
// Databases from before time-based ids keep their small ids: they sort
// under all new ones, which is right for posts made before the upgrade,
// though not relative to posts imported later (those sort above them).
const (
	seqBits = 16
	// importedSeq is the first sequence number an imported id takes.
	importedSeq = 1 << (seqBits - 1)
	// minImportedMilli keeps imported ids at or above 1<<40, clear of the
	// sequential ids of databases from before time-based ids (a post
	// dated before 1970-01-01T04:39:37Z is not a real date anyway).
	minImportedMilli = 1 << 24
	// importSearchMillis bounds the search for a free imported id, should
	// a millisecond be full.
	importSearchMillis = 1000
)

// timeID is the first id of the millisecond of t.
func timeID(t time.Time) int64 { return t.UnixMilli() << seqBits }

// newPostID returns the id for a post stored now. Deleted posts count
// through posts.highest_deleted_id: a local post's id is part of its
// ActivityPub id, and peers that saw a Delete must never see that id again
// for another post.
func (tx *Tx) newPostID(ctx context.Context) (int64, error) {
	var highest int64
	err := tx.queryRow(ctx, `SELECT MAX(COALESCE((SELECT MAX(id) FROM posts), 0),
		COALESCE((SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'posts.highest_deleted_id'), 0))`).Scan(&highest)
	if err != nil {
		return 0, fmt.Errorf("new post id: %w", err)
	}
	return nextNewID(tx.now, highest), nil
}

// nextNewID is the new id after highest at now: monotonic, in the low half
// of a millisecond.
func nextNewID(now time.Time, highest int64) int64 {
	id := max(timeID(now), highest+1)
	if id&(1<<seqBits-1) >= importedSeq {
		id = (id>>seqBits + 1) << seqBits
	}
	return id
}

// newActivityRowID returns the row id for an activity sent now. Activity
// rows are never deleted, so the highest stored id is the highest used.
func (tx *Tx) newActivityRowID(ctx context.Context) (int64, error) {
	var highest int64
	if err := tx.queryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM activities`).Scan(&highest); err != nil {
		return 0, fmt.Errorf("new activity id: %w", err)
	}
	return nextNewID(tx.now, highest), nil
}

// Queries listing the ids taken in a range (?1 to ?2), ascending, for
// importedID.
const (
	takenPostIDs = `SELECT id FROM posts WHERE id BETWEEN ?1 AND ?2
		UNION SELECT id FROM deleted_post_ids WHERE id BETWEEN ?1 AND ?2 ORDER BY 1`
	takenActivityIDs = `SELECT id FROM activities WHERE id BETWEEN ?1 AND ?2 ORDER BY 1`
)

// importedID returns a free id in the millisecond of at (see the comment
// at the top), searching earlier milliseconds should that one be full.
func (tx *Tx) importedID(ctx context.Context, taken string, at time.Time) (int64, error) {
	ms := max(min(at.UnixMilli(), tx.now.UnixMilli()-1), minImportedMilli)
	for range importSearchMillis {
		lo, hi := ms<<seqBits|importedSeq, ms<<seqBits|(1<<seqBits-1)
		id, err := tx.lowestFree(ctx, taken, lo, hi)
		if err != nil || id != 0 {
			return id, err
		}
		ms--
	}
	return 0, fmt.Errorf("imported id near %s: no free id", at.UTC().Format(time.RFC3339Nano))
}

// lowestFree returns the lowest id in [lo, hi] that query taken does not
// list, or 0 when all are taken.
func (tx *Tx) lowestFree(ctx context.Context, taken string, lo, hi int64) (int64, error) {
	rows, err := tx.query(ctx, taken, lo, hi)
	if err != nil {
		return 0, fmt.Errorf("imported id: %w", err)
	}
	defer rows.Close()
	id := lo
	for rows.Next() {
		var used int64
		if err := rows.Scan(&used); err != nil {
			return 0, err
		}
		if used > id {
			break
		}
		id = used + 1
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if id > hi {
		return 0, nil
	}
	return id, nil
}

package store

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
)

// Batch is one write transaction shared by many small units of work (the
// received activities of one queue run, say), each in a savepoint of its
// own: a unit that fails is rolled back alone and the others commit
// together. One commit for many units is what makes them cheap: the WAL
// frames, the full-text index's segment and the fsync-free commit are
// paid once per batch, not once per unit.
//
// The context Do gives a unit carries the batch, and the store honours it
// everywhere: InTx runs its function in a nested savepoint of the batch's
// transaction instead of a transaction of its own, and reads go through
// that transaction, so a unit sees what earlier units of the batch wrote,
// as it would had they committed one by one. AfterCommit holds back what
// must wait for the commit (events for live streams). Code under such a
// context must not wait for another goroutine's write: the batch holds the
// only write connection until it commits.
type Batch struct {
	db *DB
	tx *Tx

	mu     sync.Mutex // guards active: a unit's goroutines may read it
	active bool

	after  []func() // of units that succeeded, in order
	broken error    // a failure that ended the transaction itself
}

// batchUnit is what a unit's context carries.
type batchUnit struct {
	b     *Batch
	after []func()
}

type batchKey struct{}

// savepoint names: SQLite resolves a name to the innermost savepoint that
// has it, so fixed names nest, and fixed statements stay prepared.
const (
	unitSavepoint = "kith_unit"
	txSavepoint   = "kith_tx"
)

// BeginBatch starts a batch: it takes the write lock until Commit or
// Rollback. ctx bounds the whole transaction (database/sql rolls it back
// when ctx ends).
func (db *DB) BeginBatch(ctx context.Context) (*Batch, error) {
	if db.write == nil {
		return nil, fmt.Errorf("%s was opened read-only", db.path)
	}
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{tx: sqlTx, now: db.now(), stmts: db.wstmts, ownerID: db.OwnerID()}
	var version int64
	if err := tx.queryRow(ctx, `PRAGMA data_version`).Scan(&version); err != nil {
		sqlTx.Rollback()
		return nil, fmt.Errorf("begin: %w", err)
	}
	db.actors.otherWriters(version)
	return &Batch{db: db, tx: tx, active: true}, nil
}

// Do runs fn as one unit of the batch, in a savepoint. If fn returns an
// error or panics (the panic comes back as an error), what it wrote is
// rolled back, its AfterCommit functions are dropped, and the batch goes
// on. If the rollback itself fails, the transaction is lost: Do and every
// later Do and Commit return ErrBatchBroken, and none of the batch
// commits.
func (b *Batch) Do(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	if b.broken != nil {
		return b.broken
	}
	if !b.isActive() {
		return fmt.Errorf("%w: batch already ended", ErrBatchBroken)
	}
	if err := b.savepoint(ctx, unitSavepoint); err != nil {
		return b.breakWith(err)
	}
	u := &batchUnit{b: b}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
		if err != nil {
			if rbErr := b.rollbackTo(ctx, unitSavepoint); rbErr != nil {
				err = errors.Join(err, b.breakWith(rbErr))
			}
			return
		}
		if err = b.release(ctx, unitSavepoint); err != nil {
			err = b.breakWith(err)
			return
		}
		b.after = append(b.after, u.after...)
	}()
	return fn(context.WithValue(ctx, batchKey{}, u))
}

// ErrBatchBroken means a batch's transaction was lost mid-way (a failed
// rollback to a savepoint, a failed commit): nothing of it committed.
var ErrBatchBroken = errors.New("batch transaction lost")

func (b *Batch) breakWith(err error) error {
	if b.broken == nil {
		b.broken = fmt.Errorf("%w: %v", ErrBatchBroken, err)
	}
	return b.broken
}

// QueuedJobs reports whether the batch queued a job, so that its
// committer knows whether to wake the job runner. A unit rolled back may
// have counted.
func (b *Batch) QueuedJobs() bool { return b.tx.queuedJobs }

// Broken reports the failure that lost the batch's transaction, or nil.
func (b *Batch) Broken() error { return b.broken }

// Commit commits the batch and then runs, in order, the AfterCommit
// functions of the units that succeeded. A broken batch is rolled back
// and its error returned.
func (b *Batch) Commit() error {
	if b.broken != nil {
		b.Rollback()
		return b.broken
	}
	if err := b.tx.indexPending(context.Background()); err != nil {
		b.breakWith(err)
		b.Rollback()
		return b.broken
	}
	if !b.end() {
		return fmt.Errorf("%w: batch already ended", ErrBatchBroken)
	}
	if err := b.tx.tx.Commit(); err != nil {
		return fmt.Errorf("%w: commit: %v", ErrBatchBroken, err)
	}
	b.tx.committed(b.db)
	for _, fn := range b.after {
		fn()
	}
	b.after = nil
	return nil
}

// Rollback abandons the batch; nothing of it is kept. Rolling back an
// ended batch does nothing.
func (b *Batch) Rollback() {
	if b.end() {
		b.tx.tx.Rollback()
	}
	b.after = nil
}

// end marks the batch inactive, reporting whether it was active.
func (b *Batch) end() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	was := b.active
	b.active = false
	return was
}

func (b *Batch) isActive() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.active
}

func (b *Batch) savepoint(ctx context.Context, name string) error {
	_, err := b.tx.exec(ctx, `SAVEPOINT `+name)
	return err
}

func (b *Batch) release(ctx context.Context, name string) error {
	_, err := b.tx.exec(ctx, `RELEASE `+name)
	return err
}

// rollbackTo undoes what was written since the savepoint and removes it.
// It runs even when ctx has ended: the transaction must stay usable for
// the rest of the batch.
func (b *Batch) rollbackTo(ctx context.Context, name string) error {
	ctx = context.WithoutCancel(ctx)
	if _, err := b.tx.exec(ctx, `ROLLBACK TO `+name); err != nil {
		return err
	}
	return b.release(ctx, name)
}

// batchOf is the batch ctx belongs to, if it is db's and still running.
func (db *DB) batchOf(ctx context.Context) *Batch {
	u, _ := ctx.Value(batchKey{}).(*batchUnit)
	if u == nil || u.b.db != db || !u.b.isActive() {
		return nil
	}
	return u.b
}

// inBatch runs fn in a savepoint of the batch's transaction: InTx's work
// when called under a batch's context.
func (b *Batch) inBatch(ctx context.Context, fn func(tx *Tx) error) error {
	if b.broken != nil {
		return b.broken
	}
	if err := b.savepoint(ctx, txSavepoint); err != nil {
		return b.breakWith(err)
	}
	if err := fn(b.tx); err != nil {
		if rbErr := b.rollbackTo(ctx, txSavepoint); rbErr != nil {
			return errors.Join(err, b.breakWith(rbErr))
		}
		return err
	}
	if err := b.release(ctx, txSavepoint); err != nil {
		return b.breakWith(err)
	}
	return nil
}

// AfterCommit runs fn once what ctx's work wrote is committed: at once,
// unless ctx is a batch unit's, in which case fn waits for the batch's
// commit and is dropped if the unit is rolled back. Announcing a change
// to live streams goes through it, so that nobody hears of a write that
// did not happen.
func AfterCommit(ctx context.Context, fn func()) {
	if u, _ := ctx.Value(batchKey{}).(*batchUnit); u != nil && u.b.isActive() {
		u.after = append(u.after, fn)
		return
	}
	fn()
}

// batch is the transaction of the batch ctx belongs to, if it is the
// reader's database's and still running: a batch's reads go through it.
func (r *reader) batch(ctx context.Context) *Tx {
	u, _ := ctx.Value(batchKey{}).(*batchUnit)
	if u == nil || u.b.db.read != r || !u.b.isActive() {
		return nil
	}
	return u.b.tx
}

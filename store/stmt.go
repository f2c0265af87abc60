package store

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// maxCachedStatements bounds the statement cache: queries built with a
// variable number of placeholders would otherwise grow it without end.
const maxCachedStatements = 512

// stmtCache keeps prepared statements per query text. SQLite spends a
// good part of a short query's time parsing it; preparing once per
// connection removes that from every later call.
type stmtCache struct {
	pool      *sql.DB
	mu        sync.Mutex
	m         map[string]*sql.Stmt
	preparing map[string]bool
	closed    bool
}

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, m: map[string]*sql.Stmt{}, preparing: map[string]bool{}}
}

// get returns the prepared statement for q, preparing it on the pool
// first if needed; nil when it cannot (the caller then runs q
// unprepared). Only the read pool calls it: preparing waits for a free
// connection.
func (c *stmtCache) get(ctx context.Context, q string) *sql.Stmt {
	if st := c.lookup(q); st != nil {
		return st
	}
	c.mu.Lock()
	full := len(c.m) >= maxCachedStatements
	c.mu.Unlock()
	if full {
		return nil
	}
	// Prepare without the lock held: it may wait for a connection.
	st, err := c.pool.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	return c.add(q, st)
}

// add caches st for q, unless another goroutine got there first.
func (c *stmtCache) add(q string, st *sql.Stmt) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.preparing, q)
	if c.closed {
		st.Close()
		return nil
	}
	if have, ok := c.m[q]; ok {
		st.Close()
		return have
	}
	c.m[q] = st
	return st
}

// lookup returns the cached statement for q, or nil, without preparing.
func (c *stmtCache) lookup(q string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[q]
}

// prepareLater prepares statements a write transaction ran unprepared.
// A transaction holds the write pool's only connection, so it cannot
// prepare on the pool itself; this does it in the background once the
// connection is free, and the next transaction finds them.
func (c *stmtCache) prepareLater(queries map[string]bool) {
	c.mu.Lock()
	var todo []string
	for q := range queries {
		if _, ok := c.m[q]; !ok && !c.preparing[q] && len(c.m)+len(c.preparing) < maxCachedStatements {
			c.preparing[q] = true
			todo = append(todo, q)
		}
	}
	c.mu.Unlock()
	if len(todo) == 0 {
		return
	}
	go func() {
		for _, q := range todo {
			st, err := c.pool.PrepareContext(context.Background(), q)
			if err != nil {
				c.mu.Lock()
				delete(c.preparing, q)
				c.mu.Unlock()
				continue
			}
			c.add(q, st)
		}
	}()
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true // background preparations finishing later close their statement in add
	for _, st := range c.m {
		st.Close()
	}
	c.m = map[string]*sql.Stmt{}
}

// stmt returns the transaction's view of a cached statement, or nil after
// noting q as missing. The view is kept for the transaction's later calls:
// a batch runs the same few statements hundreds of times.
func (tx *Tx) stmt(ctx context.Context, q string) *sql.Stmt {
	st := tx.stmts.lookup(q)
	if st == nil {
		if tx.missed == nil {
			tx.missed = map[string]bool{}
		}
		tx.missed[q] = true
		return nil
	}
	if b := tx.bound[q]; b != nil {
		return b
	}
	b := tx.tx.StmtContext(ctx, st)
	if tx.bound == nil {
		tx.bound = map[string]*sql.Stmt{}
	}
	tx.bound[q] = b
	return b
}

func (tx *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := tx.stmt(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return tx.tx.ExecContext(ctx, q, args...)
}

// queryRow runs a one-row query in the transaction, prepared once.
func (tx *Tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if st := tx.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.tx.QueryRowContext(ctx, q, args...)
}

// query runs a query in the transaction, prepared once.
func (tx *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := tx.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return tx.tx.QueryContext(ctx, q, args...)
}

// reader runs read-only queries on the read pool through prepared
// statements.
type reader struct {
	pool    *sql.DB
	stmts   *stmtCache
	queries atomic.Int64 // queries run, for benchmarks (DB.ReadQueries)
}

// QueryRowContext runs a one-row query, prepared once per connection.
func (r *reader) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if tx := r.batch(ctx); tx != nil {
		return tx.queryRow(ctx, q, args...)
	}
	r.queries.Add(1)
	st := r.stmts.get(ctx, q)
	if st == nil {
		return r.pool.QueryRowContext(ctx, q, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// QueryContext runs a query, prepared once per connection.
func (r *reader) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if tx := r.batch(ctx); tx != nil {
		return tx.query(ctx, q, args...)
	}
	r.queries.Add(1)
	st := r.stmts.get(ctx, q)
	if st == nil {
		return r.pool.QueryContext(ctx, q, args...)
	}
	return st.QueryContext(ctx, args...)
}

// txQueryer lets code shared between reads and transactions (postWhere,
// followWhere) query inside a transaction through its cache.
type txQueryer struct{ tx *Tx }

func (q txQueryer) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return q.tx.queryRow(ctx, query, args...)
}

func (q txQueryer) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return q.tx.query(ctx, query, args...)
}

// ReadQueries is how many queries the read pool has run since the store
// was opened: benchmarks report it per request, a count other load on the
// machine does not change.
func (db *DB) ReadQueries() int64 { return db.read.queries.Load() }

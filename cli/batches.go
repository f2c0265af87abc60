package cli

import (
	"context"
	"fmt"

	"kith/store"
)

// progress prints "verb done of total what" lines for long commands.
type progress struct {
	c     stdio
	verb  string
	what  string
	total int
	done  int
}

func (p *progress) add(n int) {
	p.done += n
	fmt.Fprintf(p.c.stderr, "%s %d of %d %s\n", p.verb, p.done, p.total, p.what)
}

// inBatches runs batch in one transaction after another until one finds
// nothing left to do, counting in p what each did. Small transactions let
// a running kith serve write between them.
func inBatches(ctx context.Context, db *store.DB, p *progress, batch func(tx *store.Tx) (int, error)) error {
	for {
		var n int
		err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			n, err = batch(tx)
			return err
		})
		if err != nil || n == 0 {
			return err
		}
		p.add(n)
	}
}

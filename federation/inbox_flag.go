package federation

import (
	"cmp"
	"context"
	"fmt"

	"kith/federation/ap"
	"kith/store"
)

// onFlag stores a report sent by another server's moderators.
func (f *Federation) onFlag(ctx context.Context, actor store.Actor, act *ap.Activity) error {
	id := cmp.Or(act.ID, fmt.Sprintf("%s#flag-%d", actor.URI, f.now().UnixNano()))
	objects := []string{act.Object.ID}
	return f.db.InTx(ctx, func(tx *store.Tx) error {
		return tx.InsertReport(ctx, actor.ID, id, ap.PlainText(string(act.Content)), objects)
	})
}

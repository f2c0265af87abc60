package transport

import (
	"context"
	"errors"
	"sync/atomic"
)

// ErrNoNetwork is the error of a request made under a context from
// WithoutNetwork.
var ErrNoNetwork = errors.New("no network requests allowed here")

type noNetworkKey struct{}

// WithoutNetwork returns a context under which the client sends nothing:
// every request fails at once with ErrNoNetwork. refused reports whether
// any was tried, so that work which would have waited on the network (and
// may have carried on without the answer) can be redone where waiting is
// allowed. Received activities applied in one transaction run under it:
// holding the database's write lock across a fetch would stall every
// writer.
func WithoutNetwork(ctx context.Context) (_ context.Context, refused func() bool) {
	var tried atomic.Bool
	return context.WithValue(ctx, noNetworkKey{}, &tried), tried.Load
}

// CheckNetwork returns ErrNoNetwork, and notes the refusal, when ctx
// forbids requests. Callers that would wait for a request made elsewhere
// (a fetch already running for the same URL) check it first.
func CheckNetwork(ctx context.Context) error {
	if tried, _ := ctx.Value(noNetworkKey{}).(*atomic.Bool); tried != nil {
		tried.Store(true)
		return ErrNoNetwork
	}
	return nil
}

package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// ErrTooLarge is returned (wrapped) when a response body is larger than
// Options.MaxBody, either announced by Content-Length or found while
// reading.
var ErrTooLarge = errors.New("response body too large")

// limitedBody fails a read that would go past max bytes instead of
// truncating silently: a cut-off JSON document must not parse as a
// shorter valid one.
type limitedBody struct {
	rc   io.ReadCloser
	left int64
	max  int64
	url  string
	err  error
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	// Ask for one byte more than allowed so that a body of exactly max
	// bytes reads cleanly and one byte more is detected.
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	if int64(n) > b.left {
		n = int(b.left)
		b.left = 0
		b.err = fmt.Errorf("%s: more than %d bytes: %w", b.url, b.max, ErrTooLarge)
		return n, b.err
	}
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// cancelOnClose releases the request's timeout when the body is closed:
// the timeout covers reading the body, not just the headers.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

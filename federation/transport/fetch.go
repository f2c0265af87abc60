package transport

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// drainLimit is how much of an unwanted response body is read so that the
// connection can go back to the pool; past it, closing is cheaper.
const drainLimit = 64 << 10

// StatusError is returned for a response whose status is not 2xx.
type StatusError struct {
	Code int
	URL  string
	// RetryAfter is the wait the server asked for with Retry-After (in
	// seconds or as an HTTP date), zero if it asked for none.
	RetryAfter time.Duration
}

// Error describes the status and the requested URL.
func (e *StatusError) Error() string {
	s := fmt.Sprintf("%s: status %d %s", e.URL, e.Code, http.StatusText(e.Code))
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	return s
}

// GetBody fetches url and reads at most MaxBody bytes of its body. header
// is added to the request; sign, if not nil, is called on it last, and
// again on each redirect hop, so that a signature covers the final
// headers and target. A non-2xx answer is a *StatusError. resp is returned
// whenever the server answered (its body is already closed), for headers
// and the final URL.
func (c *Client) GetBody(ctx context.Context, url string, header http.Header, sign func(*http.Request) error) (body []byte, resp *http.Response, err error) {
	req, err := c.newRequest(ctx, http.MethodGet, url, nil, sign)
	if err != nil {
		return nil, nil, err
	}
	for k, v := range header {
		req.Header[k] = append([]string(nil), v...)
	}
	if err := signRequest(req, sign); err != nil {
		return nil, nil, err
	}
	resp, err = c.send(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	if err := statusError(url, resp, time.Now()); err != nil {
		io.Copy(io.Discard, io.LimitReader(resp.Body, drainLimit))
		return nil, resp, err
	}
	if err := c.limit(resp); err != nil {
		return nil, resp, err
	}
	body, err = io.ReadAll(resp.Body)
	if err != nil {
		return nil, resp, fmt.Errorf("reading %s: %w", url, err)
	}
	return body, resp, nil
}

// GetPrefix fetches url and reads at most limit bytes of its body,
// whatever its size: a page longer than limit is cut off there, not
// refused (truncated reports it), for readers that need only its head.
// Otherwise it is GetBody without signing: a non-2xx answer is a
// *StatusError, and resp (its body closed) is returned whenever the
// server answered.
func (c *Client) GetPrefix(ctx context.Context, url string, header http.Header, limit int64) (body []byte, truncated bool, resp *http.Response, err error) {
	req, err := c.newRequest(ctx, http.MethodGet, url, nil, nil)
	if err != nil {
		return nil, false, nil, err
	}
	for k, v := range header {
		req.Header[k] = append([]string(nil), v...)
	}
	resp, err = c.send(req)
	if err != nil {
		return nil, false, nil, err
	}
	defer resp.Body.Close()
	if err := statusError(url, resp, time.Now()); err != nil {
		io.Copy(io.Discard, io.LimitReader(resp.Body, drainLimit))
		return nil, false, resp, err
	}
	body, err = io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, false, resp, fmt.Errorf("reading %s: %w", url, err)
	}
	if int64(len(body)) > limit {
		// Closing the rest unread drops the connection, which is
		// cheaper than reading megabytes to keep it.
		return body[:limit], true, resp, nil
	}
	return body, false, resp, nil
}

// Post sends body to url with the given Content-Type; sign, if not nil,
// is called on the request (and on each 307/308 redirect hop). The
// response body is drained and closed; a non-2xx answer is a
// *StatusError, returned with the response. A 301/302/303 is not followed
// (it would turn the POST into a GET) and comes back as a *StatusError.
func (c *Client) Post(ctx context.Context, url string, contentType string, body []byte, sign func(*http.Request) error) (*http.Response, error) {
	req, err := c.newRequest(ctx, http.MethodPost, url, bytes.NewReader(body), sign)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	if err := signRequest(req, sign); err != nil {
		return nil, err
	}
	resp, err := c.send(req)
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, drainLimit))
	resp.Body.Close()
	if err := statusError(url, resp, time.Now()); err != nil {
		return resp, err
	}
	return resp, nil
}

// newRequest builds a request whose context carries sign, for
// checkRedirect to re-sign each hop.
func (c *Client) newRequest(ctx context.Context, method, url string, body io.Reader, sign func(*http.Request) error) (*http.Request, error) {
	if sign != nil {
		ctx = context.WithValue(ctx, signKey{}, sign)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, url, err)
	}
	if err := checkScheme(req.URL); err != nil {
		return nil, err
	}
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	return req, nil
}

type signKey struct{}

func signerFrom(ctx context.Context) func(*http.Request) error {
	sign, _ := ctx.Value(signKey{}).(func(*http.Request) error)
	return sign
}

func signRequest(req *http.Request, sign func(*http.Request) error) error {
	if sign == nil {
		return nil
	}
	if err := sign(req); err != nil {
		return fmt.Errorf("signing %s %s: %w", req.Method, req.URL, err)
	}
	return nil
}

func statusError(url string, resp *http.Response, now time.Time) error {
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil
	}
	return &StatusError{
		Code:       resp.StatusCode,
		URL:        url,
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), now),
	}
}

// parseRetryAfter reads Retry-After as delay-seconds or an HTTP date
// (RFC 9110 §10.2.3). Anything unreadable or in the past means no wait.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		// Saturate rather than overflow on absurd values.
		if secs > math.MaxInt64/int64(time.Second) {
			return time.Duration(math.MaxInt64)
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

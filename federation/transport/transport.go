// Package transport is the outbound HTTP client kith federates with. One
// Client (one connection pool) serves the whole process. It refuses to
// connect to loopback, private and other non-public addresses unless told
// otherwise, caps response sizes and request time, and maps test host
// names to local addresses so several instances can federate on one
// machine.
package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"time"
)

const (
	defaultTimeout = 10 * time.Second
	defaultMaxBody = 1 << 20
	maxRedirects   = 5
)

var (
	// ErrUnsupportedScheme is returned (wrapped) for a URL, or a redirect
	// target, whose scheme is not http or https.
	ErrUnsupportedScheme = errors.New("unsupported URL scheme")
	// ErrTooManyRedirects is returned (wrapped) after more than five
	// redirects.
	ErrTooManyRedirects = errors.New("too many redirects")
	// ErrInsecureRedirect is returned (wrapped) when an https URL redirects
	// to plain http on a host that is not in the Hosts map.
	ErrInsecureRedirect = errors.New("redirect from https to http")
)

// Options configures a Client. The zero value is a production client:
// public addresses only, 10 s per request, 1 MiB per response.
type Options struct {
	// AllowPrivate permits loopback and private addresses (tests, labs).
	AllowPrivate bool
	// Refuse lists addresses refused even when AllowPrivate is set: a
	// lab's metadata service, or in tests one loopback address standing
	// in for a private network.
	Refuse []netip.Prefix
	// Hosts maps a host name (case-insensitive) to the "ip:port" to dial
	// instead of resolving it; the URL's port is ignored for mapped hosts.
	Hosts map[string]string
	// UserAgent is sent unless a request sets its own.
	UserAgent string
	// Timeout bounds each request, redirects and body reading included.
	Timeout time.Duration
	// MaxBody is the largest response body Do and GetBody will read.
	MaxBody int64
	// Logger receives debug lines for each request; nil discards them.
	Logger *slog.Logger
}

// Client sends kith's outbound requests. It is safe for concurrent use;
// build one per process so connections are pooled.
type Client struct {
	http      *http.Client
	transport *http.Transport
	guard     *guard
	userAgent string
	timeout   time.Duration
	maxBody   int64
	log       *slog.Logger
}

// New returns a Client configured by opts.
func New(opts Options) *Client {
	if opts.Timeout <= 0 {
		opts.Timeout = defaultTimeout
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = defaultMaxBody
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Client{
		guard:     newGuard(opts.AllowPrivate, opts.Hosts, &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}),
		userAgent: opts.UserAgent,
		timeout:   opts.Timeout,
		maxBody:   opts.MaxBody,
		log:       opts.Logger,
	}
	c.guard.refuse = opts.Refuse
	c.transport = newHTTPTransport(c.guard, opts.Timeout)
	c.http = &http.Client{Transport: c.transport, CheckRedirect: c.checkRedirect}
	return c
}

func newHTTPTransport(g *guard, timeout time.Duration) *http.Transport {
	return &http.Transport{
		// No proxy, even from the environment: through a proxy the guard
		// would check the proxy's address instead of the peer's.
		Proxy:                  nil,
		DialContext:            g.dialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           100,
		MaxIdleConnsPerHost:    8,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ResponseHeaderTimeout:  timeout,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 64 << 10,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
	}
}

// Do sends req with the client's timeout and returns the response with its
// body limited to MaxBody: reading past it fails with ErrTooLarge, and a
// Content-Length above it fails before any reading. The caller closes the
// body, which also releases the timeout. Any status is returned as is.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.send(req)
	if err != nil {
		return nil, err
	}
	if err := c.limit(resp); err != nil {
		return nil, err
	}
	return resp, nil
}

// send does the round trip under the client's timeout, which lasts until
// the response body is closed.
func (c *Client) send(req *http.Request) (*http.Response, error) {
	if err := checkScheme(req.URL); err != nil {
		return nil, err
	}
	if err := CheckNetwork(req.Context()); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(req.Context(), c.timeout)
	req = req.Clone(ctx)
	if c.userAgent != "" && req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	secret := pathIsSecret(req.Context())
	attrs := []any{"method", req.Method, "host", req.URL.Host}
	if !secret {
		attrs = append(attrs, "path", req.URL.Path)
	}
	if err != nil {
		cancel()
		logged := error(err)
		if secret {
			logged = withoutPath(err, req.URL)
		}
		c.log.Debug("outbound request failed", append(attrs, "error", logged)...)
		return nil, err
	}
	c.log.Debug("outbound request", append(attrs, "status", resp.StatusCode, "elapsed", time.Since(start))...)
	resp.Body = cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// limit applies MaxBody to resp, closing it if Content-Length is already
// too large.
func (c *Client) limit(resp *http.Response) error {
	u := resp.Request.URL.String()
	if resp.ContentLength > c.maxBody {
		resp.Body.Close()
		return fmt.Errorf("%s: content length %d over %d bytes: %w", u, resp.ContentLength, c.maxBody, ErrTooLarge)
	}
	resp.Body = &limitedBody{rc: resp.Body, left: c.maxBody, max: c.maxBody, url: u}
	return nil
}

// checkRedirect runs before each redirect is followed. The dial guard
// needs no call here: every hop dials through it anyway.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > maxRedirects {
		return fmt.Errorf("%s: more than %d redirects: %w", via[0].URL, maxRedirects, ErrTooManyRedirects)
	}
	// A POST answered with 301/302/303 would be replayed as a GET without
	// its body; a 2xx to that GET is not a delivery. Hand back the 3xx.
	if req.Method != via[0].Method {
		return http.ErrUseLastResponse
	}
	if err := checkScheme(req.URL); err != nil {
		return err
	}
	prev := via[len(via)-1].URL
	if prev.Scheme == "https" && req.URL.Scheme == "http" && !c.guard.mapped(req.URL.Hostname()) {
		return fmt.Errorf("%s to %s: %w", prev, req.URL, ErrInsecureRedirect)
	}
	// A signature covers the request target, so each hop needs its own.
	if sign := signerFrom(req.Context()); sign != nil {
		if err := sign(req); err != nil {
			return fmt.Errorf("signing redirect to %s: %w", req.URL, err)
		}
	}
	return nil
}

func checkScheme(u *url.URL) error {
	if u == nil {
		return fmt.Errorf("no URL: %w", ErrUnsupportedScheme)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%s: %q: %w", u.Redacted(), u.Scheme, ErrUnsupportedScheme)
	}
	return nil
}

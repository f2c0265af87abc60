// Package s3 is kith's client for S3-compatible object storage: the calls
// media storage, backups and database replication make (objects, byte
// ranges, listings, batch deletes, multipart uploads), signed with AWS
// Signature Version 4. It talks to AWS and to the services that speak its
// API (MinIO, Garage, R2, B2, versitygw, …), in the virtual-hosted or the
// path style.
package s3

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config says which bucket a Client uses and how to reach it.
type Config struct {
	// Endpoint is the service's base URL; empty means AWS in Region.
	Endpoint string
	// Region is the one requests are signed for; empty means us-east-1.
	Region               string
	Bucket               string
	AccessKey, SecretKey string
	// PathStyle addresses the bucket as ENDPOINT/BUCKET/KEY instead of
	// BUCKET.ENDPOINT/KEY.
	PathStyle bool
	// HTTPClient sends the requests; nil means one with timeouts.
	HTTPClient *http.Client
}

// Client sends signed requests about one bucket. It is safe for
// concurrent use.
type Client struct {
	scheme, host string // the bucket's host, in the virtual-hosted style
	root         string // the path before a key: the endpoint's, and "/BUCKET" in the path style
	region       string
	access       string
	signingKey   signingKeys
	hc           *http.Client
	bad          error // a Config no request can be made with
	pageSize     int   // a List page's most keys; 0 is the service's (1,000)
}

// New builds a client. It sends nothing; a Config no request can be made
// with (an endpoint that is not an http or https URL, no bucket) makes
// every call fail with the reason.
func New(c Config) *Client {
	region := cmp.Or(c.Region, "us-east-1")
	cl := &Client{region: region, access: c.AccessKey, hc: c.HTTPClient,
		signingKey: signingKeys{secret: c.SecretKey, region: region}}
	if cl.hc == nil {
		cl.hc = &http.Client{Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: time.Minute,
			MaxIdleConnsPerHost:   16,
			IdleConnTimeout:       90 * time.Second,
		}}
	}
	endpoint := cmp.Or(c.Endpoint, "https://s3."+region+".amazonaws.com")
	u, err := url.Parse(endpoint)
	switch {
	case c.Bucket == "":
		cl.bad = errors.New("s3: no bucket named")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "":
		cl.bad = fmt.Errorf("s3: endpoint %q is not an http or https URL", endpoint)
	case c.PathStyle:
		cl.scheme, cl.host = u.Scheme, u.Host
		cl.root = strings.TrimSuffix(u.EscapedPath(), "/") + "/" + escapePath(c.Bucket)
	default:
		cl.scheme, cl.host = u.Scheme, c.Bucket+"."+u.Host
		cl.root = strings.TrimSuffix(u.EscapedPath(), "/")
	}
	return cl
}

// Error is a request the service answered with an error.
type Error struct {
	Op, Key string // what was asked, of which object ("" for the bucket)
	Status  int
	// Code is S3's error code (NoSuchKey, AccessDenied, SlowDown, …);
	// the answers to HEAD carry none, and get the status's name.
	Code    string
	Message string
}

func (e *Error) Error() string {
	s := "s3 " + e.Op
	if e.Key != "" {
		s += " " + e.Key
	}
	s += fmt.Sprintf(": %d %s", e.Status, e.Code)
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Is makes a missing object an fs.ErrNotExist. A missing bucket is not.
func (e *Error) Is(target error) bool {
	return target == fs.ErrNotExist && (e.Code == "NoSuchKey" || e.Code == "NoSuchUpload" || (e.Status == http.StatusNotFound && e.Code == "NotFound"))
}

// request is one call to the service.
type request struct {
	op     string // for errors: "get", "put", "list", …
	method string
	key    string // "" addresses the bucket
	query  map[string]string
	header http.Header
	// body is sent from its start, again on a retry; nil sends none.
	body io.ReadSeeker
	size int64
}

// attempts is how many times a request is sent when the network fails or
// the service answers 5xx or 429: a service that is down is reported
// soon, and one lost connection or throttled request is not.
const attempts = 2

// do sends r, signed, and returns the response to a 2xx. Any other
// answer is read into an *Error.
func (c *Client) do(ctx context.Context, r request) (*http.Response, error) {
	if c.bad != nil {
		return nil, c.bad
	}
	hash, err := payloadHash(r.body)
	if err != nil {
		return nil, fmt.Errorf("s3 %s %s: read body: %w", r.op, r.key, err)
	}
	var lastErr error
	for try := range attempts {
		if try > 0 {
			select {
			case <-ctx.Done():
				return nil, errors.Join(ctx.Err(), lastErr)
			case <-time.After(time.Duration(try) * 200 * time.Millisecond):
			}
		}
		resp, err := c.send(ctx, r, hash)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			lastErr = fmt.Errorf("s3 %s %s: %w", r.op, r.key, err)
			continue
		}
		if resp.StatusCode/100 == 2 {
			return resp, nil
		}
		lastErr = readError(resp, r.op, r.key, c.region)
		if resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests && !retryable(lastErr) {
			break
		}
	}
	return nil, lastErr
}

// send makes one attempt at r.
func (c *Client) send(ctx context.Context, r request, hash string) (*http.Response, error) {
	var body io.Reader
	switch {
	case r.body != nil && r.size == 0:
		body = http.NoBody // sent with "Content-Length: 0", not chunked
	case r.body != nil:
		if _, err := r.body.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		body = io.NopCloser(r.body) // the client must not close the caller's file
	}
	path := c.root + "/" + escapePath(r.key)
	if r.key == "" && c.root != "" {
		path = c.root // the bucket itself, in the path style
	}
	u := &url.URL{Scheme: c.scheme, Host: c.host, Path: unescaped(path), RawPath: path, RawQuery: canonicalQuery(r.query)}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return nil, err
	}
	if r.body != nil && r.size > 0 {
		req.ContentLength = r.size
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	// Objects are read as stored: a proxy's gzip, which Go's transport
	// would undo silently, would break sizes and ranges.
	req.Header.Set("Accept-Encoding", "identity")
	c.sign(req, hash, time.Now())
	return c.hc.Do(req)
}

// retryable says whether a 4xx answer is worth one more try: S3 answers
// 400 RequestTimeout when a request's body came too slowly.
func retryable(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == "RequestTimeout"
}

// payloadHash is the hex SHA-256 of body, which is left at its start.
func payloadHash(body io.ReadSeeker) (string, error) {
	h := sha256.New()
	if body != nil {
		if _, err := body.Seek(0, io.SeekStart); err != nil {
			return "", err
		}
		if _, err := io.Copy(h, body); err != nil {
			return "", err
		}
		if _, err := body.Seek(0, io.SeekStart); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// readError reads the XML error document of a failed answer (HEAD has
// none) and closes the body. An answer that names another region for
// the bucket than the one requests are signed for says so: it is the
// usual cause of a refusal by AWS.
func readError(resp *http.Response, op, key, region string) error {
	defer resp.Body.Close()
	e := &Error{Op: op, Key: key, Status: resp.StatusCode}
	var doc struct {
		Code    string
		Message string
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if xml.Unmarshal(b, &doc) == nil {
		e.Code, e.Message = doc.Code, doc.Message
	}
	if e.Code == "" {
		e.Code = strings.ReplaceAll(http.StatusText(resp.StatusCode), " ", "")
	}
	if e.Code == "" {
		e.Code = "HTTP" + strconv.Itoa(resp.StatusCode)
	}
	if r := resp.Header.Get("X-Amz-Bucket-Region"); r != "" && r != region {
		e.Message = strings.TrimPrefix(e.Message+"; ", "; ") + "the bucket is in region " + r + ", not " + region + ": set the region"
	}
	return e
}

// decodeXML reads a 2xx answer's XML document into v and closes it. An
// <Error> document (CompleteMultipartUpload answers 200 with one when it
// fails late) is returned as an *Error.
func decodeXML(resp *http.Response, op, key string, v any) error {
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("s3 %s %s: %w", op, key, err)
	}
	var doc struct {
		XMLName       xml.Name
		Code, Message string
	}
	if err := xml.Unmarshal(b, &doc); err == nil && doc.XMLName.Local == "Error" {
		return &Error{Op: op, Key: key, Status: resp.StatusCode, Code: cmp.Or(doc.Code, "InternalError"), Message: doc.Message}
	}
	if err := xml.Unmarshal(b, v); err != nil {
		return fmt.Errorf("s3 %s %s: the answer is not the XML expected: %w", op, key, err)
	}
	return nil
}

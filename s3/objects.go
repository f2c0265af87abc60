package s3

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Info describes a stored object.
type Info struct {
	Key      string
	Size     int64
	Modified time.Time
	ETag     string
	// Metadata holds the x-amz-meta-* headers (names in lower case,
	// without the prefix); only Head and Get fill it.
	Metadata map[string]string
}

// PutOptions are what Put stores beside the bytes.
type PutOptions struct {
	ContentType string
	Metadata    map[string]string // sent as x-amz-meta-NAME
}

func (o PutOptions) header() http.Header {
	h := http.Header{}
	if o.ContentType != "" {
		h.Set("Content-Type", o.ContentType)
	}
	for k, v := range o.Metadata {
		h.Set("X-Amz-Meta-"+k, v)
	}
	return h
}

// HeadBucket checks that the bucket is there and the keys may use it.
func (c *Client) HeadBucket(ctx context.Context) error {
	resp, err := c.do(ctx, request{op: "head bucket", method: http.MethodHead})
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// Put stores size bytes of body under key in one request (S3 takes up to
// 5 GiB so). body is read twice: once for its hash, once to send it.
func (c *Client) Put(ctx context.Context, key string, body io.ReadSeeker, size int64, o PutOptions) (etag string, err error) {
	resp, err := c.do(ctx, request{op: "put", method: http.MethodPut, key: key, header: o.header(), body: body, size: size})
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	return resp.Header.Get("ETag"), nil
}

// Head reads an object's size, time, ETag and metadata.
func (c *Client) Head(ctx context.Context, key string) (Info, error) {
	resp, err := c.do(ctx, request{op: "head", method: http.MethodHead, key: key})
	if err != nil {
		return Info{}, err
	}
	resp.Body.Close()
	return infoOf(key, resp), nil
}

// GetOptions narrow a Get.
type GetOptions struct {
	// Offset is the first byte read; Length, when above zero, how many.
	Offset, Length int64
	// IfMatch, when set, refuses an object whose ETag has changed since.
	IfMatch string
}

// Get reads an object, or a range of it. Info.Size is the whole object's
// size, also for a range.
func (c *Client) Get(ctx context.Context, key string, o GetOptions) (io.ReadCloser, Info, error) {
	h := http.Header{}
	switch {
	case o.Length > 0:
		h.Set("Range", fmt.Sprintf("bytes=%d-%d", o.Offset, o.Offset+o.Length-1))
	case o.Offset > 0:
		h.Set("Range", fmt.Sprintf("bytes=%d-", o.Offset))
	}
	if o.IfMatch != "" {
		h.Set("If-Match", o.IfMatch)
	}
	resp, err := c.do(ctx, request{op: "get", method: http.MethodGet, key: key, header: h})
	if err != nil {
		return nil, Info{}, err
	}
	return resp.Body, infoOf(key, resp), nil
}

// infoOf reads an object's description from the headers of its HEAD or
// GET answer.
func infoOf(key string, resp *http.Response) Info {
	i := Info{Key: key, Size: resp.ContentLength, ETag: resp.Header.Get("ETag")}
	if cr := resp.Header.Get("Content-Range"); cr != "" { // bytes A-B/SIZE
		if _, total, ok := strings.Cut(cr, "/"); ok {
			if n, err := strconv.ParseInt(total, 10, 64); err == nil {
				i.Size = n
			}
		}
	}
	i.Modified, _ = http.ParseTime(resp.Header.Get("Last-Modified"))
	for k, v := range resp.Header {
		if name, ok := strings.CutPrefix(strings.ToLower(k), "x-amz-meta-"); ok && len(v) > 0 {
			if i.Metadata == nil {
				i.Metadata = map[string]string{}
			}
			i.Metadata[name] = v[0]
		}
	}
	return i
}

// Delete removes an object; S3 answers a missing one with success too.
func (c *Client) Delete(ctx context.Context, key string) error {
	resp, err := c.do(ctx, request{op: "delete", method: http.MethodDelete, key: key})
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// maxDeleteKeys is how many keys one DeleteObjects request may name.
const maxDeleteKeys = 1000

// DeleteKeys removes objects, a thousand per request. Keys that are not
// there are no error; the first key the service refused is.
func (c *Client) DeleteKeys(ctx context.Context, keys []string) error {
	for len(keys) > 0 {
		n := min(len(keys), maxDeleteKeys)
		if err := c.deleteBatch(ctx, keys[:n]); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

func (c *Client) deleteBatch(ctx context.Context, keys []string) error {
	type object struct {
		Key string
	}
	doc := struct {
		XMLName xml.Name `xml:"Delete"`
		Quiet   bool
		Object  []object
	}{Quiet: true}
	for _, k := range keys {
		doc.Object = append(doc.Object, object{k})
	}
	body, err := xml.Marshal(doc)
	if err != nil {
		return err
	}
	sum := md5.Sum(body) // S3 requires Content-MD5 on this call
	h := http.Header{"Content-Md5": {base64.StdEncoding.EncodeToString(sum[:])}, "Content-Type": {"application/xml"}}
	resp, err := c.do(ctx, request{op: "delete objects", method: http.MethodPost, query: map[string]string{"delete": ""},
		header: h, body: strings.NewReader(string(body)), size: int64(len(body))})
	if err != nil {
		return err
	}
	var res struct {
		Error []struct{ Key, Code, Message string }
	}
	if err := decodeXML(resp, "delete objects", "", &res); err != nil {
		return err
	}
	for _, e := range res.Error {
		if e.Code != "NoSuchKey" {
			return &Error{Op: "delete", Key: e.Key, Status: http.StatusOK, Code: e.Code, Message: e.Message}
		}
	}
	return nil
}

// List calls fn with each object whose key starts with prefix, in key
// order, beginning after startAfter ("" for the first), a page of up to
// a thousand at a time. An error from fn stops the listing and is
// returned.
func (c *Client) List(ctx context.Context, prefix, startAfter string, fn func(Info) error) error {
	token := ""
	for {
		q := map[string]string{"list-type": "2", "prefix": prefix}
		if c.pageSize > 0 {
			q["max-keys"] = strconv.Itoa(c.pageSize)
		}
		if token != "" {
			q["continuation-token"] = token
		} else if startAfter != "" {
			q["start-after"] = startAfter
		}
		resp, err := c.do(ctx, request{op: "list", method: http.MethodGet, query: q, key: ""})
		if err != nil {
			return err
		}
		var page struct {
			IsTruncated           bool
			NextContinuationToken string
			Contents              []struct {
				Key          string
				LastModified time.Time
				ETag         string
				Size         int64
			}
		}
		if err := decodeXML(resp, "list", prefix, &page); err != nil {
			return err
		}
		for _, o := range page.Contents {
			if err := fn(Info{Key: o.Key, Size: o.Size, Modified: o.LastModified, ETag: o.ETag}); err != nil {
				return err
			}
		}
		if !page.IsTruncated {
			return nil
		}
		if page.NextContinuationToken == "" {
			return errors.New("s3 list " + prefix + ": a truncated page without a continuation token")
		}
		token = page.NextContinuationToken
	}
}

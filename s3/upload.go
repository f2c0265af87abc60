package s3

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// streamPartSize is the part size of a body PutReader cannot seek or
// size: it holds one part in memory at a time, so a stream of any length
// (up to S3's 10,000 parts, 80 GiB) costs 8 MiB.
const streamPartSize = 8 << 20

// maxPut is the most one PUT may carry.
const maxPut = 5 << 30

// PutReader stores what r holds under key and returns its length. size
// may be -1 when not known. A body it cannot seek (or too big for one
// PUT) is read in parts of 8 MiB: one PUT when it fits in one part, else a
// multipart upload, a part at a time, aborted if it fails.
func (c *Client) PutReader(ctx context.Context, key string, r io.Reader, size int64, o PutOptions) (int64, error) {
	if rs, ok := r.(io.ReadSeeker); ok && size >= 0 && size <= maxPut {
		_, err := c.Put(ctx, key, rs, size, o)
		return size, err
	}
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, streamPartSize+1))
	if err != nil {
		return 0, fmt.Errorf("s3 put %s: read body: %w", key, err)
	}
	if n <= streamPartSize {
		_, err := c.Put(ctx, key, bytes.NewReader(buf.Bytes()), n, o)
		return n, err
	}
	// The byte past the first part begins the second (copied: the
	// second part is read into the first's memory).
	rest := io.MultiReader(bytes.NewReader(bytes.Clone(buf.Bytes()[streamPartSize:])), r)
	return c.uploadStream(ctx, key, buf.Bytes()[:streamPartSize], rest, o)
}

// uploadStream sends first, then what rest holds, as the parts of a
// multipart upload, reading each part into first's memory once the one
// before is sent.
func (c *Client) uploadStream(ctx context.Context, key string, first []byte, rest io.Reader, o PutOptions) (int64, error) {
	uploadID, err := c.startMultipart(ctx, key, o)
	if err != nil {
		return 0, err
	}
	var parts []part
	var total int64
	chunk := first
	for err == nil {
		var etag string
		etag, err = c.putPart(ctx, key, uploadID, len(parts)+1, bytes.NewReader(chunk), int64(len(chunk)))
		if err != nil {
			break
		}
		parts = append(parts, part{PartNumber: len(parts) + 1, ETag: etag})
		total += int64(len(chunk))
		var n int
		n, err = io.ReadFull(rest, first)
		chunk = first[:n]
		switch {
		case err == io.EOF: // nothing more
			err = c.completeMultipart(ctx, key, uploadID, parts)
			if err == nil {
				return total, nil
			}
		case err == io.ErrUnexpectedEOF: // the last part
			err = nil
		case err != nil:
			err = fmt.Errorf("s3 put %s: read body: %w", key, err)
		}
	}
	return 0, errors.Join(err, c.abortMultipart(ctx, key, uploadID))
}

// DefaultPartSize is Upload's part size when none is given: 64 MiB parts
// keep a 100 GB object under S3's 10,000 parts.
const DefaultPartSize = 64 << 20

// minPartSize is the smallest part S3 takes (but for the last).
const minPartSize = 5 << 20

// Upload stores the size bytes of r under key: in one PUT up to partSize
// (0: DefaultPartSize), else as a multipart upload of parts of that
// size, two at a time. The object appears whole when the upload
// completes; a failed one is aborted.
func (c *Client) Upload(ctx context.Context, key string, r io.ReaderAt, size, partSize int64, o PutOptions) error {
	if partSize <= 0 {
		partSize = DefaultPartSize
	}
	partSize = max(partSize, minPartSize)
	if size <= partSize {
		_, err := c.Put(ctx, key, io.NewSectionReader(r, 0, size), size, o)
		return err
	}
	uploadID, err := c.startMultipart(ctx, key, o)
	if err != nil {
		return err
	}
	parts, err := c.sendParts(ctx, key, uploadID, r, size, partSize)
	if err == nil {
		err = c.completeMultipart(ctx, key, uploadID, parts)
	}
	if err != nil {
		return errors.Join(err, c.abortMultipart(ctx, key, uploadID))
	}
	return nil
}

// abortMultipart drops the parts of an upload that failed, even when ctx
// ended (the parts would be stored, and billed, until it is aborted).
func (c *Client) abortMultipart(ctx context.Context, key, uploadID string) error {
	resp, err := c.do(context.WithoutCancel(ctx), request{op: "abort upload", method: http.MethodDelete, key: key, query: map[string]string{"uploadId": uploadID}})
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// putPart sends part n (from 1) of an upload and returns its ETag.
func (c *Client) putPart(ctx context.Context, key, uploadID string, n int, body io.ReadSeeker, size int64) (string, error) {
	q := map[string]string{"partNumber": strconv.Itoa(n), "uploadId": uploadID}
	resp, err := c.do(ctx, request{op: "put part", method: http.MethodPut, key: key, query: q, body: body, size: size})
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	return resp.Header.Get("ETag"), nil
}

func (c *Client) startMultipart(ctx context.Context, key string, o PutOptions) (string, error) {
	resp, err := c.do(ctx, request{op: "start upload", method: http.MethodPost, key: key, query: map[string]string{"uploads": ""}, header: o.header()})
	if err != nil {
		return "", err
	}
	var res struct{ UploadId string }
	if err := decodeXML(resp, "start upload", key, &res); err != nil {
		return "", err
	}
	if res.UploadId == "" {
		return "", fmt.Errorf("s3 start upload %s: no upload id in the answer", key)
	}
	return res.UploadId, nil
}

// part is a sent part, as CompleteMultipartUpload names it.
type part struct {
	PartNumber int
	ETag       string
}

// partsInFlight is how many parts Upload sends at once.
const partsInFlight = 2

func (c *Client) sendParts(ctx context.Context, key, uploadID string, r io.ReaderAt, size, partSize int64) ([]part, error) {
	n := int((size + partSize - 1) / partSize)
	parts := make([]part, n)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	for range partsInFlight {
		wg.Go(func() {
			for i := range next {
				off := int64(i) * partSize
				body := io.NewSectionReader(r, off, min(partSize, size-off))
				etag, err := c.putPart(ctx, key, uploadID, i+1, body, body.Size())
				if err != nil {
					cancel(err)
					continue
				}
				parts[i] = part{PartNumber: i + 1, ETag: etag}
			}
		})
	}
send:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break send
		}
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	return parts, nil
}

func (c *Client) completeMultipart(ctx context.Context, key, uploadID string, parts []part) error {
	body, err := xml.Marshal(struct {
		XMLName xml.Name `xml:"CompleteMultipartUpload"`
		Part    []part
	}{Part: parts})
	if err != nil {
		return err
	}
	resp, err := c.do(ctx, request{op: "complete upload", method: http.MethodPost, key: key, query: map[string]string{"uploadId": uploadID},
		header: http.Header{"Content-Type": {"application/xml"}}, body: bytes.NewReader(body), size: int64(len(body))})
	if err != nil {
		return err
	}
	var res struct{ ETag string }
	return decodeXML(resp, "complete upload", key, &res)
}

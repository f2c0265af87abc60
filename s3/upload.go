package s3

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
)

// spoolInMemory is the largest body of unknown length PutReader holds in
// memory; a larger one is spooled to a temporary file (a request states
// its length and hash before its body, on plain http too).
const spoolInMemory = 8 << 20

// maxPut is the most one PUT may carry; Upload sends more in parts.
const maxPut = 5 << 30

// PutReader stores what r holds under key. size may be -1 when not
// known; r is then read first (in memory up to 8 MiB, then into a
// temporary file). It returns the number of bytes stored.
func (c *Client) PutReader(ctx context.Context, key string, r io.Reader, size int64, o PutOptions) (int64, error) {
	if rs, ok := r.(io.ReadSeeker); ok && size >= 0 && size <= maxPut {
		_, err := c.Put(ctx, key, rs, size, o)
		return size, err
	}
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, spoolInMemory+1))
	if err != nil {
		return 0, fmt.Errorf("s3 put %s: read body: %w", key, err)
	}
	if n <= spoolInMemory {
		_, err := c.Put(ctx, key, bytes.NewReader(buf.Bytes()), n, o)
		return n, err
	}
	tmp, err := os.CreateTemp("", "kith-s3-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if n, err = io.Copy(tmp, io.MultiReader(&buf, r)); err != nil {
		return 0, fmt.Errorf("s3 put %s: spool body: %w", key, err)
	}
	return n, c.Upload(ctx, key, tmp, n, 0, o)
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
		abortCtx := context.WithoutCancel(ctx)
		resp, abortErr := c.do(abortCtx, request{op: "abort upload", method: http.MethodDelete, key: key, query: map[string]string{"uploadId": uploadID}})
		if abortErr == nil {
			resp.Body.Close()
		}
		return errors.Join(err, abortErr)
	}
	return nil
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
				q := map[string]string{"partNumber": strconv.Itoa(i + 1), "uploadId": uploadID}
				resp, err := c.do(ctx, request{op: "put part", method: http.MethodPut, key: key, query: q, body: body, size: body.Size()})
				if err != nil {
					cancel(err)
					continue
				}
				resp.Body.Close()
				parts[i] = part{PartNumber: i + 1, ETag: resp.Header.Get("ETag")}
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

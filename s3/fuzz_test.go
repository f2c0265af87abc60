package s3

import (
	"bytes"
	"io"
	"net/http"
	"testing"
)

// FuzzAnswers feeds the service's answers (XML bodies and the headers
// kith reads) to the code that parses them: nothing may panic, and a
// failed answer always becomes an *Error with a code.
func FuzzAnswers(f *testing.F) {
	f.Add(403, []byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`), "bytes 0-9/443")
	f.Add(200, []byte(`<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken><Contents><Key>a</Key><LastModified>2009-10-12T17:50:30.000Z</LastModified><ETag>"fba9dede5f27731c9771645a39863328"</ETag><Size>434234</Size></Contents></ListBucketResult>`), "")
	f.Add(200, []byte(`<DeleteResult><Error><Key>k</Key><Code>AccessDenied</Code></Error></DeleteResult>`), "bytes 1-/x")
	f.Add(200, []byte(`<CompleteMultipartUploadResult><ETag>"x-2"</ETag></CompleteMultipartUploadResult>`), "bytes */0")
	f.Fuzz(func(t *testing.T, status int, body []byte, contentRange string) {
		resp := func() *http.Response {
			return &http.Response{StatusCode: status, Body: io.NopCloser(bytes.NewReader(body)),
				Header: http.Header{"Content-Range": {contentRange}, "X-Amz-Meta-A": {contentRange}, "X-Amz-Bucket-Region": {contentRange}}, ContentLength: int64(len(body))}
		}
		err := readError(resp(), "get", "k", "us-east-1")
		if e, ok := err.(*Error); !ok || e.Code == "" {
			t.Fatalf("readError gave %#v", err)
		}
		var page struct {
			IsTruncated bool
			Contents    []struct {
				Key  string
				Size int64
			}
		}
		decodeXML(resp(), "list", "", &page)
		var del struct {
			Error []struct{ Key, Code, Message string }
		}
		decodeXML(resp(), "delete objects", "", &del)
		infoOf("k", resp())
	})
}

package s3

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The examples of AWS's Signature Version 4 documentation for S3, signed
// again: a ranged GET of an object and a listing with a query.
func TestSignAWSExamples(t *testing.T) {
	c := New(Config{Region: "us-east-1", Bucket: "examplebucket",
		AccessKey: "AKIAIOSFODNN7EXAMPLE", SecretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"})
	if c.host != "examplebucket.s3.us-east-1.amazonaws.com" {
		t.Errorf("host %q", c.host)
	}
	const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	at := time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, url, rng, signed, sig string
	}{
		{"get range", "https://examplebucket.s3.amazonaws.com/test.txt", "bytes=0-9", "host;range;x-amz-content-sha256;x-amz-date",
			"f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"},
		{"list", "https://examplebucket.s3.amazonaws.com/?" + canonicalQuery(map[string]string{"prefix": "J", "max-keys": "2"}), "",
			"host;x-amz-content-sha256;x-amz-date", "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"},
	} {
		req, err := http.NewRequest(http.MethodGet, tc.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		if tc.rng != "" {
			req.Header.Set("Range", tc.rng)
		}
		c.sign(req, emptyHash, at)
		want := "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=" + tc.signed + ", Signature=" + tc.sig
		if got := req.Header.Get("Authorization"); got != want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, want)
		}
	}
}

func TestEscapePath(t *testing.T) {
	for in, want := range map[string]string{
		"media/a b+c~d_e-f.g":    "media/a%20b%2Bc~d_e-f.g",
		"ltx/0/0000000000000001": "ltx/0/0000000000000001",
		"é/?#%":                  "%C3%A9/%3F%23%25",
	} {
		if got := escapePath(in); got != want {
			t.Errorf("escapePath(%q) = %q, want %q", in, got, want)
		}
	}
	if got := canonicalQuery(map[string]string{"uploads": "", "prefix": "a/b c", "continuation-token": "x+y="}); got != "continuation-token=x%2By%3D&prefix=a%2Fb%20c&uploads=" {
		t.Errorf("canonicalQuery: %s", got)
	}
	if !strings.Contains(New(Config{Endpoint: "ftp://x", Bucket: "b"}).bad.Error(), "not an http or https URL") {
		t.Error("an ftp endpoint was taken")
	}
}

// An answer that names the bucket's region, when requests are signed for
// another, says so: AWS's answer to HEAD carries no message of its own.
func TestErrorNamesRegion(t *testing.T) {
	resp := &http.Response{StatusCode: 400, Body: http.NoBody, Header: http.Header{"X-Amz-Bucket-Region": {"eu-west-1"}}}
	err := readError(resp, "head bucket", "", "us-east-1")
	if !strings.Contains(err.Error(), "the bucket is in region eu-west-1, not us-east-1") {
		t.Errorf("%v", err)
	}
	resp = &http.Response{StatusCode: 403, Body: http.NoBody, Header: http.Header{"X-Amz-Bucket-Region": {"us-east-1"}}}
	if err := readError(resp, "head bucket", "", "us-east-1"); strings.Contains(err.Error(), "region") || !strings.Contains(err.Error(), "403 Forbidden") {
		t.Errorf("%v", err)
	}
}

// A 200 whose document is an <Error> (CompleteMultipartUpload's late
// failure) is an error; a DeleteResult that lists errors is a result.
func TestDecodeErrorDocument(t *testing.T) {
	answer := func(body string) *http.Response {
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(body))}
	}
	var res struct{ ETag string }
	err := decodeXML(answer(`<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>`), "complete upload", "k", &res)
	var e *Error
	if !errors.As(err, &e) || e.Code != "InternalError" {
		t.Errorf("an <Error> document: %v", err)
	}
	var del struct{ Error []struct{ Key, Code string } }
	err = decodeXML(answer(`<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Error><Key>a</Key><Code>AccessDenied</Code></Error></DeleteResult>`), "delete objects", "", &del)
	if err != nil || len(del.Error) != 1 || del.Error[0].Code != "AccessDenied" {
		t.Errorf("a DeleteResult: %v, %+v", err, del)
	}
}

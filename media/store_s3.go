package media

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// S3Options say which bucket an S3 store uses and how to reach it.
type S3Options struct {
	// Endpoint is the service's base URL; empty means AWS.
	Endpoint string
	// Region signs requests; empty means us-east-1.
	Region    string
	Bucket    string
	Prefix    string // prepended to every key
	AccessKey string
	SecretKey string
	// PathStyle addresses the bucket as endpoint/bucket/key.
	PathStyle bool
	// HTTPClient sends the requests; nil means one with sensible
	// timeouts. Tests pass one that counts requests.
	HTTPClient *http.Client
}

// S3 is the Store in an S3-compatible bucket. It uses
// github.com/aws/aws-sdk-go-v2's S3 client, the one the database
// replication links too, so the binary carries one S3 client.
type S3 struct {
	client *s3.Client
	bucket string
	prefix string
}

// spoolInMemory is the largest body of unknown length Put holds in
// memory before sending; a larger one is spooled to a temporary file
// (S3 needs a request's length before its body, on plain http too).
const spoolInMemory = 8 << 20

// NewS3 builds an S3 store. It sends nothing: Check tries the bucket.
func NewS3(o S3Options) *S3 {
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: time.Minute,
			MaxIdleConnsPerHost:   16,
			IdleConnTimeout:       90 * time.Second,
		}}
	}
	region := o.Region
	if region == "" {
		region = "us-east-1"
	}
	client := s3.New(s3.Options{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider(o.AccessKey, o.SecretKey, ""),
		UsePathStyle: o.PathStyle,
		HTTPClient:   hc,
		// Payloads are signed (SHA-256) already; the extra CRC
		// checksums are left to where a service needs them.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		// Two tries: a service that is down is answered with 503 soon,
		// rather than after a long backoff.
		RetryMaxAttempts: 2,
	}, func(opts *s3.Options) {
		if o.Endpoint != "" {
			opts.BaseEndpoint = aws.String(o.Endpoint)
		}
	})
	return &S3{client: client, bucket: o.Bucket, prefix: o.Prefix}
}

// Check tries the bucket (HeadBucket): wrong credentials, a missing
// bucket or a service that is down give one clear error.
func (s *S3) Check(ctx context.Context) error {
	_, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &s.bucket})
	if err == nil {
		return nil
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		switch re.HTTPStatusCode() {
		case http.StatusForbidden, http.StatusUnauthorized:
			return fmt.Errorf("s3 bucket %s: access denied: check media.s3.access_key and secret_key: %w", s.bucket, ErrStorageUnavailable)
		case http.StatusNotFound:
			return fmt.Errorf("s3 bucket %s does not exist: %w", s.bucket, ErrStorageUnavailable)
		}
	}
	return s.fail("check bucket", "", err)
}

func (s *S3) key(name string) string { return s.prefix + name }

// fail turns an SDK error into fs.ErrNotExist (404) or
// ErrStorageUnavailable (anything else: the service is down, refuses
// the credentials, or failed).
func (s *S3) fail(op, name string, err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound {
		return fmt.Errorf("s3 %s %s: %w", op, name, fs.ErrNotExist)
	}
	return fmt.Errorf("s3 %s %s: %v: %w", op, name, err, ErrStorageUnavailable)
}

// Put uploads a file in one PutObject: S3 makes the object visible whole
// or not at all. A body of unknown length is read first (in memory up to
// spoolInMemory, then into a temporary file).
func (s *S3) Put(ctx context.Context, name string, r io.Reader, size int64, contentType string) (int64, error) {
	if !validName(name) {
		return 0, fmt.Errorf("media name %q: %w", name, fs.ErrInvalid)
	}
	body, size, done, err := seekable(r, size)
	if err != nil {
		return 0, fmt.Errorf("write media %s: %w", name, err)
	}
	defer done()
	in := &s3.PutObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(name)), Body: body, ContentLength: &size}
	if contentType != "" {
		in.ContentType = &contentType
	}
	if _, err := s.client.PutObject(ctx, in); err != nil {
		return 0, s.fail("put", name, err)
	}
	return size, nil
}

// archivePartSize is the part size of PutFile's multipart uploads: a
// 64 MiB part keeps a 100 GB archive under S3's 10,000 parts.
const archivePartSize = 64 << 20

// PutFile uploads a file of any size, such as a backup archive: in one
// PutObject up to partSize (0: archivePartSize), else as a multipart
// upload of parts of that size, two at a time; one PutObject stops at
// 5 GB. The object appears whole when the upload completes; a failed one
// is aborted.
func (s *S3) PutFile(ctx context.Context, name string, f *os.File, contentType string, partSize int64) error {
	if !validName(name) {
		return fmt.Errorf("object name %q: %w", name, fs.ErrInvalid)
	}
	up := manager.NewUploader(s.client, func(u *manager.Uploader) {
		u.PartSize = cmp.Or(partSize, archivePartSize)
		u.Concurrency = 2
	})
	in := &s3.PutObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(name)), Body: f}
	if contentType != "" {
		in.ContentType = &contentType
	}
	if _, err := up.Upload(ctx, in); err != nil {
		return s.fail("put", name, err)
	}
	return nil
}

// seekable gives a body S3 can sign and resend: r itself when it can
// seek and its size is known, else a copy.
func seekable(r io.Reader, size int64) (io.ReadSeeker, int64, func(), error) {
	if rs, ok := r.(io.ReadSeeker); ok && size >= 0 {
		return rs, size, func() {}, nil
	}
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, spoolInMemory+1))
	if err != nil {
		return nil, 0, nil, err
	}
	if n <= spoolInMemory {
		return bytes.NewReader(buf.Bytes()), n, func() {}, nil
	}
	tmp, err := os.CreateTemp("", "kith-media-*")
	if err != nil {
		return nil, 0, nil, err
	}
	done := func() { tmp.Close(); os.Remove(tmp.Name()) }
	m, err := io.Copy(tmp, io.MultiReader(&buf, r))
	if err == nil {
		_, err = tmp.Seek(0, io.SeekStart)
	}
	if err != nil {
		done()
		return nil, 0, nil, err
	}
	return tmp, m, done, nil
}

// Stat reads a file's size, time and ETag (HeadObject).
func (s *S3) Stat(ctx context.Context, name string) (Info, error) {
	if !validName(name) {
		return Info{}, fmt.Errorf("media name %q: %w", name, fs.ErrNotExist)
	}
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(name))})
	if err != nil {
		return Info{}, s.fail("stat", name, err)
	}
	return Info{Name: name, Size: aws.ToInt64(out.ContentLength), ModTime: aws.ToTime(out.LastModified), ETag: aws.ToString(out.ETag)}, nil
}

// Open starts reading a file (one GetObject, whose answer also gives its
// size, time and ETag): a whole read costs one request. A read elsewhere
// (after a Seek, as http.ServeContent does for a Range request) drops
// that body and asks for the rest from there; ReadAt asks for its range.
func (s *S3) Open(ctx context.Context, name string) (File, error) {
	if !validName(name) {
		return nil, fmt.Errorf("media name %q: %w", name, fs.ErrNotExist)
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(name))})
	if err != nil {
		return nil, s.fail("get", name, err)
	}
	info := Info{Name: name, Size: aws.ToInt64(out.ContentLength), ModTime: aws.ToTime(out.LastModified), ETag: aws.ToString(out.ETag)}
	return &s3File{ctx: ctx, s: s, info: info, body: out.Body}, nil
}

// Delete removes an object (S3 answers a missing one with success).
func (s *S3) Delete(ctx context.Context, name string) error {
	if !validName(name) {
		return fmt.Errorf("media name %q: %w", name, fs.ErrInvalid)
	}
	if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(name))}); err != nil {
		return s.fail("delete", name, err)
	}
	return nil
}

// Walk lists the objects under prefix, a page (1,000) at a time.
func (s *S3) Walk(ctx context.Context, prefix string, fn func(Info) error) error {
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: aws.String(s.key(prefix))})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return s.fail("list", prefix, err)
		}
		for _, o := range page.Contents {
			name := strings.TrimPrefix(aws.ToString(o.Key), s.prefix)
			if !validName(name) || strings.HasSuffix(name, "/") {
				continue // not one of kith's names
			}
			if err := fn(Info{Name: name, Size: aws.ToInt64(o.Size), ModTime: aws.ToTime(o.LastModified), ETag: aws.ToString(o.ETag)}); err != nil {
				return err
			}
		}
	}
	return nil
}

// String names the bucket and prefix.
func (s *S3) String() string { return "s3 " + s.bucket + "/" + s.prefix }

// s3File reads an object with ranged GETs: one open body is read on
// while reads follow each other, and a Seek elsewhere starts another.
type s3File struct {
	ctx     context.Context
	s       *S3
	info    Info
	off     int64         // where the next Read reads
	body    io.ReadCloser // open at bodyOff, or nil
	bodyOff int64
}

func (f *s3File) Info() Info { return f.info }

func (f *s3File) get(off, end int64) (io.ReadCloser, error) {
	rng := fmt.Sprintf("bytes=%d-", off)
	if end >= 0 {
		rng = fmt.Sprintf("bytes=%d-%d", off, end)
	}
	in := &s3.GetObjectInput{Bucket: &f.s.bucket, Key: aws.String(f.s.key(f.info.Name)), Range: &rng}
	if f.info.ETag != "" {
		in.IfMatch = &f.info.ETag // the object read is the one stat'ed
	}
	out, err := f.s.client.GetObject(f.ctx, in)
	if err != nil {
		return nil, f.s.fail("get", f.info.Name, err)
	}
	return out.Body, nil
}

func (f *s3File) Read(p []byte) (int, error) {
	if f.off >= f.info.Size {
		return 0, io.EOF
	}
	if f.body != nil && f.bodyOff != f.off {
		f.body.Close()
		f.body = nil
	}
	if f.body == nil {
		b, err := f.get(f.off, -1)
		if err != nil {
			return 0, err
		}
		f.body, f.bodyOff = b, f.off
	}
	n, err := f.body.Read(p)
	f.off += int64(n)
	f.bodyOff += int64(n)
	if err == io.EOF && f.off < f.info.Size {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

func (f *s3File) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += f.off
	case io.SeekEnd:
		offset += f.info.Size
	default:
		return 0, errors.New("seek: bad whence")
	}
	if offset < 0 {
		return 0, errors.New("seek: negative offset")
	}
	f.off = offset
	return offset, nil
}

// ReadAt reads one range; it does not move the offset of Read.
func (f *s3File) ReadAt(p []byte, off int64) (int, error) {
	if off >= f.info.Size {
		return 0, io.EOF
	}
	end := min(off+int64(len(p)), f.info.Size)
	b, err := f.get(off, end-1)
	if err != nil {
		return 0, err
	}
	defer b.Close()
	n, err := io.ReadFull(b, p[:end-off])
	if err == nil && end-off < int64(len(p)) {
		err = io.EOF
	}
	return n, err
}

func (f *s3File) Close() error {
	if f.body != nil {
		f.body.Close()
		f.body = nil
	}
	return nil
}

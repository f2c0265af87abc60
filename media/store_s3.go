package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strings"

	"kith/s3"
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

// S3 is the Store in an S3-compatible bucket, through kith's own S3
// client (package s3), which backups and the database replication use
// too.
type S3 struct {
	client *s3.Client
	bucket string
	prefix string
}

// NewS3 builds an S3 store. It sends nothing: Check tries the bucket.
func NewS3(o S3Options) *S3 {
	client := s3.New(s3.Config{Endpoint: o.Endpoint, Region: o.Region, Bucket: o.Bucket,
		AccessKey: o.AccessKey, SecretKey: o.SecretKey, PathStyle: o.PathStyle, HTTPClient: o.HTTPClient})
	return &S3{client: client, bucket: o.Bucket, prefix: o.Prefix}
}

// Check tries the bucket (HEAD): wrong credentials, a missing bucket or
// a service that is down give one clear error.
func (s *S3) Check(ctx context.Context) error {
	err := s.client.HeadBucket(ctx)
	if err == nil {
		return nil
	}
	var se *s3.Error
	if errors.As(err, &se) {
		switch se.Status {
		case http.StatusForbidden, http.StatusUnauthorized:
			return fmt.Errorf("s3 bucket %s: access denied: check media.s3.access_key and secret_key: %w", s.bucket, ErrStorageUnavailable)
		case http.StatusNotFound:
			return fmt.Errorf("s3 bucket %s does not exist: %w", s.bucket, ErrStorageUnavailable)
		}
	}
	return s.fail("check bucket", "", err)
}

func (s *S3) key(name string) string { return s.prefix + name }

// fail turns a client error into fs.ErrNotExist (a missing object) or
// ErrStorageUnavailable (anything else: the service is down, refuses
// the credentials, or failed).
func (s *S3) fail(op, name string, err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("s3 %s %s: %w", op, name, fs.ErrNotExist)
	}
	return fmt.Errorf("s3 %s %s: %v: %w", op, name, err, ErrStorageUnavailable)
}

// Put uploads a file: S3 makes the object visible whole or not at all
// (one PutObject; past 64 MiB, a multipart upload). A body of unknown
// length is read first (in memory up to 8 MiB, then into a temporary
// file).
func (s *S3) Put(ctx context.Context, name string, r io.Reader, size int64, contentType string) (int64, error) {
	if !validName(name) {
		return 0, fmt.Errorf("media name %q: %w", name, fs.ErrInvalid)
	}
	read := &readerErr{r: r}
	var body io.Reader = read
	if rs, ok := r.(io.ReadSeeker); ok {
		body = struct {
			io.Reader
			io.Seeker
		}{read, rs}
	}
	n, err := s.client.PutReader(ctx, s.key(name), body, size, s3.PutOptions{ContentType: contentType})
	if read.err != nil {
		// The body failed (a remote file over its limit, say), not the
		// storage.
		return 0, fmt.Errorf("write media %s: %w", name, read.err)
	}
	if err != nil {
		return 0, s.fail("put", name, err)
	}
	return n, nil
}

// readerErr keeps the error its reader returned, other than io.EOF.
type readerErr struct {
	r   io.Reader
	err error
}

func (e *readerErr) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}

// PutFile uploads a file of any size, such as a backup archive: in one
// PutObject up to partSize (0: 64 MiB, which keeps a 100 GB archive
// under S3's 10,000 parts), else as a multipart upload of parts of that
// size, two at a time; one PutObject stops at 5 GB. The object appears
// whole when the upload completes; a failed one is aborted.
func (s *S3) PutFile(ctx context.Context, name string, f *os.File, contentType string, partSize int64) error {
	if !validName(name) {
		return fmt.Errorf("object name %q: %w", name, fs.ErrInvalid)
	}
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if err := s.client.Upload(ctx, s.key(name), f, st.Size(), partSize, s3.PutOptions{ContentType: contentType}); err != nil {
		return s.fail("put", name, err)
	}
	return nil
}

// Stat reads a file's size, time and ETag (HeadObject).
func (s *S3) Stat(ctx context.Context, name string) (Info, error) {
	if !validName(name) {
		return Info{}, fmt.Errorf("media name %q: %w", name, fs.ErrNotExist)
	}
	i, err := s.client.Head(ctx, s.key(name))
	if err != nil {
		return Info{}, s.fail("stat", name, err)
	}
	return Info{Name: name, Size: i.Size, ModTime: i.Modified, ETag: i.ETag}, nil
}

// Open starts reading a file (one GetObject, whose answer also gives its
// size, time and ETag): a whole read costs one request. A read elsewhere
// (after a Seek, as http.ServeContent does for a Range request) drops
// that body and asks for the rest from there; ReadAt asks for its range.
func (s *S3) Open(ctx context.Context, name string) (File, error) {
	if !validName(name) {
		return nil, fmt.Errorf("media name %q: %w", name, fs.ErrNotExist)
	}
	body, i, err := s.client.Get(ctx, s.key(name), s3.GetOptions{})
	if err != nil {
		return nil, s.fail("get", name, err)
	}
	info := Info{Name: name, Size: i.Size, ModTime: i.Modified, ETag: i.ETag}
	return &s3File{ctx: ctx, s: s, info: info, body: body}, nil
}

// Delete removes an object (S3 answers a missing one with success).
func (s *S3) Delete(ctx context.Context, name string) error {
	if !validName(name) {
		return fmt.Errorf("media name %q: %w", name, fs.ErrInvalid)
	}
	if err := s.client.Delete(ctx, s.key(name)); err != nil {
		return s.fail("delete", name, err)
	}
	return nil
}

// Walk lists the objects under prefix, a page (1,000) at a time.
func (s *S3) Walk(ctx context.Context, prefix string, fn func(Info) error) error {
	var fnErr error
	err := s.client.List(ctx, s.key(prefix), "", func(o s3.Info) error {
		name := strings.TrimPrefix(o.Key, s.prefix)
		if !validName(name) || strings.HasSuffix(name, "/") {
			return nil // not one of kith's names
		}
		fnErr = fn(Info{Name: name, Size: o.Size, ModTime: o.Modified, ETag: o.ETag})
		return fnErr
	})
	if err != nil && err == fnErr {
		return err
	}
	if err != nil {
		return s.fail("list", prefix, err)
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

// get reads from off to end (inclusive; -1: to the end of the object),
// of the object that was opened (the same ETag).
func (f *s3File) get(off, end int64) (io.ReadCloser, error) {
	o := s3.GetOptions{Offset: off, IfMatch: f.info.ETag}
	if end >= 0 {
		o.Length = end - off + 1
	}
	body, _, err := f.s.client.Get(f.ctx, f.s.key(f.info.Name), o)
	if err != nil {
		return nil, f.s.fail("get", f.info.Name, err)
	}
	return body, nil
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

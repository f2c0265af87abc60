package server

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"kith/server/core"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// kith terminates TLS itself, so there is no nginx in front to compress
// what it sends: pages, CSS, scripts, API JSON and ActivityPub documents
// are compressed here, with zstd when the client takes it (Chromium and
// Firefox do) and gzip otherwise. Brotli is left out: its Go encoder costs
// several times zstd's CPU for a few percent fewer bytes.

// compressMin is the smallest body worth compressing: below it the
// framing costs about what compression saves, and most ActivityPub
// answers (an empty 202, a short error) stay as they are.
const compressMin = 1 << 10

// encoding is a content coding kith can send.
type encoding uint8

const (
	identity encoding = iota
	encGzip
	encZstd
)

func (e encoding) String() string {
	switch e {
	case encGzip:
		return "gzip"
	case encZstd:
		return "zstd"
	}
	return "identity"
}

// negotiate picks the coding for an Accept-Encoding header: the one with
// the highest weight, zstd before gzip on a tie, none when both are
// refused (q=0) or absent. A wildcard stands for any coding not named.
func negotiate(header string) encoding {
	if header == "" {
		return identity
	}
	qGzip, qZstd, qAny := -1.0, -1.0, -1.0
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				continue
			}
			q = f
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "gzip", "x-gzip":
			qGzip = q
		case "zstd":
			qZstd = q
		case "*":
			qAny = q
		}
	}
	if qGzip < 0 {
		qGzip = qAny
	}
	if qZstd < 0 {
		qZstd = qAny
	}
	switch {
	case qZstd > 0 && qZstd >= qGzip:
		return encZstd
	case qGzip > 0:
		return encGzip
	}
	return identity
}

// compressible reports whether a Content-Type is text that compresses:
// media are compressed already, and an event stream must reach the
// client event by event.
func compressible(contentType string) bool {
	ct, _, _ := strings.Cut(contentType, ";")
	ct = strings.ToLower(strings.TrimSpace(ct))
	switch {
	case ct == "text/event-stream":
		return false
	case strings.HasPrefix(ct, "text/"),
		ct == "application/json", strings.HasSuffix(ct, "+json"),
		ct == "application/javascript", ct == "application/xml",
		strings.HasSuffix(ct, "+xml"):
		return true
	}
	return false
}

// compressResponses negotiates a content coding and compresses the
// response when its type and size are worth it. Requests it never
// touches: HEAD, ranges (the byte offsets name the identity body),
// WebSocket upgrades and inbox deliveries (their answers are tiny).
func (p *encoders) compressResponses(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		enc := identity
		if r.Method != http.MethodHead && r.Header.Get("Range") == "" &&
			r.Header.Get("Upgrade") == "" && !isInboxDelivery(r) {
			enc = negotiate(r.Header.Get("Accept-Encoding"))
		}
		if enc == identity {
			next.ServeHTTP(w, r)
			return
		}
		cw := &compressWriter{ResponseWriter: w, enc: enc, pool: p}
		defer cw.finish()
		next.ServeHTTP(cw, r)
	})
}

// compressWriter holds back the first compressMin bytes of a body to
// decide: a short body, or one whose headers say it is not text, goes
// out as written; anything else goes through a pooled encoder.
type compressWriter struct {
	http.ResponseWriter
	enc  encoding
	pool *encoders

	status  int    // set by WriteHeader, sent once decided
	decided bool   // headers are out; buf is no longer used
	buf     []byte // the body so far, until decided
	out     encoder
}

// encoder is what the pooled gzip and zstd writers share.
type encoder interface {
	io.WriteCloser
	Flush() error
	Reset(io.Writer)
}

func (cw *compressWriter) WriteHeader(code int) {
	if cw.status != 0 || cw.decided {
		return
	}
	if code < 200 { // 1xx: informational, sent as is
		cw.ResponseWriter.WriteHeader(code)
		return
	}
	cw.status = code
	h := cw.Header()
	if code == http.StatusNoContent || code == http.StatusNotModified ||
		code == http.StatusPartialContent || h.Get("Content-Encoding") != "" ||
		(h.Get("Content-Type") != "" && !compressible(h.Get("Content-Type"))) {
		cw.start(false)
		return
	}
	if n, err := strconv.Atoi(h.Get("Content-Length")); err == nil && n < compressMin {
		cw.start(false)
	}
}

func (cw *compressWriter) Write(p []byte) (int, error) {
	if cw.status == 0 {
		cw.WriteHeader(http.StatusOK)
	}
	if !cw.decided {
		cw.buf = append(cw.buf, p...)
		if len(cw.buf) < compressMin {
			return len(p), nil
		}
		held := cw.buf
		cw.buf = nil
		if err := cw.startSniffed(held); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	if cw.out != nil {
		return cw.out.Write(p)
	}
	return cw.ResponseWriter.Write(p)
}

// startSniffed decides with the held bytes in hand (their type is
// sniffed when the handler set none, as net/http would) and writes them.
func (cw *compressWriter) startSniffed(held []byte) error {
	h := cw.Header()
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", http.DetectContentType(held))
	}
	cw.start(len(held) >= compressMin && compressible(h.Get("Content-Type")))
	var err error
	if cw.out != nil {
		_, err = cw.out.Write(held)
	} else if len(held) > 0 {
		_, err = cw.ResponseWriter.Write(held)
	}
	return err
}

// start sends the headers, compressed or not.
func (cw *compressWriter) start(compress bool) {
	cw.decided = true
	h := cw.Header()
	if compress {
		h.Set("Content-Encoding", cw.enc.String())
		h.Add("Vary", "Accept-Encoding")
		h.Del("Content-Length")
		// The coded body is another representation: a strong validator
		// of the identity body would be a lie about it.
		if etag := h.Get("ETag"); etag != "" && !strings.HasPrefix(etag, "W/") {
			h.Set("ETag", "W/"+etag)
		}
		cw.out = cw.pool.get(cw.enc, cw.ResponseWriter)
	}
	if cw.status == 0 {
		cw.status = http.StatusOK
	}
	cw.ResponseWriter.WriteHeader(cw.status)
}

// Flush sends what is held: a handler that flushes streams, so what it
// wrote so far goes out as is if no decision was made yet.
func (cw *compressWriter) Flush() {
	if !cw.decided {
		if cw.status == 0 {
			cw.WriteHeader(http.StatusOK)
		}
		if !cw.decided {
			held := cw.buf
			cw.buf = nil
			cw.start(false)
			if len(held) > 0 {
				cw.ResponseWriter.Write(held)
			}
		}
	}
	if cw.out != nil {
		cw.out.Flush()
	}
	http.NewResponseController(cw.ResponseWriter).Flush()
}

// Hijack hands the connection over: nothing may have been written yet.
func (cw *compressWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(cw.ResponseWriter).Hijack()
}

// Unwrap lets http.ResponseController reach the connection's deadlines.
func (cw *compressWriter) Unwrap() http.ResponseWriter { return cw.ResponseWriter }

// finish ends the body: a short one is sent as it is, a coded one gets
// its trailer and its encoder goes back to the pool.
func (cw *compressWriter) finish() {
	if !cw.decided {
		if cw.status == 0 && len(cw.buf) == 0 {
			return // nothing written: net/http answers 200 with no body
		}
		if cw.status == 0 {
			cw.status = http.StatusOK
		}
		held := cw.buf
		cw.buf = nil
		cw.startSniffed(held)
	}
	if cw.out != nil {
		cw.out.Close()
		cw.pool.put(cw.enc, cw.out)
		cw.out = nil
	}
}

// encoders pools the gzip and zstd writers: a zstd encoder costs about a
// megabyte to set up. The zstd window is kept at 1 MiB, far under the
// 8 MiB that browsers accept for HTTP (RFC 8878 advises staying at or
// below it).
type encoders struct {
	gzip, zstd sync.Pool
}

func newEncoders() *encoders {
	e := &encoders{}
	e.gzip.New = func() any {
		w, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression)
		return w
	}
	e.zstd.New = func() any {
		w, _ := zstd.NewWriter(nil,
			zstd.WithEncoderLevel(zstd.SpeedDefault),
			zstd.WithEncoderConcurrency(1),
			zstd.WithWindowSize(1<<20),
			zstd.WithLowerEncoderMem(true))
		return w
	}
	return e
}

func (p *encoders) get(enc encoding, w io.Writer) encoder {
	var e encoder
	if enc == encZstd {
		e = p.zstd.Get().(*zstd.Encoder)
	} else {
		e = p.gzip.Get().(*gzip.Writer)
	}
	e.Reset(w)
	return e
}

func (p *encoders) put(enc encoding, e encoder) {
	e.Reset(nil)
	if enc == encZstd {
		p.zstd.Put(e)
	} else {
		p.gzip.Put(e)
	}
}

// precompressed is the stylesheet in a content coding, compressed once at
// the highest ratio: it is served many times and never changes.
func (p *encoders) precompressed(st *core.Stylesheet, enc encoding) []byte {
	if b, ok := st.Coded.Load(enc.String()); ok {
		return b.([]byte)
	}
	var out []byte
	if enc == encZstd {
		z, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBestCompression),
			zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(1<<20))
		out = z.EncodeAll(st.CSS, nil)
	} else {
		var b bytes.Buffer
		z, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		z.Write(st.CSS)
		z.Close()
		out = b.Bytes()
	}
	b, _ := st.Coded.LoadOrStore(enc.String(), out)
	return b.([]byte)
}

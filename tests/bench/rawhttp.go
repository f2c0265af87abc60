package bench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"time"
)

// rawTimeout bounds one request and its answer.
const rawTimeout = 30 * time.Second

// rawConn is one keep-alive HTTP/1.1 connection of Fire. It is redialled
// after any error, so a killed and restarted server is reached again.
type rawConn struct {
	ctx  context.Context
	addr string
	conn net.Conn
	r    *bufio.Reader
	stop func() bool // detaches the close-on-cancel hook
	tls  *tls.Config // nil: plain TCP
}

// wireRequest is a Request as the bytes sent for it, made before a timed
// run so the generator only writes and reads while it is measured.
type wireRequest struct {
	addr  string // host:port to connect to
	bytes []byte
	err   error // the request could not be made
}

// toWire serializes req as an HTTP/1.1 POST.
func toWire(req Request) wireRequest {
	u, err := url.Parse(req.URL)
	if err != nil {
		return wireRequest{err: err}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: %s\r\n", u.RequestURI(), u.Host)
	for k, vs := range req.Header {
		for _, v := range vs {
			b.WriteString(k)
			b.WriteString(": ")
			b.WriteString(v)
			b.WriteString("\r\n")
		}
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(req.Body))
	b.Write(req.Body)
	return wireRequest{addr: u.Host, bytes: b.Bytes()}
}

func (c *rawConn) send(req wireRequest) Outcome {
	if err := c.ctx.Err(); err != nil {
		return Outcome{Err: err}
	}
	if req.err != nil {
		return Outcome{Err: req.err}
	}
	if err := c.dial(req.addr); err != nil {
		return Outcome{Err: err}
	}
	c.conn.SetDeadline(time.Now().Add(rawTimeout))
	if _, err := c.conn.Write(req.bytes); err != nil {
		c.close()
		return Outcome{Err: err}
	}
	status, keep, err := readResponse(c.r)
	if err != nil {
		c.close()
		return Outcome{Err: err}
	}
	if !keep {
		c.close()
	}
	return Outcome{Status: status}
}

func (c *rawConn) dial(addr string) error {
	if c.conn != nil && c.addr == addr {
		return nil
	}
	c.close()
	conn, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(c.ctx, "tcp", addr)
	if err != nil {
		return err
	}
	if c.tls != nil {
		tc := tls.Client(conn, c.tls)
		hctx, cancel := context.WithTimeout(c.ctx, 5*time.Second)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			conn.Close()
			return err
		}
		conn = tc
	}
	c.conn, c.addr = conn, addr
	c.r = bufio.NewReaderSize(conn, 4096)
	c.stop = context.AfterFunc(c.ctx, func() { conn.Close() })
	return nil
}

func (c *rawConn) close() {
	if c.conn == nil {
		return
	}
	c.stop()
	c.conn.Close()
	c.conn, c.r = nil, nil
}

// readResponse reads one response and discards its body. keep reports
// whether the connection may carry another request.
//
// It reads the status line and headers in place, without copying them:
// the generator shares the cores with kith.
func readResponse(r *bufio.Reader) (status int, keep bool, err error) {
	line, err := readLine(r)
	if err != nil {
		return 0, false, err
	}
	proto, rest, _ := bytes.Cut(line, []byte(" "))
	code, _, _ := bytes.Cut(rest, []byte(" "))
	status, ok := parseDigits(code)
	if !ok || len(code) != 3 || !bytes.HasPrefix(proto, []byte("HTTP/1.")) {
		return 0, false, fmt.Errorf("bad status line %q", line)
	}
	length, chunked, keep := int64(-1), false, true
	for {
		line, err := readLine(r)
		if err != nil {
			return 0, false, err
		}
		if len(line) == 0 {
			break
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			n, ok := parseDigits(value)
			if !ok {
				return 0, false, fmt.Errorf("bad Content-Length %q", value)
			}
			length = int64(n)
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			keep = !bytes.EqualFold(value, []byte("close"))
		}
	}
	switch {
	case chunked:
		err = discardChunked(r)
	case length > 0:
		_, err = r.Discard(int(length))
	case length == 0:
	default: // the body runs to the end of the connection
		_, err = io.Copy(io.Discard, r)
		keep = false
	}
	return status, keep && err == nil, err
}

// parseDigits reads a decimal number of at most 18 digits.
func parseDigits(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func discardChunked(r *bufio.Reader) error {
	for {
		line, err := readLine(r)
		if err != nil {
			return err
		}
		size, _, _ := bytes.Cut(line, []byte(";"))
		n, err := strconv.ParseInt(string(bytes.TrimSpace(size)), 16, 64)
		if err != nil {
			return fmt.Errorf("bad chunk size %q", line)
		}
		if n == 0 {
			for { // trailers, up to the blank line
				if line, err := readLine(r); err != nil || len(line) == 0 {
					return err
				}
			}
		}
		if _, err := io.CopyN(io.Discard, r, n+2); err != nil { // the chunk and its CRLF
			return err
		}
	}
}

// readLine returns the next line without its line ending. The slice is
// the reader's buffer: valid until the next read.
func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return nil, errors.New("response line too long")
	}
	if err != nil {
		return nil, err
	}
	return bytes.TrimRight(line, "\r\n"), nil
}

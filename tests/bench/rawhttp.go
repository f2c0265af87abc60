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
	"strings"
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
	buf  bytes.Buffer
	tls  *tls.Config // nil: plain TCP
}

func (c *rawConn) send(req Request) Outcome {
	if err := c.ctx.Err(); err != nil {
		return Outcome{Err: err}
	}
	u, err := url.Parse(req.URL)
	if err != nil {
		return Outcome{Err: err}
	}
	if err := c.dial(u.Host); err != nil {
		return Outcome{Err: err}
	}
	c.writeRequest(u, req)
	c.conn.SetDeadline(time.Now().Add(rawTimeout))
	if _, err := c.conn.Write(c.buf.Bytes()); err != nil {
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

// writeRequest puts req as an HTTP/1.1 POST into c.buf.
func (c *rawConn) writeRequest(u *url.URL, req Request) {
	b := &c.buf
	b.Reset()
	fmt.Fprintf(b, "POST %s HTTP/1.1\r\nHost: %s\r\n", u.RequestURI(), u.Host)
	for k, vs := range req.Header {
		for _, v := range vs {
			b.WriteString(k)
			b.WriteString(": ")
			b.WriteString(v)
			b.WriteString("\r\n")
		}
	}
	fmt.Fprintf(b, "Content-Length: %d\r\n\r\n", len(req.Body))
	b.Write(req.Body)
}

// readResponse reads one response and discards its body. keep reports
// whether the connection may carry another request.
func readResponse(r *bufio.Reader) (status int, keep bool, err error) {
	line, err := readLine(r)
	if err != nil {
		return 0, false, err
	}
	proto, rest, _ := strings.Cut(line, " ")
	code, _, _ := strings.Cut(rest, " ")
	if status, err = strconv.Atoi(code); err != nil || !strings.HasPrefix(proto, "HTTP/1.") {
		return 0, false, fmt.Errorf("bad status line %q", line)
	}
	length, chunked, keep := int64(-1), false, true
	for {
		line, err := readLine(r)
		if err != nil {
			return 0, false, err
		}
		if line == "" {
			break
		}
		name, value, _ := strings.Cut(line, ":")
		value = strings.TrimSpace(value)
		switch strings.ToLower(name) {
		case "content-length":
			if length, err = strconv.ParseInt(value, 10, 64); err != nil {
				return 0, false, fmt.Errorf("bad Content-Length %q", value)
			}
		case "transfer-encoding":
			chunked = strings.EqualFold(value, "chunked")
		case "connection":
			keep = !strings.EqualFold(value, "close")
		}
	}
	switch {
	case chunked:
		err = discardChunked(r)
	case length >= 0:
		_, err = io.CopyN(io.Discard, r, length)
	default: // the body runs to the end of the connection
		_, err = io.Copy(io.Discard, r)
		keep = false
	}
	return status, keep && err == nil, err
}

func discardChunked(r *bufio.Reader) error {
	for {
		line, err := readLine(r)
		if err != nil {
			return err
		}
		size, _, _ := strings.Cut(line, ";")
		n, err := strconv.ParseInt(strings.TrimSpace(size), 16, 64)
		if err != nil {
			return fmt.Errorf("bad chunk size %q", line)
		}
		if n == 0 {
			for { // trailers, up to the blank line
				if line, err := readLine(r); err != nil || line == "" {
					return err
				}
			}
		}
		if _, err := io.CopyN(io.Discard, r, n+2); err != nil { // the chunk and its CRLF
			return err
		}
	}
}

func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return "", errors.New("response line too long")
	}
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(line), "\r\n"), nil
}

package httpsig

import (
	"fmt"
	"net/http"
	"net/textproto"
	"strings"
)

// message is what a signature covers, as one side of the exchange sees the
// request. Signer and verifier build it differently (a client request and a
// server request keep host and target in different fields) and then share
// signingString, so the two can only disagree about the request itself.
type message struct {
	method string // as sent; lower-cased in the signing string
	target string // path and query, as on the request line
	host   string // as in the Host header, port included
	header http.Header
	// created and expires are the raw (created) and (expires) parameters.
	created, expires string
}

// clientMessage describes a request about to be sent. Go's client sends
// r.Host when set and r.URL.Host otherwise, port included; the signature
// covers exactly that.
func clientMessage(r *http.Request) message {
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	return message{method: r.Method, target: r.URL.RequestURI(), host: host, header: r.Header}
}

// serverMessage describes a received request. The target is the request
// line's, byte for byte, so an escaped path is verified as it was signed.
func serverMessage(r *http.Request, p Params) message {
	target := r.RequestURI
	if !strings.HasPrefix(target, "/") {
		// Absolute-form or a request built in a test: rebuild it.
		target = r.URL.RequestURI()
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	return message{
		method: r.Method, target: target, host: host, header: r.Header,
		created: p.Created, expires: p.Expires,
	}
}

// signingString builds the string draft-cavage signs: one "name: value"
// line per signed header, joined by newlines.
func (m message) signingString(headers []string) (string, error) {
	var b strings.Builder
	b.Grow(256)
	for i, h := range headers {
		if i > 0 {
			b.WriteByte('\n')
		}
		v, err := m.value(h)
		if err != nil {
			return "", err
		}
		b.WriteString(h)
		b.WriteString(": ")
		b.WriteString(v)
	}
	return b.String(), nil
}

// value is the signing-string value of one signed header.
func (m message) value(h string) (string, error) {
	switch h {
	case "(request-target)":
		return strings.ToLower(m.method) + " " + m.target, nil
	case "(created)":
		if m.created == "" {
			return "", fmt.Errorf("(created) signed but the created parameter is missing")
		}
		return m.created, nil
	case "(expires)":
		if m.expires == "" {
			return "", fmt.Errorf("(expires) signed but the expires parameter is missing")
		}
		return m.expires, nil
	case "host":
		return m.host, nil
	}
	vs := m.header[textproto.CanonicalMIMEHeaderKey(h)]
	if len(vs) == 0 {
		return "", fmt.Errorf("signed header %q is missing", h)
	}
	if len(vs) == 1 {
		return strings.TrimSpace(vs[0]), nil
	}
	// draft-cavage: several fields of one name are joined with ", ".
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = strings.TrimSpace(v)
	}
	return strings.Join(parts, ", "), nil
}

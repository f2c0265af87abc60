package federation

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"

	"kith/federation/transport"
)

// Looking an account up (by handle through WebFinger, or by URL) fails
// for reasons the owner can act on: the server speaks only http, has no
// such account, cannot be reached. LookupError names the reason, so the
// follow form can say it rather than "not found"; the error's text keeps
// the detail for the log.

// LookupReason is why a lookup failed.
type LookupReason int

// The reasons, from the most to the least specific.
const (
	LookupFailed         LookupReason = iota // none of the below
	LookupHTTPOnly                           // https failed; the server answers http
	LookupNoAccount                          // the server answered 404 or 410
	LookupNoWebFinger                        // an answer that is not WebFinger (or not an actor)
	LookupRefused                            // connection refused or reset
	LookupTimeout                            // no answer in time
	LookupNoHost                             // the name does not resolve
	LookupCertificate                        // the TLS certificate does not verify
	LookupPrivateAddress                     // a loopback or private address, not allowed
	LookupServerError                        // a 5xx, or another refusal (401, 403, 429)
)

// LookupError is a failed lookup of an account on Host. It is also
// ErrNotFound, as lookups always were.
type LookupError struct {
	Host   string
	Reason LookupReason
	Status int // the HTTP status, for LookupNoAccount and LookupServerError
	Err    error
}

// Error says where the lookup failed and its cause, for the log.
func (e *LookupError) Error() string {
	return fmt.Sprintf("look up on %s: %v", e.Host, e.Err)
}

// Unwrap makes a LookupError ErrNotFound and its cause.
func (e *LookupError) Unwrap() []error { return []error{ErrNotFound, e.Err} }

// Explain says what went wrong in words for the owner, without the
// detail of the error (addresses, Go error text).
func (e *LookupError) Explain() string {
	h := e.Host
	switch e.Reason {
	case LookupHTTPOnly:
		return h + " answered over http only; fediverse servers are looked up over https."
	case LookupNoAccount:
		return h + " has no such account."
	case LookupNoWebFinger:
		return h + " gave no WebFinger answer for that account: it may not be a fediverse server."
	case LookupRefused:
		return h + " refused the connection."
	case LookupTimeout:
		return h + " did not answer in time. Try again later."
	case LookupNoHost:
		return "No server named " + hostOnly(h) + " was found (DNS)."
	case LookupCertificate:
		return h + "'s https certificate is not valid."
	case LookupPrivateAddress:
		return h + " is at a private or loopback address, which kith does not contact."
	case LookupServerError:
		return fmt.Sprintf("%s answered with an error (%d %s). Try again later.", h, e.Status, http.StatusText(e.Status))
	}
	return "kith could not look the account up on " + h + "."
}

// lookupFailed classifies err, met while looking an account up on host,
// as a *LookupError. Refusals of kith's own (a blocked domain, a bad
// request) and a lookup the caller gave up on stay as they are.
func lookupFailed(host string, err error) error {
	var le *LookupError
	switch {
	case errors.As(err, &le):
		return le
	case errors.Is(err, ErrForbidden), errors.Is(err, ErrBadRequest), errors.Is(err, ErrInvalid), errors.Is(err, context.Canceled):
		return err
	}
	le = &LookupError{Host: host, Reason: LookupFailed, Err: err}
	var (
		se      *transport.StatusError
		dnsErr  *net.DNSError
		netErr  net.Error
		syntax  *jsonSyntaxError
		certErr *tls.CertificateVerificationError
		unknown x509.UnknownAuthorityError
		badHost x509.HostnameError
		invalid x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &se):
		le.Status = se.Code
		switch {
		case se.Code == http.StatusNotFound || se.Code == http.StatusGone:
			le.Reason = LookupNoAccount
		case se.Code >= 400:
			le.Reason = LookupServerError
		default: // a redirect not followed
			le.Reason = LookupNoWebFinger
		}
	case errors.Is(err, transport.ErrForbiddenAddress):
		le.Reason = LookupPrivateAddress
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		le.Reason = LookupNoHost
	case errors.As(err, &certErr), errors.As(err, &unknown), errors.As(err, &badHost), errors.As(err, &invalid):
		le.Reason = LookupCertificate
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		le.Reason = LookupTimeout
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET):
		le.Reason = LookupRefused
	case errors.As(err, &syntax), errors.Is(err, errNotActivityPub):
		le.Reason = LookupNoWebFinger
	}
	return le
}

// jsonSyntaxError marks an answer that did not decode.
type jsonSyntaxError struct{ err error }

func (e *jsonSyntaxError) Error() string { return "not JSON: " + e.err.Error() }
func (e *jsonSyntaxError) Unwrap() error { return e.err }

// errNotActivityPub marks a document served with a type that is not
// ActivityPub's, or a WebFinger answer without an actor link.
var errNotActivityPub = errors.New("not an ActivityPub document")

// mayBeHTTPOnly reports whether an https request failed in a way that a
// server speaking only http causes: nothing listens on the https port, or
// what answers there is not TLS (net/http says so only in its error's
// text).
func mayBeHTTPOnly(err error) bool {
	var rh tls.RecordHeaderError
	return errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &rh) ||
		strings.Contains(err.Error(), "server gave HTTP response to HTTPS client")
}

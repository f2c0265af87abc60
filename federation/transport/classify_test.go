package transport

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"syscall"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	// wrap mimics how errors reach Classify: inside *url.Error and context.
	wrap := func(err error) error {
		return fmt.Errorf("deliver: %w", &url.Error{Op: "Post", URL: "https://b.example/inbox", Err: err})
	}
	opErr := func(errno syscall.Errno) error {
		return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", errno)}
	}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"400", &StatusError{Code: 400}, true},
		{"401", &StatusError{Code: 401}, true},
		{"403", &StatusError{Code: 403}, true},
		{"404", &StatusError{Code: 404}, true},
		{"410 gone", &StatusError{Code: 410}, true},
		{"422", &StatusError{Code: 422}, true},
		{"302 not followed", &StatusError{Code: 302}, true},
		{"408", &StatusError{Code: 408}, false},
		{"429", &StatusError{Code: 429, RetryAfter: time.Minute}, false},
		{"500", wrap(&StatusError{Code: 500}), false},
		{"502", &StatusError{Code: 502}, false},
		{"503", &StatusError{Code: 503}, false},
		{"forbidden address", wrap(fmt.Errorf("refusing to connect to 10.0.0.1: %w", ErrForbiddenAddress)), true},
		{"unsupported scheme", wrap(ErrUnsupportedScheme), true},
		{"too many redirects", wrap(ErrTooManyRedirects), true},
		{"https to http", wrap(ErrInsecureRedirect), true},
		{"too large", ErrTooLarge, true},
		{"no such host", wrap(&net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "gone.example", IsNotFound: true}}), true},
		{"dns timeout", wrap(&net.DNSError{Err: "i/o timeout", Name: "slow.example", IsTimeout: true}), false},
		{"dns server failure", wrap(&net.DNSError{Err: "server misbehaving", Name: "b.example", IsTemporary: true}), false},
		{"unknown authority", wrap(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}), true},
		{"bare unknown authority", x509.UnknownAuthorityError{}, true},
		{"wrong host name", wrap(x509.HostnameError{Host: "b.example", Certificate: &x509.Certificate{}}), true},
		{"expired", wrap(x509.CertificateInvalidError{Reason: x509.Expired}), true},
		{"no system roots", wrap(&tls.CertificateVerificationError{Err: x509.SystemRootsError{}}), false},
		{"deadline", wrap(context.DeadlineExceeded), false},
		{"canceled", wrap(context.Canceled), false},
		{"connection refused", wrap(opErr(syscall.ECONNREFUSED)), false},
		{"connection reset", wrap(opErr(syscall.ECONNRESET)), false},
		{"unexpected eof", wrap(io.ErrUnexpectedEOF), false},
		{"other", errors.New("something else"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.err); got != tt.want {
				t.Errorf("Classify(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

// TestClassifyRealErrors checks Classify against errors the client really
// returns, all produced on loopback.
func TestClassifyRealErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + ln.Addr().String() + "/"
	ln.Close() // nothing listens there now: connection refused

	untrusted := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	untrusted.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshake is expected
	untrusted.StartTLS()
	t.Cleanup(untrusted.Close)
	stalled := stallingServer(t, false)

	open := newTestClient(t, Options{AllowPrivate: true, Timeout: 200 * time.Millisecond})
	// Loading the system roots can take longer than 200ms the first time.
	patient := newTestClient(t, Options{AllowPrivate: true})
	guarded := newTestClient(t, Options{})
	tests := []struct {
		name string
		c    *Client
		url  string
		want bool
	}{
		{"connection refused", open, closedURL, false},
		{"timeout", open, stalled.URL, false},
		{"untrusted certificate", patient, untrusted.URL, true},
		{"forbidden address", guarded, stalled.URL, true},
		{"unsupported scheme", open, "ftp://127.0.0.1/", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.c.Post(context.Background(), tt.url, "application/activity+json", nil, nil)
			if err == nil {
				t.Fatalf("Post(%s) error = nil, want one", tt.url)
			}
			if got := Classify(err); got != tt.want {
				t.Errorf("Classify(%v) = %v, want %v", err, got, tt.want)
			}
		})
	}
}

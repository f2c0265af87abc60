package transport

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
)

// Classify reports whether a delivery that failed with err should be given
// up (permanent) rather than retried later.
//
// Permanent: a 4xx other than 408 and 429 (410 Gone included), a 3xx that
// was not followed, a forbidden address, a host that does not exist, a
// certificate that does not verify, an unsupported scheme, and the
// client's own refusals (too many redirects, an https→http redirect, a
// body over the size limit): sending the same request again gets the same
// answer. Everything else is retryable: 5xx, 408, 429 (see
// StatusError.RetryAfter), timeouts, refused or reset connections and
// other network errors.
func Classify(err error) (permanent bool) {
	if err == nil {
		return false
	}
	var se *StatusError
	if errors.As(err, &se) {
		return permanentStatus(se.Code)
	}
	for _, sentinel := range []error{ErrForbiddenAddress, ErrUnsupportedScheme,
		ErrTooManyRedirects, ErrInsecureRedirect, ErrTooLarge} {
		if errors.Is(err, sentinel) {
			return true
		}
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr.IsNotFound
	}
	return badCertificate(err)
}

func permanentStatus(code int) bool {
	switch {
	case code == 408 || code == 429:
		return false
	case code >= 300 && code <= 499:
		return true
	}
	return false
}

// badCertificate reports a TLS certificate that failed verification. It
// will not verify on the next attempt either; an operator has to fix it.
func badCertificate(err error) bool {
	var (
		verifyErr   *tls.CertificateVerificationError
		unknownAuth x509.UnknownAuthorityError
		hostnameErr x509.HostnameError
		invalidErr  x509.CertificateInvalidError
		systemErr   x509.SystemRootsError
	)
	// Missing system roots is this machine's problem, not the peer's:
	// dropping every delivery over it would lose them all.
	if errors.As(err, &systemErr) {
		return false
	}
	return errors.As(err, &verifyErr) || errors.As(err, &unknownAuth) ||
		errors.As(err, &hostnameErr) || errors.As(err, &invalidErr)
}

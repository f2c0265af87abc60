package transport

import (
	"context"
	"errors"
	"net/url"
	"strings"
)

type secretPathKey struct{}

// WithSecretPath marks the requests made with the returned context as
// going to URLs whose path is a secret, as a Web Push endpoint's is (it
// names one device's subscription, and whoever knows it can push to it):
// the client's debug lines then name the host and leave the path out,
// error text included. Errors returned to the caller are unchanged; the
// caller decides what of them it records.
func WithSecretPath(ctx context.Context) context.Context {
	return context.WithValue(ctx, secretPathKey{}, true)
}

func pathIsSecret(ctx context.Context) bool {
	secret, _ := ctx.Value(secretPathKey{}).(bool)
	return secret
}

// withoutPath is err for a log line about a request to u whose path is
// secret: net/http's *url.Error quotes the whole URL, and an error made
// while following a redirect may quote it again, so every occurrence of
// the path and query is cut from the text.
func withoutPath(err error, u *url.URL) error {
	text := err.Error()
	for _, p := range []string{u.RequestURI(), u.EscapedPath(), u.Path} {
		if p != "" && p != "/" {
			text = strings.ReplaceAll(text, p, "/…")
		}
	}
	return errors.New(text)
}

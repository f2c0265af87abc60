package federation

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// SubscribeRel is the WebFinger link relation whose template sends a
// person to their own server to follow or interact with a URI.
const SubscribeRel = "http://ostatus.org/schema/1.0/subscribe"

// SubscribeTemplate looks up a visitor's handle (user@their.server) and
// returns their server's subscribe template, in which "{uri}" stands for
// the account or post to follow or interact with. Only http(s) templates
// are returned, so a hostile server cannot send the visitor to a
// javascript: or data: URL.
//
// Note: Mastodon, GoToSocial, Pleroma and kith publish this link; Misskey
// does not, and its users get ErrNotFound.
func (f *Federation) SubscribeTemplate(ctx context.Context, handle string) (string, error) {
	user, host, ok := ParseAcct(handle)
	if !ok {
		return "", fmt.Errorf("%w: %q is not a handle like @user@example.org", ErrInvalid, handle)
	}
	jrd, err := f.fetchJRD(ctx, user, host)
	if err != nil {
		return "", err
	}
	for _, l := range jrd.Links {
		if l.Rel != SubscribeRel || !strings.Contains(l.Template, "{uri}") {
			continue
		}
		u, err := url.Parse(strings.ReplaceAll(l.Template, "{uri}", "x"))
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			continue
		}
		return l.Template, nil
	}
	return "", fmt.Errorf("%w: %s@%s offers no way to follow from elsewhere", ErrNotFound, user, host)
}

// FillSubscribeTemplate puts uri, escaped, into a subscribe template.
func FillSubscribeTemplate(template, uri string) string {
	return strings.ReplaceAll(template, "{uri}", url.QueryEscape(uri))
}

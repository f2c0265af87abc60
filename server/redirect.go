package server

import (
	"net/http"
	"net/url"
	"strings"
)

// Redirects to a target the request names (the login form's next, the
// return_to of the owner's forms) go through localTarget, the one parser
// for them. A prefix check is not enough: a browser reads a Location the
// way the URL standard says, which drops tabs and newlines anywhere,
// trims spaces and control characters at both ends, and reads '\' as '/',
// so "/\t/evil.example" passed "starts with / but not //" and sent the
// owner to //evil.example. localTarget first does what the browser would,
// then parses, and returns the parsed URL written out again: the
// Location sent is the text that was checked.

// localTarget accepts a path on this site, with its query and fragment,
// and returns it as it is to be sent. Anything that names a scheme or a
// host, or starts with "//" once normalised as a browser would, is
// refused, as are relative paths and what does not parse.
func localTarget(raw string) (string, bool) {
	target := strings.TrimFunc(raw, func(r rune) bool { return r <= ' ' })
	target = strings.NewReplacer("\t", "", "\r", "", "\n", "", `\`, "/").Replace(target)
	if !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") {
		return "", false
	}
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "", false
	}
	out := u.String()
	if !strings.HasPrefix(out, "/") || strings.HasPrefix(out, "//") {
		return "", false
	}
	return out, true
}

// safeNext is localTarget with "/" for a target it refuses: where the
// login form sends the owner.
func safeNext(next string) string {
	if target, ok := localTarget(next); ok {
		return target
	}
	return "/"
}

// returnTo is where a posted form goes back to: its return_to field when
// that is a path on this site, else fallback.
func returnTo(r *http.Request, fallback string) string {
	if target, ok := localTarget(r.PostFormValue("return_to")); ok {
		return target
	}
	return fallback
}

package web

import (
	"net/http"
	"net/url"
	"strings"
)

// LocalTarget accepts a path on this site, with its query and fragment,
// and returns it as it is to be sent. Anything that names a scheme or a
// host, or starts with "//" once normalised as a browser would, is
// refused, as are relative paths and what does not parse.
func LocalTarget(raw string) (string, bool) {
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

// SafeNext is LocalTarget with "/" for a target it refuses: where the
// login form sends the owner.
func SafeNext(next string) string {
	if target, ok := LocalTarget(next); ok {
		return target
	}
	return "/"
}

// returnTo is where a posted form goes back to: its return_to field when
// that is a path on this site, else fallback.
func returnTo(r *http.Request, fallback string) string {
	if target, ok := LocalTarget(r.PostFormValue("return_to")); ok {
		return target
	}
	return fallback
}

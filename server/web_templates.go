package server

import (
	"context"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"kith/store"
)

// Helpers the page templates and their handlers share: the template
// functions, the views of the small partials, and the session as view
// builders see it.

// pagination is the "pagination" partial's view: links to the newer and
// older pages, empty when there is none.
type pagination struct {
	Prev string
	Next string
}

// olderPage is the link to the page after the last of ids (newest first),
// keeping the request's other query parameters; empty when the page was
// not full, so there is nothing older.
func olderPage(r *http.Request, lastID int64, full bool) string {
	if !full || lastID == 0 {
		return ""
	}
	q := r.URL.Query()
	q.Del("min_id")
	q.Set("max_id", strconv.FormatInt(lastID, 10))
	return r.URL.Path + "?" + q.Encode()
}

// sessionFromContext is the owner's session carried by a request's
// context (see loadSession), nil for visitors.
func sessionFromContext(ctx context.Context) *store.Session {
	sess, _ := ctx.Value(sessionKey).(*store.Session)
	if sess == expiredSession {
		return nil
	}
	return sess
}

// shortTimeLayout is how pages show a time.
const shortTimeLayout = "2 Jan 2006 15:04"

// templateFuncs are the helpers every template may call.
func templateFuncs() template.FuncMap {
	return template.FuncMap{
		// isoTime is a time for a datetime attribute or a feed.
		"isoTime": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		// shortTime is a time as a reader sees it.
		"shortTime": func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04") },
	}
}

// contextWithoutSession hides the owner's session from view builders, for
// parts of a page that show what visitors see.
func contextWithoutSession(ctx context.Context) context.Context {
	return context.WithValue(ctx, sessionKey, (*store.Session)(nil))
}

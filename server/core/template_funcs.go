package core

import (
	"context"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"kith/store"
)

// Pagination is the "pagination" partial's view: links to the newer and
// older pages, empty when there is none.
type Pagination struct {
	Prev string
	Next string
}

// OlderPage is the link to the page after the last of ids (newest first),
// keeping the request's other query parameters; empty when the page was
// not full, so there is nothing older.
func OlderPage(r *http.Request, lastID int64, full bool) string {
	if !full || lastID == 0 {
		return ""
	}
	q := r.URL.Query()
	q.Del("min_id")
	q.Set("max_id", strconv.FormatInt(lastID, 10))
	return r.URL.Path + "?" + q.Encode()
}

// SessionFromContext is the owner's session carried by a request's
// context (see loadSession), nil for visitors.
func SessionFromContext(ctx context.Context) *store.Session {
	sess, _ := ctx.Value(SessionKey).(*store.Session)
	if sess == ExpiredSession {
		return nil
	}
	return sess
}

// ShortTimeLayout is how pages show a time.
const ShortTimeLayout = "2 Jan 2006 15:04"

// TemplateFuncs are the helpers every template may call.
func TemplateFuncs() template.FuncMap {
	return template.FuncMap{
		// isoTime is a time for a datetime attribute or a feed.
		"isoTime": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		// shortTime is a time as a reader sees it.
		"shortTime": func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04") },
	}
}

// ContextWithoutSession hides the owner's session from view builders, for
// parts of a page that show what visitors see.
func ContextWithoutSession(ctx context.Context) context.Context {
	return context.WithValue(ctx, SessionKey, (*store.Session)(nil))
}

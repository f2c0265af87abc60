package server

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"kith/federation"
	"kith/store"
)

// Errors handlers return; errorStatus maps them (and store's sentinels) to
// status codes in one place.
var (
	errInternal     = errors.New("something went wrong")
	errBadRequest   = errors.New("bad request")
	errForbidden    = errors.New("forbidden")
	errBadCSRF      = errors.New("the form has expired or did not come from this site")
	errTooManyTries = errors.New("too many attempts")
)

// userError is an error whose message is written for the person who sees it.
type userError struct {
	status int
	msg    string
}

func (e *userError) Error() string { return e.msg }

func errorStatus(err error) (int, string) {
	var ue *userError
	var tooBig *http.MaxBytesError
	var refused *signInRefused
	switch {
	case errors.As(err, &ue):
		return ue.status, ue.msg
	case errors.As(err, &refused):
		return http.StatusTooManyRequests, refused.message()
	case errors.Is(err, store.ErrNotFound), errors.Is(err, federation.ErrNotFound):
		return http.StatusNotFound, "There is nothing here."
	case errors.Is(err, federation.ErrForbidden):
		return http.StatusForbidden, capitalize(strings.TrimPrefix(err.Error(), "forbidden: ")) + "."
	case errors.Is(err, federation.ErrBadRequest):
		// federation's messages are written for the owner: "bad request: the post is empty".
		return http.StatusUnprocessableEntity, capitalize(strings.TrimPrefix(err.Error(), "bad request: ")) + "."
	case errors.Is(err, errBadCSRF):
		return http.StatusForbidden, "The form has expired or did not come from this site. Go back, reload the page and try again."
	case errors.Is(err, errForbidden):
		return http.StatusForbidden, "You are not allowed to do that."
	case errors.Is(err, errTooManyTries):
		return http.StatusTooManyRequests, "Too many attempts. Wait a minute and try again."
	case errors.Is(err, errBadRequest):
		return http.StatusBadRequest, "The request was not understood."
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge, "The request is too large."
	default:
		return http.StatusInternalServerError, "Something went wrong. The details are in the server log."
	}
}

type errorPage struct {
	Site    site
	Title   string
	Message string
}

// renderError answers with the error's status and a page saying what went
// wrong; unexpected errors are logged with their detail, which the visitor
// never sees.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := errorStatus(err)
	setRetryAfter(w, err)
	if status >= 500 {
		s.logger.Error("request failed", "path", r.URL.Path, "err", err)
	} else {
		s.logger.Debug("request refused", "path", r.URL.Path, "status", status, "err", err)
	}
	s.render(w, r, status, "error", errorPage{Site: s.site(r), Title: http.StatusText(status), Message: msg})
}

// render executes a page template into a buffer first, so a template error
// becomes a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, view any) {
	t, ok := s.pages[page]
	if !ok {
		s.logger.Error("no such template", "page", page)
		http.Error(w, "Something went wrong.", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, view); err != nil {
		s.logger.Error("template failed", "page", page, "err", err)
		http.Error(w, "Something went wrong.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func levelFor(status int) slog.Level {
	if status >= 500 {
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

// capitalize upper-cases the first letter of a message.
func capitalize(msg string) string {
	r, n := utf8.DecodeRuneInString(msg)
	return string(unicode.ToUpper(r)) + msg[n:]
}

package core

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
	ErrInternal     = errors.New("something went wrong")
	errBadRequest   = errors.New("bad request")
	errForbidden    = errors.New("forbidden")
	ErrBadCSRF      = errors.New("the form has expired or did not come from this site")
	ErrTooManyTries = errors.New("too many attempts")
)

// UserError is an error whose message is written for the person who sees it.
type UserError struct {
	Status int
	Msg    string
}

func (e *UserError) Error() string { return e.Msg }

// Refuse is a UserError: msg, for the person who sees it, with status.
func Refuse(status int, msg string) *UserError {
	e := UserError{status, msg}
	return &e
}

func ErrorStatus(err error) (int, string) {
	var ue *UserError
	var tooBig *http.MaxBytesError
	var refused *signInRefused
	switch {
	case errors.As(err, &ue):
		return ue.Status, ue.Msg
	case errors.As(err, &refused):
		return http.StatusTooManyRequests, refused.message()
	case errors.Is(err, store.ErrNotFound), errors.Is(err, federation.ErrNotFound):
		return http.StatusNotFound, "There is nothing here."
	case errors.Is(err, federation.ErrForbidden):
		return http.StatusForbidden, capitalize(strings.TrimPrefix(err.Error(), "forbidden: ")) + "."
	case errors.Is(err, federation.ErrBadRequest):
		// federation's messages are written for the owner: "bad request: the post is empty".
		return http.StatusUnprocessableEntity, capitalize(strings.TrimPrefix(err.Error(), "bad request: ")) + "."
	case errors.Is(err, ErrBadCSRF):
		return http.StatusForbidden, "The form has expired or did not come from this site. Go back, reload the page and try again."
	case errors.Is(err, errForbidden):
		return http.StatusForbidden, "You are not allowed to do that."
	case errors.Is(err, ErrTooManyTries):
		return http.StatusTooManyRequests, "Too many attempts. Wait a minute and try again."
	case errors.Is(err, errBadRequest):
		return http.StatusBadRequest, "The request was not understood."
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge, "The request is too large."
	default:
		return http.StatusInternalServerError, "Something went wrong. The details are in the server log."
	}
}

type ErrorPage struct {
	Site    Site
	Title   string
	Message string
}

// RenderError answers with the error's status and a page saying what went
// wrong; unexpected errors are logged with their detail, which the visitor
// never sees.
func (s *Env) RenderError(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := ErrorStatus(err)
	SetRetryAfter(w, err)
	if status >= 500 {
		s.Logger.Error("request failed", "path", r.URL.Path, "err", err)
	} else {
		s.Logger.Debug("request refused", "path", r.URL.Path, "status", status, "err", err)
	}
	s.Render(w, r, status, "error", ErrorPage{Site: s.Site(r), Title: http.StatusText(status), Message: msg})
}

// Render executes a page template into a buffer first, so a template error
// becomes a clean 500 instead of half a page.
func (s *Env) Render(w http.ResponseWriter, r *http.Request, status int, page string, view any) {
	t, ok := s.Pages[page]
	if !ok {
		s.Logger.Error("no such template", "page", page)
		http.Error(w, "Something went wrong.", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, view); err != nil {
		s.Logger.Error("template failed", "page", page, "err", err)
		http.Error(w, "Something went wrong.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func LevelFor(status int) slog.Level {
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

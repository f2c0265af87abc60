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
	"kith/media"
	"kith/store"
)

// Errors handlers return besides store's and federation's sentinels;
// StatusOf maps them all.
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

// mediaNotReady is the refusal of a post whose media is still being
// processed.
// Note: Mastodon answers 422 with this while media is processed, and apps
// try again.
const mediaNotReady = "Cannot attach files that have not finished processing. Try again in a moment!"

// StatusOf is the one table from errors to answers: the status an error
// is answered with, and a message for whoever sees it. The pages, the
// Mastodon API and ActivityPub all answer through it (RenderError,
// APIFail, PlainFail), so an error means the same everywhere. A message
// never carries the detail of kith's own failures (500), which are
// logged instead.
func StatusOf(err error) (code int, public string) {
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
	case errors.Is(err, federation.ErrUnauthorized):
		return http.StatusUnauthorized, "The request's signature could not be verified."
	case errors.Is(err, federation.ErrForbidden):
		return http.StatusForbidden, sentence(federation.Reason(err))
	case errors.Is(err, federation.ErrMediaNotReady):
		return http.StatusUnprocessableEntity, mediaNotReady
	case errors.Is(err, federation.ErrInvalid):
		// Written for the owner: "invalid: the post is empty".
		return http.StatusUnprocessableEntity, sentence(federation.Reason(err))
	case errors.Is(err, federation.ErrBadRequest):
		return http.StatusBadRequest, sentence(federation.Reason(err))
	case errors.Is(err, ErrBadCSRF):
		return http.StatusForbidden, "The form has expired or did not come from this site. Go back, reload the page and try again."
	case errors.Is(err, errForbidden):
		return http.StatusForbidden, "You are not allowed to do that."
	case errors.Is(err, ErrTooManyTries):
		return http.StatusTooManyRequests, "Too many attempts. Wait a minute and try again."
	case errors.Is(err, errBadRequest):
		return http.StatusBadRequest, "The request was not understood."
	case errors.Is(err, media.ErrStorageUnavailable):
		return http.StatusServiceUnavailable, "Media storage is unavailable at the moment, and nothing was saved. Try again in a few minutes."
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge, "The request is too large."
	default:
		return http.StatusInternalServerError, "Something went wrong. The details are in the server log."
	}
}

// answer looks an error up in StatusOf, logs it (kith's own failures as
// errors with their detail, refusals at debug level) and sets Retry-After
// when it says when to try again.
func (s *Env) answer(w http.ResponseWriter, r *http.Request, err error) (int, string) {
	code, public := StatusOf(err)
	SetRetryAfter(w, err)
	if code >= 500 {
		s.Logger.Error("request failed", "path", r.URL.Path, "err", err)
	} else {
		s.Logger.Debug("request refused", "path", r.URL.Path, "status", code, "err", err)
	}
	return code, public
}

// APIFail answers an API request with the error in Mastodon's shape,
// {"error": "..."}, wording it as Mastodon does where apps may look.
func (s *Env) APIFail(w http.ResponseWriter, r *http.Request, err error) {
	code, public := s.answer(w, r, err)
	var ue *UserError
	switch {
	case errors.As(err, &ue):
		// Written for the API already.
	case code == http.StatusNotFound:
		public = "Record not found"
	case code == http.StatusUnprocessableEntity:
		public = "Validation failed: " + public
	}
	APIError(w, code, public)
}

// PlainFail answers a peer (ActivityPub, discovery) with the status and
// its text alone.
func (s *Env) PlainFail(w http.ResponseWriter, r *http.Request, err error) {
	code, _ := s.answer(w, r, err)
	http.Error(w, http.StatusText(code), code)
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
	status, msg := s.answer(w, r, err)
	s.Render(w, r, status, "error", ErrorPage{Site: s.Site(r), Title: http.StatusText(status), Message: msg})
}

// Render executes a page template into a buffer first, so a template error
// becomes a clean 500 instead of half a page.
func (s *Env) Render(w http.ResponseWriter, r *http.Request, status int, page string, view any) {
	pages, err := s.Pages()
	if err != nil {
		s.Logger.Error("templates failed to parse", "err", err)
		http.Error(w, "Something went wrong.", http.StatusInternalServerError)
		return
	}
	t, ok := pages[page]
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

// LevelFor is the level a request with status is logged at.
func LevelFor(status int) slog.Level {
	if status >= 500 {
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

// sentence makes a message a sentence: its first letter upper-cased and
// a full stop at the end.
func sentence(msg string) string {
	r, n := utf8.DecodeRuneInString(msg)
	return string(unicode.ToUpper(r)) + strings.TrimSuffix(msg[n:], ".") + "."
}

// Failing is a handler that may fail: the adapter that mounts it answers
// its error (AnswerJSON, AnswerPage, AnswerPlain), so the handler only
// returns it.
type Failing func(http.ResponseWriter, *http.Request) error

// AnswerJSON mounts h, answering its error in Mastodon's JSON shape.
func (s *Env) AnswerJSON(h Failing) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.APIFail(w, r, err)
		}
	}
}

// AnswerPage mounts h, answering its error with an error page.
func (s *Env) AnswerPage(h Failing) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.RenderError(w, r, err)
		}
	}
}

// AnswerPlain mounts h, answering its error with the status alone (for
// peers).
func (s *Env) AnswerPlain(h Failing) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.PlainFail(w, r, err)
		}
	}
}

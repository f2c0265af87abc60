package core

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"kith/federation"
	"kith/store"
)

// TestOneErrorTable: every writer answers an error with the status
// StatusOf gives it, whoever asked (the Mastodon API, a peer), so that an
// error cannot mean 422 on one side and 400 or a logged 500 on another.
func TestOneErrorTable(t *testing.T) {
	env := &Env{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	cases := []struct {
		err  error
		want int
	}{
		{fmt.Errorf("post 7: %w", store.ErrNotFound), http.StatusNotFound},
		{fmt.Errorf("%w: no such actor", federation.ErrNotFound), http.StatusNotFound},
		{fmt.Errorf("%w: signature", federation.ErrUnauthorized), http.StatusUnauthorized},
		{fmt.Errorf("%w: you are blocked", federation.ErrForbidden), http.StatusForbidden},
		{fmt.Errorf("%w: the post is empty", federation.ErrInvalid), http.StatusUnprocessableEntity},
		{fmt.Errorf("parse: %w: not JSON", federation.ErrBadRequest), http.StatusBadRequest},
		{ErrBadCSRF, http.StatusForbidden},
		{errForbidden, http.StatusForbidden},
		{errBadRequest, http.StatusBadRequest},
		{ErrTooManyTries, http.StatusTooManyRequests},
		{&http.MaxBytesError{Limit: 10}, http.StatusRequestEntityTooLarge},
		{Refuse(http.StatusConflict, "Already there."), http.StatusConflict},
		{io.ErrUnexpectedEOF, http.StatusInternalServerError},
	}
	for _, c := range cases {
		code, public := StatusOf(c.err)
		if code != c.want || public == "" {
			t.Errorf("StatusOf(%v) = %d %q, want %d and a message", c.err, code, public, c.want)
		}
		r := httptest.NewRequest("GET", "/x", nil)
		api := httptest.NewRecorder()
		env.APIFail(api, r, c.err)
		var body struct{ Error string }
		if err := json.Unmarshal(api.Body.Bytes(), &body); err != nil || api.Code != c.want || body.Error == "" {
			t.Errorf("APIFail(%v) = %d %q, want %d with {\"error\": ...}", c.err, api.Code, api.Body, c.want)
		}
		plain := httptest.NewRecorder()
		env.PlainFail(plain, r, c.err)
		if plain.Code != c.want {
			t.Errorf("PlainFail(%v) = %d, want %d", c.err, plain.Code, c.want)
		}
	}
	// The detail of kith's own failure stays in the log.
	if _, public := StatusOf(fmt.Errorf("disk I/O error at /var/lib/kith")); public != "Something went wrong. The details are in the server log." {
		t.Errorf("a 500 says %q", public)
	}
	// A message written for the API is answered as it is.
	rec := httptest.NewRecorder()
	env.APIFail(rec, httptest.NewRequest("POST", "/api/v1/statuses", nil), Refuse(http.StatusUnprocessableEntity, "Validation failed: a post has at most 4 media attachments"))
	if want := `{"error":"Validation failed: a post has at most 4 media attachments"}` + "\n"; rec.Body.String() != want {
		t.Errorf("APIFail(a UserError) = %q, want %q", rec.Body, want)
	}
	// The owner reads federation's reason as a sentence.
	if _, public := StatusOf(fmt.Errorf("%w: the post is empty", federation.ErrInvalid)); public != "The post is empty." {
		t.Errorf("an invalid post says %q", public)
	}
}

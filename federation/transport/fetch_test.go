package transport

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"kith/tests/testclock"
)

func TestParseRetryAfter(t *testing.T) {
	now := testclock.Base()
	// The three date formats HTTP allows (RFC 9110 §5.6.7).
	imfDate := func(d time.Duration) string { return now.Add(d).Format(http.TimeFormat) }
	rfc850 := func(d time.Duration) string { return now.Add(d).Format("Monday, 02-Jan-06 15:04:05 GMT") }
	asctime := func(d time.Duration) string { return now.Add(d).Format(time.ANSIC) }
	tests := []struct {
		value string
		want  time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"120", 2 * time.Minute},
		{" 5 ", 5 * time.Second},
		{"-3", 0},
		{"1.5", 0},
		{"soon", 0},
		{imfDate(90 * time.Second), 90 * time.Second},
		{rfc850(10 * time.Second), 10 * time.Second},
		{asctime(20 * time.Second), 20 * time.Second},
		{imfDate(-time.Hour), 0},    // in the past
		{"99999999999999999999", 0}, // not an int64
		{"9223372036854775807", time.Duration(1<<63 - 1)},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.value, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", tt.value, got, tt.want)
		}
	}
}

// statusServer answers with the status in ?code and the Retry-After in
// ?retry.
func statusServer(t *testing.T) *httptest.Server {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := r.URL.Query().Get("retry"); v != "" {
			w.Header().Set("Retry-After", v)
		}
		if r.URL.Query().Has("location") {
			w.Header().Set("Location", "/elsewhere")
		}
		code, _ := strconv.Atoi(r.URL.Query().Get("code"))
		w.WriteHeader(code)
		w.Write([]byte("body"))
	}))
	t.Cleanup(ts.Close)
	return ts
}

func TestStatusError(t *testing.T) {
	ts := statusServer(t)
	c := newTestClient(t, Options{AllowPrivate: true})
	tests := []struct {
		query     string
		wantCode  int
		wantRetry time.Duration
	}{
		{"code=200", 0, 0},
		{"code=202", 0, 0},
		{"code=404", 404, 0},
		{"code=410", 410, 0},
		{"code=503&retry=30", 503, 30 * time.Second},
		{"code=429&retry=3600", 429, time.Hour},
		{"code=302&location", 302, 0}, // Post does not follow a 302
	}
	for _, tt := range tests {
		u := ts.URL + "/?" + tt.query
		t.Run("post "+tt.query, func(t *testing.T) {
			resp, err := c.Post(context.Background(), u, "application/activity+json", []byte("{}"), nil)
			checkStatus(t, u, resp, err, tt.wantCode, tt.wantRetry)
		})
		if tt.wantCode == 302 {
			continue // GetBody follows it, to a 0 status
		}
		t.Run("get "+tt.query, func(t *testing.T) {
			body, resp, err := c.GetBody(context.Background(), u, nil, nil)
			checkStatus(t, u, resp, err, tt.wantCode, tt.wantRetry)
			if err != nil && body != nil {
				t.Errorf("body = %q with an error, want nil", body)
			}
		})
	}
}

// checkStatus checks a Post or GetBody result: no error for wantCode 0,
// otherwise a *StatusError with these fields and the response alongside.
func checkStatus(t *testing.T, u string, resp *http.Response, err error, wantCode int, wantRetry time.Duration) {
	t.Helper()
	if resp == nil && err == nil {
		t.Fatalf("resp and error both nil")
	}
	if wantCode == 0 {
		if err != nil {
			t.Errorf("error = %v, want nil", err)
		}
		return
	}
	var se *StatusError
	if !errors.As(err, &se) {
		t.Fatalf("error = %v, want *StatusError", err)
	}
	if se.Code != wantCode || se.URL != u || se.RetryAfter != wantRetry {
		t.Errorf("StatusError = %+v, want Code %d URL %s RetryAfter %s", *se, wantCode, u, wantRetry)
	}
	if resp == nil || resp.StatusCode != wantCode {
		t.Errorf("resp = %v, want the response with status %d", resp, wantCode)
	}
}

func TestRetryAfterDate(t *testing.T) {
	ts := statusServer(t)
	c := newTestClient(t, Options{AllowPrivate: true})
	// Whole minutes ahead so that a second boundary crossed during the
	// request cannot change the answer by more than the tolerance below.
	when := time.Now().Add(10 * time.Minute).UTC().Format(http.TimeFormat)
	_, _, err := c.GetBody(context.Background(), ts.URL+"/?code=429&retry="+url.QueryEscape(when), nil, nil)
	var se *StatusError
	if !errors.As(err, &se) {
		t.Fatalf("error = %v, want *StatusError", err)
	}
	if se.RetryAfter < 9*time.Minute || se.RetryAfter > 10*time.Minute {
		t.Errorf("RetryAfter = %s, want about 10m", se.RetryAfter)
	}
}

func TestGetBodySendsHeaders(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(r.Header.Get("Accept") + "|" + r.UserAgent()))
	}))
	t.Cleanup(ts.Close)
	c := newTestClient(t, Options{AllowPrivate: true, UserAgent: "kith/1.0 (+https://a.example)"})
	const accept = `application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`
	header := http.Header{"Accept": {accept}}
	body, resp, err := c.GetBody(context.Background(), ts.URL, header, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(body), accept+"|kith/1.0 (+https://a.example)"; got != want {
		t.Errorf("server saw %q, want %q", got, want)
	}
	if got, want := resp.Request.URL.String(), ts.URL; got != want {
		t.Errorf("resp.Request.URL = %s, want %s", got, want)
	}
}

package testclock

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestParseBase(t *testing.T) {
	tests := []struct {
		value string
		want  time.Time
	}{
		{"", defaultBase},
		{"-5y", time.Date(2021, 11, 1, 12, 0, 0, 0, time.UTC)},
		{"+5y", time.Date(2031, 11, 1, 12, 0, 0, 0, time.UTC)},
		{" +0y ", defaultBase},
		{"+30d", time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)},
		{"2031-02-28T23:59:00Z", time.Date(2031, 2, 28, 23, 59, 0, 0, time.UTC)},
		{"2031-03-01T01:00:00+02:00", time.Date(2031, 2, 28, 23, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got, err := parseBase(tt.value)
		if err != nil || !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("parseBase(%q) = %v, %v; want %v", tt.value, got, err, tt.want)
		}
	}
	for _, bad := range []string{"5y", "-5", "-y", "+5w", "-5.5y", "--5y", "+99999y", "2031-02-28", "tomorrow"} {
		if got, err := parseBase(bad); err == nil || !strings.Contains(err.Error(), EnvBase) {
			t.Errorf("parseBase(%q) = %v, %v; want an error naming %s", bad, got, err, EnvBase)
		}
	}
}

func TestClock(t *testing.T) {
	c := New()
	if got := c.Now(); !got.Equal(Base()) {
		t.Fatalf("New().Now() = %v, want Base %v", got, Base())
	}
	c.Add(90 * time.Minute)
	if got, want := c.Now(), Base().Add(90*time.Minute); !got.Equal(want) {
		t.Errorf("after Add: %v, want %v", got, want)
	}
	at := time.Date(2040, 1, 2, 3, 4, 5, 0, time.UTC)
	c.Set(at)
	if got := c.Now(); !got.Equal(at) {
		t.Errorf("after Set: %v, want %v", got, at)
	}
}

// setCookie stores the cookies of raw Set-Cookie header values, as a
// response from u would.
func setCookie(t *testing.T, j *Jar, u string, headers ...string) {
	t.Helper()
	var cookies []*http.Cookie
	for _, h := range headers {
		c, err := http.ParseSetCookie(h)
		if err != nil {
			t.Fatalf("ParseSetCookie(%q): %v", h, err)
		}
		cookies = append(cookies, c)
	}
	j.SetCookies(mustURL(t, u), cookies)
}

// sent is what the jar sends to u, as a Cookie header would carry it.
func sent(t *testing.T, j *Jar, u string) string {
	t.Helper()
	var parts []string
	for _, c := range j.Cookies(mustURL(t, u)) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestJarExpiryFollowsTheClock puts the clock decades away from the real
// date both ways: expiry must depend on the clock alone.
func TestJarExpiryFollowsTheClock(t *testing.T) {
	for _, start := range []time.Time{
		time.Date(1999, 12, 31, 23, 0, 0, 0, time.UTC),
		time.Date(2090, 6, 1, 12, 0, 0, 0, time.UTC),
	} {
		t.Run(start.Format("2006"), func(t *testing.T) {
			c := New()
			c.Set(start)
			j := NewJar(c.Now)
			const u = "http://127.0.0.1:8080/"
			expires := start.Add(2 * time.Hour).Format(http.TimeFormat)
			setCookie(t, j, u, "age=1; Max-Age=3600", "date=2; Expires="+expires, "session=3")
			if got, want := sent(t, j, u), "age=1; date=2; session=3"; got != want {
				t.Fatalf("at start: sent %q, want %q", got, want)
			}
			c.Add(time.Hour - time.Second)
			if got, want := sent(t, j, u), "age=1; date=2; session=3"; got != want {
				t.Errorf("a second before Max-Age runs out: sent %q, want %q", got, want)
			}
			c.Add(time.Second)
			if got, want := sent(t, j, u), "date=2; session=3"; got != want {
				t.Errorf("when Max-Age runs out: sent %q, want %q", got, want)
			}
			c.Add(time.Hour)
			if got, want := sent(t, j, u), "session=3"; got != want {
				t.Errorf("at Expires: sent %q, want %q", got, want)
			}
			// Moving the clock back does not bring a dropped cookie back.
			c.Set(start)
			if got, want := sent(t, j, u), "session=3"; got != want {
				t.Errorf("clock moved back: sent %q, want %q", got, want)
			}
		})
	}
}

func TestJarSetCookies(t *testing.T) {
	c := New()
	past := Base().Add(-time.Hour).Format(http.TimeFormat)
	future := Base().Add(time.Hour).Format(http.TimeFormat)
	const u = "http://127.0.0.1:8080/"
	tests := []struct {
		name    string
		headers []string
		want    string
	}{
		{"Max-Age wins over a past Expires", []string{"a=1; Max-Age=60; Expires=" + past}, "keep=1; a=1"},
		{"Max-Age=0 deletes despite a future Expires", []string{"keep=2; Max-Age=0; Expires=" + future}, ""},
		{"a negative Max-Age deletes", []string{"keep=2; Max-Age=-1"}, ""},
		{"a past Expires deletes", []string{"keep=2; Expires=" + past}, ""},
		{"deleting an unknown cookie stores nothing", []string{"b=1; Max-Age=0"}, "keep=1"},
		{"a new value replaces the old", []string{"keep=2"}, "keep=2"},
		{"the same name on another path is another cookie", []string{"keep=2; Path=/a"}, "keep=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := NewJar(c.Now)
			setCookie(t, j, u, "keep=1")
			setCookie(t, j, u, tt.headers...)
			if got := sent(t, j, u); got != tt.want {
				t.Errorf("sent %q, want %q", got, tt.want)
			}
		})
	}
}

func TestJarMatching(t *testing.T) {
	j := NewJar(New().Now)
	setCookie(t, j, "http://127.0.0.1:8080/settings/sessions",
		"root=1; Path=/", "settings=2; Path=/settings", "slash=3; Path=/settings/", "default=4", "secure=5; Path=/; Secure")
	setCookie(t, j, "https://127.0.0.1:8443/login", "tls=6; Secure")
	tests := []struct {
		url, want string
	}{
		{"http://127.0.0.1:8080", "root=1"},
		{"http://127.0.0.1:8080/", "root=1"},
		{"http://127.0.0.1:8080/settingsx", "root=1"},
		{"http://127.0.0.1:8080/settings", "settings=2; default=4; root=1"},
		{"http://127.0.0.1:8080/settings/sessions", "slash=3; settings=2; default=4; root=1"},
		{"https://127.0.0.1:8080/", "root=1; secure=5"},
		{"http://127.0.0.1:8081/settings", ""},
		{"http://127.0.0.2:8080/settings", ""},
		{"http://127.0.0.1:8443/", ""},
		{"https://127.0.0.1:8443/", "tls=6"},
	}
	for _, tt := range tests {
		if got := sent(t, j, tt.url); got != tt.want {
			t.Errorf("%s: sent %q, want %q", tt.url, got, tt.want)
		}
	}
}

// TestJarWithClient checks the jar behind an http.Client talking to a
// server, the way kith's tests use it.
func TestJarWithClient(t *testing.T) {
	c := New()
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "s1", Path: "/", MaxAge: 3600})
	})
	mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Path: "/", MaxAge: -1})
	})
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
		if s, err := r.Cookie("session"); err == nil {
			w.Write([]byte(s.Value))
		}
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()
	srv := ts.URL
	client := &http.Client{Jar: NewJar(c.Now)}
	whoami := func() string {
		t.Helper()
		resp, err := client.Get(srv + "/whoami")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	get := func(path string) {
		t.Helper()
		resp, err := client.Get(srv + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}

	get("/login")
	if got := whoami(); got != "s1" {
		t.Errorf("after login: session %q, want s1", got)
	}
	c.Add(time.Hour)
	if got := whoami(); got != "" {
		t.Errorf("an hour later: session %q, want none", got)
	}
	get("/login")
	get("/logout")
	if got := whoami(); got != "" {
		t.Errorf("after logout: session %q, want none", got)
	}
}

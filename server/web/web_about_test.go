package web_test

import (
	"net/http"
	"strings"
	"testing"

	"kith/config"
	"kith/server/servertest"
)

// /about shows the [instance] description, contact and rules, escaped as
// text; without them, the owner's bio and a word that there are no rules.
func TestWebAboutPage(t *testing.T) {
	in := servertest.New(t, func(c *config.Config) {
		c.Instance = config.Instance{Description: "A quiet place.\n\nFor <friends>.", ContactEmail: "admin@example.org",
			Rules: []string{"Be kind.", "No <b>ads</b>."}}
	})
	resp, body := servertest.Get(t, in.Browser(t), in.HTTP.URL+"/about")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /about: %d", resp.StatusCode)
	}
	for _, want := range []string{`<h1 id="about-heading">About localhost:8080</h1>`, "<p>A quiet place.</p>", "<p>For &lt;friends&gt;.</p>",
		`<a href="mailto:admin@example.org">admin@example.org</a>`, "<li>Be kind.</li>", "<li>No &lt;b&gt;ads&lt;/b&gt;.</li>",
		`<a href="/about" aria-current="page">About this server</a>`, `@admin@localhost:8080`} {
		if !strings.Contains(body, want) {
			t.Errorf("/about lacks %q", want)
		}
	}

	bare := servertest.New(t, nil)
	_, body = servertest.Get(t, bare.Browser(t), bare.HTTP.URL+"/about")
	for _, want := range []string{"This server has set no rules.", "A single-person fediverse server."} {
		if !strings.Contains(body, want) {
			t.Errorf("/about without [instance] lacks %q", want)
		}
	}
	if strings.Contains(body, "mailto:") {
		t.Errorf("/about without a contact address shows a mailto link")
	}
}

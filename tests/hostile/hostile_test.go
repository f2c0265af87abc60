package hostile

import (
	"encoding/json"
	"strings"
	"testing"
)

// The checks must catch what they are for: each bad input here is one that
// a surface could really emit.

func TestHostileCorpusFile(t *testing.T) {
	cases, err := Corpus()
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 40 {
		t.Errorf("%d cases, want at least 40", len(cases))
	}
	names := map[string]bool{}
	for _, c := range cases {
		if names[c.Name] {
			t.Errorf("case %s twice", c.Name)
		}
		names[c.Name] = true
		content := String(c.Note, "content")
		if c.Text == "" || !strings.Contains(Text(content), c.Text) {
			t.Errorf("case %s: its text %q is not in its content %q", c.Name, c.Text, content)
		}
		// A plain-text field comes back as sent, so it may not hold what
		// no string of kith's may: the URL checks would flag it.
		plain := []string{String(c.Note, "summary"), String(c.Actor, "name")}
		for _, key := range []string{"oneOf", "anyOf", "attachment"} {
			for _, o := range Objects(c.Note, key) {
				plain = append(plain, String(o, "name"))
			}
		}
		for _, o := range Objects(c.Actor, "attachment") {
			plain = append(plain, String(o, "name"))
		}
		for _, s := range plain {
			if scriptScheme.MatchString(s) {
				t.Errorf("case %s: plain-text field %q holds a script scheme", c.Name, s)
			}
		}
	}
}

func TestHostilePlain(t *testing.T) {
	for _, tt := range []struct {
		in         string
		singleLine bool
		want       string
	}{
		{"  <b>x</b> &amp; y\t", false, "<b>x</b> &amp; y"},
		{"a\nb\u0007c\u0000", false, "a\nbc"},
		{"a\nb\tc", true, "a b\tc"},
	} {
		if got := Plain(tt.in, tt.singleLine); got != tt.want {
			t.Errorf("Plain(%q, %v) = %q, want %q", tt.in, tt.singleLine, got, tt.want)
		}
	}
}

func TestHostileURLs(t *testing.T) {
	for _, tt := range []struct {
		doc  string
		bad  int
		what string
	}{
		{`{"url": "https://a.example/", "avatar_static": "http://a.example/x.png", "note": "<p>x</p>"}`, 0, "clean"},
		{`{"url": null, "preview_url": "", "uri": "http://a.example/1"}`, 0, "null and empty"},
		{`{"url": "javascript:alert(1)"}`, 1, "javascript url"},
		{`{"media_attachments": [{"remote_url": " https://a.example/"}]}`, 1, "leading space"},
		{`{"account": {"header": "HTTPS://a.example/"}}`, 1, "upper-case scheme"},
		{`{"emojis": [{"static_url": "/media/x.png"}]}`, 1, "relative"},
		{`{"content": "<a href=\"JaVaScRiPt:x\">"}`, 1, "script scheme in any string"},
		{`{"content": "<a href=\"data:text/html,x\">"}`, 1, "data:text/html in any string"},
		{`{"mentions": [{"url": "vbscript:x"}]}`, 1, "vbscript"},
		{`{"emojis": [{"url": "http://a.example/media/remote/00ff/aHR0cHM6Ly9iLmV4YW1wbGUveC5wbmc"}]}`, 0, "proxied https"},
		{`{"emojis": [{"url": "http://a.example/media/remote/00ff/ICBmdHA6Ly94"}]}`, 1, "proxied non-http"},
	} {
		var v any
		if err := json.Unmarshal([]byte(tt.doc), &v); err != nil {
			t.Fatal(err)
		}
		if got := URLs("test", v); len(got) != tt.bad {
			t.Errorf("%s: %d problems %q, want %d", tt.what, len(got), got, tt.bad)
		}
	}
}

func TestHostileHTML(t *testing.T) {
	for _, tt := range []struct {
		html string
		ok   bool
	}{
		{`<p>a <a href="https://x.example/" class="mention hashtag" rel="nofollow noopener" target="_blank">#<span>t</span></a><br>b</p>`, true},
		{`<p>a</p><ul><li>one</li></ul>`, true},
		{"", true},
		{`<p><b><i>unclosed`, false},
		{`<p>x</p></div></article>`, false},
		{`<p><b><i>x</b></i></p>`, false},
		{`<p>x<ul><li>y</li></ul></p>`, false},
		{`<p>x</p><script>alert(1)</script>`, false},
		{`<p style="color:red">x</p>`, false},
		{`<p onclick="x()">x</p>`, false},
		{`<a href="javascript:x">x</a>`, false},
		{`<a href="/relative">x</a>`, false},
		{`<span class="status-content">x</span>`, false},
		{`<p>x<!-- comment --></p>`, false},
		{`<img src="https://x.example/a.png">`, false},
	} {
		got := HTML("test", tt.html)
		if (len(got) == 0) != tt.ok {
			t.Errorf("HTML(%q) = %q, want ok %v", tt.html, got, tt.ok)
		}
	}
}

func TestHostilePage(t *testing.T) {
	const clean = `<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="/s.css"></head>` +
		`<body><form method="get" action="/remote_follow"><input name="acct"></form><main>%s</main></body></html>`
	page := func(s string) string { return strings.Replace(clean, "%s", s, 1) }
	for _, tt := range []struct {
		body string
		ok   bool
	}{
		{`<article class="status"><p>fine <a href="https://x.example/">x</a></p></article>`, true},
		{`<article><script>alert(1)</script></article>`, false},
		{`<article><p style="position:fixed">x</p></article>`, false},
		{`<article><svg></svg></article>`, false},
		{`<p onmouseover="x()">name</p>`, false},
		{`<a href=" javascript:x">x</a>`, false},
		{`<img src="data:image/svg+xml,x">`, false},
		{`<meta http-equiv="refresh" content="0;url=https://x.example/">`, false},
		{`<style>*{}</style>`, false},
		{`<form action="/x"></form>`, false},
	} {
		got := Page("test", page(tt.body), page(""))
		if (len(got) == 0) != tt.ok {
			t.Errorf("Page with %q = %q, want ok %v", tt.body, got, tt.ok)
		}
	}
}

func TestHostileChecker(t *testing.T) {
	cases, err := Corpus()
	if err != nil {
		t.Fatal(err)
	}
	var display, poll *Case
	for i := range cases {
		switch cases[i].Name {
		case "actor-display-name":
			display = &cases[i]
		case "poll-one-of":
			poll = &cases[i]
		}
	}
	k := NewChecker()
	k.Status("https://x.example/1", poll)
	k.Account("https://x.example/mallory", display)
	status := func(displayName, title string) any {
		return map[string]any{"id": "1", "uri": "https://x.example/1", "spoiler_text": "",
			"content": "<p>h29 poll</p>", "media_attachments": []any{}, "emojis": []any{}, "tags": []any{},
			"poll": map[string]any{"options": []any{map[string]any{"title": title},
				map[string]any{"title": "<script>window.__xss='poll-one-of'</script>"},
				map[string]any{"title": "<img src=x onerror=alert(29)> & more"}}},
			"account": map[string]any{"id": "2", "uri": "https://x.example/mallory", "acct": "mallory@x.example",
				"display_name": displayName, "note": "", "fields": []any{}, "emojis": []any{}}}
	}
	if got := k.Check("test", status("Mallory <b>bold</b> & co", "<b>yes</b>")); len(got) != 0 {
		t.Errorf("the fields as sent: %q", got)
	}
	if got := k.Check("test", status("Mallory bold &amp; co", "yes")); len(got) != 2 {
		t.Errorf("a stripped display name and poll option: %d problems %q, want 2", len(got), got)
	}
	if k.Seen["poll-one-of"] != 2 {
		t.Errorf("Seen = %v", k.Seen)
	}
}

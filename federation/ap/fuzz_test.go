package ap

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// fixtureSeeds adds every JSON fixture as a seed when the fixtures are
// present; the fuzzers run on their inline seeds otherwise.
func fixtureSeeds(f *testing.F) {
	dir, err := os.Getwd()
	if err != nil {
		return
	}
	for {
		root := filepath.Join(dir, "shared", "fixtures")
		if st, err := os.Stat(root); err == nil && st.IsDir() {
			for _, rel := range fixtureFiles(f, root) {
				f.Add(readFixture(f, filepath.Join(root, rel)))
			}
			return
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return
		}
		dir = parent
	}
}

var inlineSeeds = []string{
	`{"id":"https://a.example/1","type":"Create","actor":"https://a.example/u","object":{"id":"https://a.example/n","type":"Note","content":"<p>x</p>"}}`,
	`{"id":"https://a.example/1","type":["Person","vcard:individual"],"publicKey":[{"id":"https://a.example/1#k","publicKeyPem":"x"}]}`,
	`{"id":"https://a.example/1","type":"Like","actor":[{"id":"https://a.example/u"}],"to":"https://b.example/x","published":"2020-01-01T00:00:00.1234"}`,
	`{"id":"https://a.example/1","type":"Question","oneOf":{"name":"a","replies":{"totalItems":"3"}},"closed":true,"icon":[[[]]]}`,
	`{"id":"https://a.example/1","type":"Person","manuallyApprovesFollowers":{"@value":"False"},"endpoints":"x","icon":{"image":{"url":"u"}}}`,
	`{"contentMap":{"a":{"@value":1},"b":[null]},"id":"x","id":"https://a.example/1"}`,
	`[]`, `null`, `{}`, `{"id":`, "\x00",
}

func FuzzParseActivity(f *testing.F) {
	for _, s := range inlineSeeds {
		f.Add([]byte(s))
	}
	fixtureSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		typ, actor, peeked := PeekActivity(data)
		a, err := ParseActivity(data)
		if err != nil {
			return
		}
		if peeked && (typ != a.Type || actor != a.Actor.ID) {
			t.Fatalf("PeekActivity = %q, %q; ParseActivity has %q, %q", typ, actor, a.Type, a.Actor.ID)
		}
		if CheckID(a.ID) != nil || a.Actor.ID == "" {
			t.Fatalf("accepted an activity with id %q and actor %q", a.ID, a.Actor.ID)
		}
		// Exercise everything a handler would touch.
		_ = a.Reaction()
		_ = a.InlineObjectTrusted()
		_ = a.ActorHostMatches()
		if o, err := a.Object.Object(); err == nil {
			_ = o.ContentHTML()
			_ = o.Quote()
			_ = o.AuthorHostMatches()
			_, _ = o.PollOptions()
		}
		_, _ = a.Object.Activity()
		_, _ = a.Actor.Actor()
		_, _ = ParseObject(data)
		_, _ = ParseCollection(data)
	})
}

func FuzzParseActor(f *testing.F) {
	for _, s := range inlineSeeds {
		f.Add([]byte(s))
	}
	fixtureSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseActor(data)
		if err != nil {
			return
		}
		if CheckID(a.ID) != nil || !IsActorType(string(a.Type)) {
			t.Fatalf("accepted an actor with id %q and type %q", a.ID, a.Type)
		}
		_ = KeyOwnedByActor(a)
		_ = a.SharedInboxURL()
		_ = a.Fields()
		_ = a.ProfileURL()
		_ = SanitizeHTML(string(a.Summary))
	})
}

func FuzzSanitizeHTML(f *testing.F) {
	for _, s := range []string{
		`<p>hi<script>alert(1)</script></p>`,
		`<a href="javascript:alert(1)" onclick="x">x</a>`,
		`<span class="h-card"><a href="https://a.example/@u" class="u-url mention">@<span>u</span></a></span>`,
		`<!-- wp:paragraph --><p>x</p>`, `<img src=x onerror=alert(1)>`, `<style>`, `<script>`, `<a href="`,
		`<svg><script>alert(1)</script></svg>`, `<math><mi xlink:href="javascript:alert(1)">x</mi></math>`,
		`<p><b><i>unclosed`, `<b><i>x</b>y</i>`, `</div></article>x`, `<a href="https://a.example/">x<p>y`,
		`<p>a<br/>b &amp; &#39;c&#39;</p><ul><li>x</li><li><p>y</p></li></ul><blockquote><p>q</p></blockquote>`,
		`<pre>` + "\n" + `x</pre>`, `<p><a href="h" class="u-url mention" rel="nofollow" target="_blank">@<span>u</span></a></p>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := SanitizeHTML(s)
		// Sanitizing is idempotent on well-formed output, and the plain
		// text of anything must not panic.
		if again := SanitizeHTML(out); again != out {
			t.Fatalf("not idempotent:\n in  %q\n out %q\n out2 %q", s, out, again)
		}
		// The output is well-formed: parsing it as a browser would and
		// writing it out again changes nothing.
		if again := wellFormed(out); again != out {
			t.Fatalf("not well-formed:\n in  %q\n out %q\n reparsed %q", s, out, again)
		}
		// The short path writes what the parser and renderer would, on
		// anything it takes.
		for _, in := range []string{s, sanitizeTokens(s)} {
			if simple, ok := renderedSimply(in); ok && simple != wellFormed(in) {
				t.Fatalf("short path differs:\n in     %q\n short  %q\n parsed %q", in, simple, wellFormed(in))
			}
		}
		_ = PlainText(s)
		_ = PlainText(out)
	})
}

// FuzzNormalize holds the trust boundary's normalisers to their promises
// on any input: a URL comes out http(s) with a host or not at all, and
// plain text comes out valid UTF-8 without control characters; each is
// idempotent, so cleaning stored rows again changes nothing.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"https://a.example/x", " JaVaScRiPt:alert(1)", "\x00javascript:x", "&#106;avascript:x",
		"http://a.example/a b", "https:evil", "//evil.example", "Mallory <b>x</b>\n\tname\x1b", "#cats", ":blob:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if u := HTTPURL(s); u != "" {
			if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") || Host(u) == "" {
				t.Fatalf("HTTPURL(%q) = %q: not an http(s) URL with a host", s, u)
			}
			if HTTPURL(u) != u {
				t.Fatalf("HTTPURL not idempotent on %q", u)
			}
		}
		for _, text := range []string{Text(s, MaxNameRunes), Line(s, MaxNameRunes)} {
			if !utf8.ValidString(text) || strings.ContainsFunc(text, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) {
				t.Fatalf("text of %q = %q: invalid UTF-8 or a control character", s, text)
			}
		}
		if l := Line(s, MaxNameRunes); Line(l, MaxNameRunes) != l || strings.ContainsAny(l, "\n\t") {
			t.Fatalf("Line(%q) = %q: not one line, or not idempotent", s, l)
		}
		if tx := Text(s, MaxSummaryRunes); Text(tx, MaxSummaryRunes) != tx {
			t.Fatalf("Text not idempotent on %q", s)
		}
		if h := Hashtag(s); h != "" && Hashtag(h) != h {
			t.Fatalf("Hashtag not idempotent on %q", s)
		}
	})
}

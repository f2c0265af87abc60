package ap

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// bluemondayPolicy is the policy kith sanitized remote HTML with before
// its own filter; the tests hold the filter to its output. (bluemonday is
// only a test dependency: it is not linked into kith.)
func bluemondayPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "span", "a", "del", "pre", "code", "em", "strong",
		"b", "i", "u", "ul", "ol", "li", "blockquote")
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^(h-card|u-url|mention|hashtag|ellipsis|invisible)( (h-card|u-url|mention|hashtag|ellipsis|invisible))*$`)).OnElements("a", "span")
	p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")
	p.AllowAttrs("reversed").Matching(regexp.MustCompile(`^(reversed)?$`)).OnElements("ol")
	p.AllowAttrs("value").Matching(bluemonday.Integer).OnElements("li")
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}

// bluemondayMiscounts reports input on which bluemonday's count of open
// <iframe>, <title> and the like goes below zero (an end tag with none
// open), after which it drops all the text that follows; kith's filter
// keeps it. Outputs differ there by design.
func bluemondayMiscounts(s string) bool {
	z := html.NewTokenizer(strings.NewReader(s))
	open := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return false
		case html.StartTagToken:
			if name, _ := z.TagName(); droppedWithContent[string(name)] && string(name) != "script" && string(name) != "style" {
				open++
			}
		case html.EndTagToken:
			if name, _ := z.TagName(); droppedWithContent[string(name)] && string(name) != "script" && string(name) != "style" {
				if open--; open < 0 {
					return true
				}
			}
		}
	}
}

// sameAsBluemonday fails t when the filter and bluemonday disagree on s.
func sameAsBluemonday(t *testing.T, p *bluemonday.Policy, s string) {
	t.Helper()
	want := p.Sanitize(s)
	if got := sanitizeTokens(s); got != want && !bluemondayMiscounts(s) {
		t.Errorf("sanitizing %q\n got %q\nwant %q (bluemonday)", s, got, want)
	}
}

// TestSanitizeMatchesBluemonday: on the hostile corpus and on every HTML
// string of the fixtures from other servers, kith's filter writes what
// bluemonday wrote.
func TestSanitizeMatchesBluemonday(t *testing.T) {
	p := bluemondayPolicy()
	var inputs []string
	collect := func(path string) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if json.Unmarshal(data, &v) != nil {
			return
		}
		walkStrings(v, func(s string) {
			if strings.ContainsAny(s, "<&") {
				inputs = append(inputs, s)
			}
		})
	}
	collect(filepath.Join("..", "..", "tests", "hostile", "corpus.json"))
	root := fixturesDir(t)
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".json") {
			collect(path)
		}
		return nil
	})
	if len(inputs) < 100 {
		t.Fatalf("only %d HTML strings found in the corpus and fixtures", len(inputs))
	}
	for _, s := range append(inputs, sanitizeSeeds...) {
		sameAsBluemonday(t, p, s)
	}
}

// sanitizeSeeds are the corners of the rules: each skip and each kept
// attribute.
var sanitizeSeeds = []string{
	``, `   `, `plain & <b>bold</b>`,
	`<a>no href</a> after`, `<a class="mention">only class</a>`, `<a href="/rel" class="mention">rel</a>`,
	`<a href=" https://a.example/x ">spaces</a>`, `<a href="https://a.example/a b">inner space</a>`,
	`<a href="HTTPS://A.EXAMPLE/">upper</a>`, `<a href="mailto:x@a.example" target="_self" rel="me">m</a>`,
	`<a href="https://a.example" href="javascript:x">two</a>`, `<a href="https://a.example/"onclick="x">q</a>`,
	`<a><a href="https://a.example">inner</a></a>`, `<a>x</b></a>`,
	`<span class="h-card">c</span><span class="h-card  mention">d</span><span class=" ellipsis">e</span>`,
	`<ol start="3" reversed><li value="2">x</li></ol><ol start="-1" reversed="no"><li value="x">y</li></ol>`,
	`<ol reversed="reversed"><li>z</li></ol>`,
	`<script>a</script>b<style>c</style>d<script/>e<style/>f`,
	`<iframe>x</iframe>y<noscript><p>z</p></noscript>w<title>t</title>v`,
	`<object><iframe>a</iframe>b</object>c`, `<title>a<b>b</b></title>c`,
	`<textarea><b>t</b></textarea><xmp><i>x</i></xmp>`,
	`<p onclick="x" class="mention">p</p><br/><br class="x"><img src="https://a.example/i.png"/>`,
	`<!DOCTYPE html><!-- c --><p>x</p>`, `<svg><script>alert(1)</script></svg>`,
	`<math><mi xlink:href="javascript:alert(1)">m</mi></math>`,
	`<a href="https://a.example/?q=<script>">lt</a>`, `<a href="https://a.example/&amp;&quot;">ent</a>`,
	`<<p>>x<</p>>`, `<p>unclosed <b>bold`, `</p>stray`, `<P CLASS="x">caps</P>`,
}

// FuzzSanitizeMatchesBluemonday looks for input on which the filter and
// bluemonday disagree.
func FuzzSanitizeMatchesBluemonday(f *testing.F) {
	for _, s := range sanitizeSeeds {
		f.Add(s)
	}
	p := bluemondayPolicy()
	f.Fuzz(func(t *testing.T, s string) {
		sameAsBluemonday(t, p, s)
	})
}

func walkStrings(v any, fn func(string)) {
	switch v := v.(type) {
	case string:
		fn(v)
	case []any:
		for _, e := range v {
			walkStrings(e, fn)
		}
	case map[string]any:
		for _, e := range v {
			walkStrings(e, fn)
		}
	}
}

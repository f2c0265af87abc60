package ap

import (
	"strings"
	"testing"
)

func TestHTTPURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://a.example/@u", "https://a.example/@u"},
		{"  http://a.example/x?y=1&z=2#f  ", "http://a.example/x?y=1&z=2#f"},
		{"HTTPS://a.example/x", "https://a.example/x"},
		{"https://a.example/ünï", "https://a.example/ünï"},
		{"javascript:alert(1)", ""},
		{"JaVaScRiPt:alert(1)", ""},
		{" javascript:alert(1)", ""},
		{"\tjavascript:alert(1)", ""},
		{"\x00javascript:alert(1)", ""},
		{"&#106;avascript:alert(1)", ""},
		{"javascript&colon;alert(1)", ""},
		{"java\nscript:alert(1)", ""},
		{"vbscript:msgbox(1)", ""},
		{"data:text/html;base64,PHNjcmlwdD4=", ""},
		{"data:image/png;base64,iVBORw0KGgo=", ""},
		{"//evil.example/x", ""},
		{"/users/x", ""},
		{"https:evil.example", ""},
		{"https://", ""},
		{"https://a.example/a b", ""},
		{`https://a.example/"onmouseover="x`, ""},
		{"https://a.example/<script>", ""},
		{"ftp://a.example/x", ""},
		{"mailto:a@a.example", ""},
		{"https://" + strings.Repeat("a", 5000) + ".example", ""},
	}
	for _, tt := range tests {
		if got := HTTPURL(tt.in); got != tt.want {
			t.Errorf("HTTPURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := HTTPURLs([]string{"javascript:x", "https://a.example/u", ""}); len(got) != 1 || got[0] != "https://a.example/u" {
		t.Errorf("HTTPURLs kept %q", got)
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		name, in, want string
		line           bool
	}{
		{"markup stays text", `Mallory <b>bold</b> & co &amp;`, `Mallory <b>bold</b> & co &amp;`, false},
		{"trimmed", "  spoiler \n", "spoiler", false},
		{"controls removed", "a\x00b\x1bc\u0085d", "abcd", false},
		{"line breaks kept", "one\r\ntwo\rthree", "one\ntwo\nthree", false},
		{"invalid utf-8", "a\xffb", "a\uFFFDb", false},
		{"one line", "Mallory\nthe\tgreat\u2028x", "Mallory the great x", true},
		{"field name", `<meta http-equiv="refresh" content="0;url=http://attacker.example/phish">Site`,
			`<meta http-equiv="refresh" content="0;url=http://attacker.example/phish">Site`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Text(tt.in, MaxNameRunes)
			if tt.line {
				got = Line(tt.in, MaxNameRunes)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	if got := Line(strings.Repeat("é", 600), MaxNameRunes); len([]rune(got)) != MaxNameRunes {
		t.Errorf("a long name keeps %d runes, want %d", len([]rune(got)), MaxNameRunes)
	}
}

func TestHashtagAndShortcode(t *testing.T) {
	tags := []struct{ in, want string }{
		{"#Cats", "cats"}, {"café", "café"}, {"#日本語", "日本語"}, {"_x", "_x"}, {"#2024", ""},
		{"#<script>", ""}, {`#a"b`, ""}, {"#a b", ""}, {"", ""}, {"#" + strings.Repeat("a", 101), ""},
	}
	for _, tt := range tags {
		if got := Hashtag(tt.in); got != tt.want {
			t.Errorf("Hashtag(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	codes := []struct{ in, want string }{
		{":blobcat:", "blobcat"}, {"blob_cat2", "blob_cat2"}, {":blob<script>:", ""}, {":a b:", ""}, {"::", ""},
	}
	for _, tt := range codes {
		if got := Shortcode(tt.in); got != tt.want {
			t.Errorf("Shortcode(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := MediaType("Image/PNG; charset=x"); got != "image/png" {
		t.Errorf("MediaType = %q, want image/png", got)
	}
	if got := MediaType(`text/html"><script>`); got != "" {
		t.Errorf("MediaType kept %q", got)
	}
	if got := Blurhash(`LEHV6nWB2yk8pyo0adR*.7kCMdnj`); got == "" {
		t.Errorf("Blurhash dropped a real blurhash")
	}
	if got := Blurhash(`"><script>`); got != "" {
		t.Errorf("Blurhash kept %q", got)
	}
}

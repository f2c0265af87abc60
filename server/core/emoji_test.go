package core

import (
	"html/template"
	"strings"
	"testing"
)

func TestEmojify(t *testing.T) {
	set := EmojiSet{"blobcat": "https://kith.example/media/remote/ab/cd", "x_1": `https://kith.example/a?b="c"&d`}
	img := func(code, src string) string {
		return `<img class="emoji" src="` + src + `" alt=":` + code + `:" title=":` + code + `:" draggable="false" loading="lazy">`
	}
	cat := img("blobcat", "https://kith.example/media/remote/ab/cd")
	tests := []struct {
		name, in, want string
	}{
		{"text", "hi :blobcat:!", "hi " + cat + "!"},
		{"two and adjacent", ":blobcat::blobcat:", cat + cat},
		{"unknown stays text", ":nope: :blobcat", ":nope: :blobcat"},
		{"colon before", "a::blobcat:", "a:" + cat},
		{"attribute escaped", ":x_1:", img("x_1", "https://kith.example/a?b=&#34;c&#34;&amp;d")},
		{"inside a tag untouched", `<a href="https://h/:blobcat:" title=":blobcat:">:blobcat:</a>`,
			`<a href="https://h/:blobcat:" title=":blobcat:">` + cat + `</a>`},
		{"entities", "&lt;:blobcat:&gt;", "&lt;" + cat + "&gt;"},
		{"no set", ":blobcat:", ":blobcat:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := set
			if tt.name == "no set" {
				s = nil
			}
			if got := emojify(tt.in, s); got != tt.want {
				t.Errorf("emojify(%q)\n got %s\nwant %s", tt.in, got, tt.want)
			}
		})
	}
}

// Plain text is escaped before its emoji become images: a name can never
// become markup, whatever its shortcodes.
func TestEmojiText(t *testing.T) {
	set := EmojiSet{"blobcat": "https://kith.example/e.png"}
	got := EmojiText(`<script>alert(1)</script>:blobcat:"`, set)
	want := template.HTML(`&lt;script&gt;alert(1)&lt;/script&gt;<img class="emoji" src="https://kith.example/e.png" alt=":blobcat:" title=":blobcat:" draggable="false" loading="lazy">&#34;`)
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// BenchmarkEmojify measures what a post's emoji cost a page: a post of
// about 500 characters with links (colons to look at) and three emoji.
func BenchmarkEmojify(b *testing.B) {
	set := EmojiSet{"blobcat": "https://kith.example/media/remote/ab/cd", "blob_wave": "https://kith.example/media/remote/ef/gh"}
	post := strings.Repeat(`<p>Some words about <a href="https://example.org/a:b">a link</a> and time 12:30, `, 5) +
		`:blobcat: :blob_wave: :blobcat: :nope:</p>`
	b.ReportAllocs()
	for b.Loop() {
		emojify(post, set)
	}
}

// BenchmarkEmojifyNone is the common case: a post without custom emoji.
func BenchmarkEmojifyNone(b *testing.B) {
	post := strings.Repeat(`<p>Some words about <a href="https://example.org/a:b">a link</a> and time 12:30, `, 5)
	b.ReportAllocs()
	for b.Loop() {
		emojify(post, nil)
	}
}

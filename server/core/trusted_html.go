package core

import "html/template"

// TrustedHTML marks HTML as safe for the page templates. It is the only
// place the server does so (TestTrustedHTMLOnly holds it to that), and it
// is given only two kinds of HTML, both made by kith:
//
//   - what federation's ingest boundary stored for other servers' posts,
//     bios and field values: the output of ap.SanitizeHTML, sanitized and
//     well-formed;
//   - the owner's posts, bio and field values, rendered by kith from what
//     the owner typed (Markdown or plain text, raw HTML escaped), and the
//     compose preview rendered the same way.
//
// Everything else (names, field names, content warnings, alt text, poll
// options) is text, and the templates escape it.
func TrustedHTML(s string) template.HTML {
	return template.HTML(s)
}

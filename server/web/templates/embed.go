// Package templates holds kith's HTML templates, embedded in the binary so
// that production never reads them from disk.
package templates

import "embed"

// FS holds every page template and the shared layout.
//
//go:embed *.html
var FS embed.FS

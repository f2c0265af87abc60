// Package static holds the files kith serves under /static/, embedded in
// the binary.
package static

import "embed"

// FS holds the static files.
//
//go:embed *.png *.js
var FS embed.FS

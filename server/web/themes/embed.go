// Package themes holds kith's SCSS sources (the base styles and the
// built-in themes) and compiles them, in-process, into the stylesheet the
// server serves.
package themes

import "embed"

// FS holds the base partials (base/_*.scss) and one directory per built-in
// theme with its _variables.scss.
//
//go:embed base/*.scss */_variables.scss
var FS embed.FS

package themes

import (
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// declRE finds a variable declared with !default at the start of a line:
// the variables a config or a custom file may set first.
var declRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^\$([A-Za-z_][A-Za-z0-9_-]*)\s*:[^;]*!default`) })

// VariableNames lists, sorted, the variables the built-in themes and the
// base defaults declare (every themes/<name>/_variables.scss and
// base/_defaults.scss), without "$", in the spelling of the sources.
func VariableNames() []string {
	files := []string{"base/_defaults.scss"}
	for _, name := range Names() {
		files = append(files, name+"/_variables.scss")
	}
	var names []string
	for _, f := range files {
		src, _ := fs.ReadFile(FS, f) // embedded: it cannot fail
		for _, m := range declRE().FindAllStringSubmatch(string(src), -1) {
			if !slices.Contains(names, m[1]) {
				names = append(names, m[1])
			}
		}
	}
	slices.Sort(names)
	return names
}

// SameVariable reports whether a and b name the same SCSS variable: Sass
// reads - and _ in a name as the same character.
func SameVariable(a, b string) bool {
	return strings.ReplaceAll(a, "_", "-") == strings.ReplaceAll(b, "_", "-")
}

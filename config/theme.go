package config

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// scssNameRE is an SCSS variable name without its "$".
var scssNameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]{0,63}$`) })

// maxVariableValue bounds one [theme.variables] value.
const maxVariableValue = 200

// problems checks the form of [theme]; whether its names are built-in
// themes and variables is the theme compiler's to say (themes.CheckNames).
func (t Theme) problems() []Problem {
	var ps []Problem
	add := func(key, format string, args ...any) {
		ps = append(ps, Problem{key, fmt.Sprintf(format, args...)})
	}
	if (t.Dark == "") != (t.Light == "") {
		add("theme.dark", "dark and light go together: set both to follow prefers-color-scheme, or neither")
	}
	for name, value := range t.Variables {
		key := "theme.variables." + name
		if !scssNameRE().MatchString(name) {
			add(key, "%q is not an SCSS variable name (letters, digits, - and _, without the $)", name)
			continue
		}
		// The values are pasted into SCSS: refusing what ends a declaration,
		// opens a block or starts a comment keeps them to one value.
		switch {
		case strings.TrimSpace(value) == "":
			add(key, "the value is empty")
		case len(value) > maxVariableValue:
			add(key, "the value is longer than %d characters", maxVariableValue)
		case strings.ContainsAny(value, ";{}\n\r") || strings.Contains(value, "//") || strings.Contains(value, "/*"):
			add(key, "%q must be one SCSS value, without ; { } comments or line breaks", value)
		}
	}
	return ps
}

package config

import (
	"fmt"
	"regexp"
	"strings"

	"kith/themes"
)

// scssNameRE is an SCSS variable name without its "$".
var scssNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]{0,63}$`)

// maxVariableValue bounds one [theme.variables] value.
const maxVariableValue = 200

func (t Theme) problems() []problem {
	var ps []problem
	add := func(key, format string, args ...any) {
		ps = append(ps, problem{key, fmt.Sprintf(format, args...)})
	}
	known := strings.Join(themes.Names(), ", ")
	if !themes.Exists(t.Name) {
		add("theme.name", "%q is not a built-in theme (%s)", t.Name, known)
	}
	if (t.Dark == "") != (t.Light == "") {
		add("theme.dark", "dark and light go together: set both to follow prefers-color-scheme, or neither")
	}
	for _, k := range []struct{ key, name string }{{"theme.dark", t.Dark}, {"theme.light", t.Light}} {
		if k.name != "" && !themes.Exists(k.name) {
			add(k.key, "%q is not a built-in theme (%s)", k.name, known)
		}
	}
	for name, value := range t.Variables {
		key := "theme.variables." + name
		if !scssNameRE.MatchString(name) {
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

// ThemeOptions is what the theme compiler needs from [theme].
func (c Config) ThemeOptions() themes.Options {
	opts := themes.Options{
		Name:            c.Theme.Name,
		Variables:       c.Theme.Variables,
		VariablesSource: c.File,
		Custom:          c.Theme.CustomSCSS,
	}
	if c.Theme.Dark != "" && c.Theme.Light != "" {
		opts.Name, opts.Light = c.Theme.Dark, c.Theme.Light
	}
	return opts
}

package config

import (
	"fmt"
	"regexp"
	"slices"
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
	names := strings.Join(themes.Names(), ", ")
	if !themes.Exists(t.Name) {
		add("theme.name", "%q is not a built-in theme (%s)", t.Name, names)
	}
	if (t.Dark == "") != (t.Light == "") {
		add("theme.dark", "dark and light go together: set both to follow prefers-color-scheme, or neither")
	}
	for _, k := range []struct{ key, name string }{{"theme.dark", t.Dark}, {"theme.light", t.Light}} {
		if k.name != "" && !themes.Exists(k.name) {
			add(k.key, "%q is not a built-in theme (%s)", k.name, names)
		}
	}
	known := themes.VariableNames()
	for name, value := range t.Variables {
		key := "theme.variables." + name
		if !scssNameRE.MatchString(name) {
			add(key, "%q is not an SCSS variable name (letters, digits, - and _, without the $)", name)
			continue
		}
		// A custom stylesheet may declare variables of its own.
		if t.CustomSCSS == "" && !slices.ContainsFunc(known, func(k string) bool { return themes.SameVariable(k, name) }) {
			add(key, "%q is not a variable of the built-in themes%s (they are in themes/<name>/_variables.scss and themes/base/_defaults.scss)",
				name, didYouMean(name, known))
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

// didYouMean suggests the known name closest to name, when one is within
// two edits: ", did you mean accent?".
func didYouMean(name string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if d := editDistance(strings.ToLower(name), k); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return ", did you mean " + best + "?"
}

// editDistance is the Levenshtein distance between a and b (bytes).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

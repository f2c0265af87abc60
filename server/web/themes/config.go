package themes

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"kith/config"
)

// The [theme] table of the config names built-in themes and variables.
// Only this package knows which exist, so the config package checks the
// table's form and CheckNames its names.

// variableNameRE is the form of a variable name the config accepts
// (config's scssNameRE); the config reports a name of another form.
var variableNameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]{0,63}$`) })

// CheckNames is a config.Validator: it reports each theme the [theme]
// table names that is not built in, and each variable no built-in theme
// declares. Pass it to config.Load so that such a name is reported with
// its line, among the config's other problems.
func CheckNames(c config.Config) []config.Problem {
	var ps []config.Problem
	add := func(key, msg string) { ps = append(ps, config.Problem{Key: key, Msg: msg}) }
	names := strings.Join(Names(), ", ")
	t := c.Theme
	for _, k := range []struct{ key, name string }{{"theme.name", t.Name}, {"theme.dark", t.Dark}, {"theme.light", t.Light}} {
		if (k.key == "theme.name" || k.name != "") && !Exists(k.name) {
			add(k.key, fmt.Sprintf("%q is not a built-in theme (%s)", k.name, names))
		}
	}
	// A custom stylesheet may declare variables of its own.
	if t.CustomSCSS != "" {
		return ps
	}
	known := VariableNames()
	for name := range t.Variables {
		if !variableNameRE().MatchString(name) {
			continue // not a name at all: the config says so
		}
		if !slices.ContainsFunc(known, func(k string) bool { return SameVariable(k, name) }) {
			add("theme.variables."+name, fmt.Sprintf("%q is not a variable of the built-in themes%s (they are in themes/<name>/_variables.scss and themes/base/_defaults.scss)",
				name, didYouMean(name, known)))
		}
	}
	return ps
}

// OptionsFor is what to compile for the config's [theme] table: with dark
// and light set, dark's styles with light's colours for a light preference.
func OptionsFor(c config.Config) Options {
	opts := Options{
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

package themes

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bep/golibsass/libsass"
	"github.com/bep/golibsass/libsass/libsasserrors"
)

// Default is the theme used when the config names none.
const Default = "default"

// importPrefix marks the built-in sources in an @import: a custom file
// writes @import "themes/light/variables" or @import "themes/base". The
// prefix is reserved; other imports are files on disk.
const importPrefix = "themes/"

// Names lists the built-in themes, sorted.
func Names() []string {
	var names []string
	entries, _ := fs.ReadDir(FS, ".") // FS is embedded: it cannot fail
	for _, e := range entries {
		if _, err := fs.Stat(FS, e.Name()+"/_variables.scss"); e.IsDir() && err == nil {
			names = append(names, e.Name())
		}
	}
	return names
}

// Exists reports whether name is a built-in theme.
func Exists(name string) bool { return slices.Contains(Names(), name) }

// Options say what to compile.
type Options struct {
	// Name is the built-in theme; empty means Default. Ignored when Custom
	// is set: the custom file imports the theme it builds on.
	Name string
	// Variables are SCSS variables (name without "$" → SCSS value) set
	// before anything else, so they win over every !default.
	Variables map[string]string
	// VariablesSource names where Variables come from (the config file),
	// for error messages.
	VariablesSource string
	// Custom is the path of a user stylesheet compiled instead of the
	// built-in theme.
	Custom string
	// Light, when set, is a built-in theme whose colours replace the main
	// ones for visitors whose system prefers a light colour scheme.
	Light string
}

// Error is a compile error at a place in a source file: a user file by its
// path, a built-in partial by its import path.
type Error struct {
	File    string
	Line    int // 0 when the error is not in a file (a config variable)
	Column  int
	Message string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Message)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Message)
}

// Compile builds the minified stylesheet that opts describe.
func Compile(opts Options) (string, error) {
	css, _, err := compile(opts)
	return css, err
}

// compile builds the stylesheet and names the files on disk it was built
// from (the custom file and what it imports; the built-in sources are not
// among them).
func compile(opts Options) (css string, files []string, err error) {
	if opts.Name == "" {
		opts.Name = Default
	}
	if opts.Custom == "" && !Exists(opts.Name) {
		return "", nil, fmt.Errorf("unknown theme %q (built-in: %s)", opts.Name, strings.Join(Names(), ", "))
	}
	if opts.Light != "" && !Exists(opts.Light) {
		return "", nil, fmt.Errorf("unknown theme %q (built-in: %s)", opts.Light, strings.Join(Names(), ", "))
	}
	var custom string
	if opts.Custom != "" {
		abs, err := filepath.Abs(opts.Custom)
		if err != nil {
			return "", nil, err
		}
		if _, err := os.Stat(abs); err != nil {
			return "", nil, fmt.Errorf("custom stylesheet: %w", err)
		}
		custom = abs
	}
	names, prelude := variables(opts.Variables)
	main := prelude + `@import "` + importPrefix + opts.Name + `/variables";` + "\n" + `@import "` + importPrefix + "base\";\n"
	if custom != "" {
		main = prelude + `@import "` + custom + "\";\n"
	}
	defer releaseCompilerMemory()
	css, files, err = transpile(main, custom)
	if err != nil {
		return "", nil, explain(err, names, opts.VariablesSource)
	}
	if opts.Light != "" {
		light := prelude + `@import "` + importPrefix + opts.Light + `/variables";` + "\n" +
			`@import "` + importPrefix + `base/defaults";` + "\n" + `@import "` + importPrefix + "base/root\";\n"
		colours, _, err := transpile(light, "")
		if err != nil {
			return "", nil, explain(err, names, opts.VariablesSource)
		}
		css += "@media (prefers-color-scheme: light){" + strings.TrimSpace(colours) + "}\n"
	}
	return css, files, nil
}

// variables writes the overrides one per line, sorted, so an error's line
// in the generated entry names the variable.
func variables(vars map[string]string) (names []string, scss string) {
	for name := range vars {
		names = append(names, name)
	}
	slices.Sort(names)
	var b strings.Builder
	for _, name := range names {
		fmt.Fprintf(&b, "$%s: %s;\n", name, vars[name])
	}
	return names, b.String()
}

// transpile compiles entry. With a custom file it also lists the files
// on disk LibSass read, from the source map's sources.
func transpile(entry, custom string) (css string, files []string, err error) {
	builtins := map[string]bool{}
	opts := libsass.Options{
		OutputStyle:    libsass.CompressedStyle,
		ImportResolver: resolver(custom, builtins),
		// The entry is generated; naming it lets explain tell its errors
		// from those in real files.
		SourceMapOptions: libsass.SourceMapOptions{InputPath: entryName},
	}
	if custom != "" {
		// Sources are written relative to the map's directory: the root
		// makes them absolute paths without their leading slash.
		opts.SourceMapOptions.Filename = string(filepath.Separator) + "kith-theme.css.map"
		opts.SourceMapOptions.OutputPath = string(filepath.Separator) + "kith-theme.css"
		opts.SourceMapOptions.OmitURL = true
	}
	t, err := libsass.New(opts)
	if err != nil {
		return "", nil, err
	}
	res, err := t.Execute(entry)
	if err != nil {
		return "", nil, err
	}
	if custom != "" {
		if files, err = userSources(res.SourceMapContent, builtins); err != nil {
			return "", nil, err
		}
	}
	// LibSass starts compressed output with a byte order mark when it
	// holds non-ASCII text; the server declares UTF-8 in Content-Type.
	return strings.TrimPrefix(res.CSS, "\ufeff"), files, nil
}

// userSources are the files on disk a source map lists: every source but
// the generated entry and the built-in partials the resolver served
// (LibSass places those, like the entry, in the working directory).
func userSources(sourceMap string, builtins map[string]bool) ([]string, error) {
	var m struct {
		Sources []string `json:"sources"`
	}
	if err := json.Unmarshal([]byte(sourceMap), &m); err != nil {
		return nil, fmt.Errorf("theme source map: %w", err)
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	var files []string
	for _, src := range m.Sources {
		abs := filepath.Join(string(filepath.Separator), filepath.FromSlash(src))
		rel, err := filepath.Rel(wd, abs)
		if err == nil && (rel == entryName || builtins[filepath.ToSlash(rel)]) {
			continue
		}
		files = append(files, abs)
	}
	return files, nil
}

// entryName is the name LibSass gives the generated entry stylesheet.
const entryName = "kith-theme-entry.scss"

// resolver serves built-in partials from FS and the custom file from disk
// under its real path (so errors name it). Other imports fall through to
// LibSass, which resolves them relative to the importing file.
// Each built-in it serves is added to builtins by the name it gave it.
func resolver(custom string, builtins map[string]bool) func(url, prev string) (string, string, bool) {
	return func(url, prev string) (string, string, bool) {
		if custom != "" && url == custom {
			data, err := os.ReadFile(custom)
			if err != nil {
				return "", "", false
			}
			return custom, string(data), true
		}
		name, ok := strings.CutPrefix(url, importPrefix)
		if !ok {
			return "", "", false
		}
		for _, candidate := range candidates(name) {
			if data, err := fs.ReadFile(FS, candidate); err == nil {
				builtins[importPrefix+candidate] = true
				return importPrefix + candidate, string(data), true
			}
		}
		return "", "", false
	}
}

// candidates are the files an import path may name, in Sass's order:
// "base/forms" is base/_forms.scss, "base" is base/_index.scss.
func candidates(name string) []string {
	name = strings.TrimSuffix(name, ".scss")
	dir, leaf := path.Split(name)
	return []string{
		dir + "_" + leaf + ".scss",
		name + ".scss",
		name + "/_index.scss",
	}
}

// explain turns a LibSass error into an Error that names the file the
// operator can open: an error in the generated entry is in a config
// variable.
func explain(err error, names []string, source string) error {
	var le libsasserrors.Error
	if !errors.As(err, &le) {
		return err
	}
	msg := strings.TrimSpace(le.Message)
	if first, _, ok := strings.Cut(msg, "\n"); ok {
		msg = first // LibSass appends a source excerpt; file:line:col says where
	}
	// Built-in partials carry the import path the resolver gave them, user
	// files their path on disk.
	file := le.File
	if filepath.Base(file) == entryName {
		if source == "" {
			source = "[theme.variables]"
		}
		if le.Line >= 1 && le.Line <= len(names) {
			msg = "theme.variables." + names[le.Line-1] + ": " + msg
		}
		return &Error{File: source, Message: msg}
	}
	return &Error{File: file, Line: le.Line, Column: le.Column, Message: msg}
}

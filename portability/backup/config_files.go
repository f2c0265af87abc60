package backup

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"kith/config"
)

// The files a config names live outside the data directory: the custom
// stylesheet with the partials it imports, and the certificate files of
// tls = "files". A backup holds them under config/ and a restore puts
// them beside the restored config, which then names them by relative
// paths.

// Archive folders of the files a config names.
const (
	configDir = "config/"
	themeDir  = configDir + "theme/"
	tlsDir    = configDir + "tls/"
)

// named is a file the config names, with where it goes in the archive.
type named struct {
	archived
	key string // the config key that names it; "" for an imported partial
}

// configFiles lists the files cfg names. What cannot be found (a partial
// that does not resolve, a certificate file that is gone) is left out and
// reported in warnings: kith serve would not start with it either, which
// verifying the archive then says.
func configFiles(cfg config.Config) (files []named, warnings []string) {
	if cfg.Theme.CustomSCSS != "" {
		scss, warn := stylesheetFiles(cfg.Theme.CustomSCSS)
		warnings = append(warnings, warn...)
		root := commonDir(scss)
		for i, p := range scss {
			rel, _ := filepath.Rel(root, p)
			n := named{archived: archived{name: themeDir + filepath.ToSlash(rel), path: p}}
			if i == 0 {
				n.key = "custom_scss"
			}
			files = append(files, n)
		}
	}
	if cfg.Server.TLS == config.TLSFiles {
		cert := filepath.Base(cfg.Server.CertFile)
		key := filepath.Base(cfg.Server.KeyFile)
		if key == cert {
			key = "key-" + key
		}
		for _, f := range []named{
			{archived{name: tlsDir + cert, path: cfg.Server.CertFile}, "cert_file"},
			{archived{name: tlsDir + key, path: cfg.Server.KeyFile}, "key_file"},
		} {
			if _, err := os.Stat(f.path); err != nil {
				warnings = append(warnings, fmt.Sprintf("server.%s: %v", f.key, err))
				continue
			}
			files = append(files, f)
		}
	}
	return files, warnings
}

// stylesheetFiles returns main and every file it imports, directly or
// not, main first. Imports resolve as LibSass resolves them: relative to
// the importing file, "foo" naming _foo.scss, foo.scss, foo/_index.scss
// or foo/index.scss. themes/... imports are built into kith, and plain
// CSS imports (url(), .css, http) are not files.
func stylesheetFiles(main string) ([]string, []string) {
	var files, warnings []string
	seen := map[string]bool{}
	queue := []string{main}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if seen[p] {
			continue
		}
		seen[p] = true
		src, err := os.ReadFile(p)
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("theme: %v", err))
			continue
		}
		files = append(files, p)
		for _, imp := range scssImports(string(src)) {
			if f := resolveImport(filepath.Dir(p), imp); f != "" {
				queue = append(queue, f)
			} else {
				warnings = append(warnings, fmt.Sprintf("theme: %s imports %q, which is not a file next to it", p, imp))
			}
		}
	}
	return files, warnings
}

// importRule matches an @import rule's arguments, comments removed.
var importRule = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`@import\s+([^;{}]+)`) })

// cssURL matches url(...), a plain CSS import.
var cssURL = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`url\([^)]*\)`) })

// importArg matches one quoted argument of an @import rule.
var importArg = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`"([^"]*)"|'([^']*)'`) })

// scssImports lists the file imports of an SCSS source, in order.
func scssImports(src string) []string {
	var out []string
	for _, m := range importRule().FindAllStringSubmatch(stripComments(src), -1) {
		args := cssURL().ReplaceAllString(m[1], "")
		for _, a := range importArg().FindAllStringSubmatch(args, -1) {
			imp := a[1] + a[2]
			switch {
			case imp == "", strings.HasPrefix(imp, "themes/"),
				strings.HasSuffix(imp, ".css"), strings.Contains(imp, "://"), strings.HasPrefix(imp, "//"):
				continue
			}
			out = append(out, imp)
		}
	}
	return out
}

// stripComments removes // and /* */ comments outside strings, keeping
// line breaks.
func stripComments(src string) string {
	var b strings.Builder
	var quote byte
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case quote != 0:
			b.WriteByte(c)
			if c == '\\' && i+1 < len(src) {
				i++
				b.WriteByte(src[i])
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
			b.WriteByte(c)
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			b.WriteByte('\n')
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return b.String()
			}
			b.WriteString(strings.Repeat("\n", strings.Count(src[i:i+2+end], "\n")))
			i += 2 + end + 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// resolveImport finds the file an import names, relative to dir; "" when
// there is none.
func resolveImport(dir, imp string) string {
	p := imp
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, filepath.FromSlash(imp))
	}
	d, leaf := filepath.Split(p)
	leaf = strings.TrimSuffix(leaf, ".scss")
	for _, c := range []string{
		filepath.Join(d, "_"+leaf+".scss"),
		filepath.Join(d, leaf+".scss"),
		filepath.Join(d, leaf, "_index.scss"),
		filepath.Join(d, leaf, "index.scss"),
	} {
		if info, err := os.Stat(c); err == nil && info.Mode().IsRegular() {
			return c
		}
	}
	return ""
}

// commonDir is the deepest directory holding every path: the stylesheets
// keep their places relative to each other, so their imports still
// resolve after a restore.
func commonDir(paths []string) string {
	if len(paths) == 0 {
		return ""
	}
	root := filepath.Dir(paths[0])
	for _, p := range paths[1:] {
		for !within(root, p) {
			parent := filepath.Dir(root)
			if parent == root {
				break
			}
			root = parent
		}
	}
	return root
}

func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// configLine matches one key's line in a config file.
func configLine(key string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^[ \t]*` + regexp.QuoteMeta(key) + `[ \t]*=.*$`)
}

// pointAt sets keys of a config file's text to values (paths relative to
// the file), line by line, leaving the rest as the owner wrote it. The
// keys kith backs up files for (custom_scss, cert_file, key_file) are
// unique across the file's sections, and a config that names a file has
// the key's line.
func pointAt(cfg []byte, values map[string]string) []byte {
	for _, key := range slices.Sorted(maps.Keys(values)) {
		line := key + " = " + strconv.Quote(values[key])
		cfg = configLine(key).ReplaceAllLiteral(cfg, []byte(line))
	}
	return cfg
}

package themes

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// maxCSS keeps the stylesheet small: the home page (HTML and CSS) has a
// 60 KB budget.
const maxCSS = 15 << 10

func TestBuiltInThemesCompile(t *testing.T) {
	names := Names()
	for _, want := range []string{"default", "high-contrast", "light"} {
		if !Exists(want) {
			t.Errorf("Names() = %v, lacks %q", names, want)
		}
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			css, err := Compile(Options{Name: name})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(css, ":root{") {
				t.Errorf("CSS starts %.40q, want the :root colours first", css)
			}
			if strings.Contains(css, "\n ") || strings.Contains(css, "/*") {
				t.Errorf("CSS is not minified: %.200q", css)
			}
			if len(css) > maxCSS {
				t.Errorf("CSS is %d bytes, want at most %d", len(css), maxCSS)
			}
			for _, class := range []string{".status-header", ".skip-link", ".profile-fields", ".notification-favourite", "button.danger", ".badge"} {
				if !strings.Contains(css, class) {
					t.Errorf("CSS does not style %s", class)
				}
			}
		})
	}
}

func TestEmptyNameIsTheDefault(t *testing.T) {
	got, err := Compile(Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Compile(Options{Name: Default})
	if got != want {
		t.Errorf("Compile with no name differs from the %q theme", Default)
	}
}

func TestVariablesOverride(t *testing.T) {
	css, err := Compile(Options{Name: "light", Variables: map[string]string{"accent": "#c00001", "radius": "3px"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"--accent:#c00001", "border-radius:3px", "--bg:#f6f7f9"} {
		if !strings.Contains(css, want) {
			t.Errorf("CSS lacks %q", want)
		}
	}
}

// writeFiles writes name → content into a fresh directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// The Mastodon custom-theme workflow: import a built-in theme's
// variables, override some, import the base styles; here also a partial
// of one's own, next to the file.
func TestCustomFile(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"custom.scss": "@import \"themes/light/variables\";\n$accent: #123456;\n@import \"themes/base\";\n@import \"extra\";\n",
		"_extra.scss": ".brand { letter-spacing: .1em; }\n",
	})
	css, err := Compile(Options{Name: "high-contrast", Custom: filepath.Join(dir, "custom.scss")})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"--accent:#123456", "--bg:#f6f7f9", "letter-spacing:.1em", ".status-header"} {
		if !strings.Contains(css, want) {
			t.Errorf("CSS lacks %q", want)
		}
	}
	// Config variables are set first, so they beat the theme's !default
	// but not the custom file's own assignments.
	css, err = Compile(Options{Custom: filepath.Join(dir, "custom.scss"), Variables: map[string]string{"accent": "#654321", "text": "#010203"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(css, "--accent:#123456") || !strings.Contains(css, "--text:#010203") {
		t.Errorf("custom file with variables: CSS starts %.300q", css)
	}
}

func TestLightPreference(t *testing.T) {
	css, err := Compile(Options{Name: "default", Light: "light"})
	if err != nil {
		t.Fatal(err)
	}
	blocks := rootBlocks(css)
	if len(blocks) != 2 {
		t.Fatalf("%d :root blocks with colours, want 2", len(blocks))
	}
	dark, light := blocks[0], blocks[1]
	if dark["--bg"] != "#16181f" || light["--bg"] != "#f6f7f9" {
		t.Errorf("bg: dark %q, light %q", dark["--bg"], light["--bg"])
	}
	if !strings.Contains(css, "@media (prefers-color-scheme: light){:root{") {
		t.Errorf("no light block: CSS ends %q", css[len(css)-400:])
	}
}

// anyLine in TestCompileErrors accepts any line of a built-in partial, so
// editing the partial does not break the test.
const anyLine = -1

func TestCompileErrors(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"undefined.scss": "@import \"themes/default/variables\";\n\n.x { color: $nope; }\n@import \"themes/base\";\n",
		"syntax.scss":    "@import \"themes/base\";\n.x {\n  color: red\n",
		"missing.scss":   "@import \"themes/dark/variables\";\n",
		"partial.scss":   "@import \"broken\";\n",
		"_broken.scss":   "// a comment\n.y { width: 1px + 1s; }\n",
	})
	tests := []struct {
		name     string
		opts     Options
		wantFile string
		wantLine int
		wantMsg  string
	}{
		{"undefined variable", Options{Custom: filepath.Join(dir, "undefined.scss")}, filepath.Join(dir, "undefined.scss"), 3, "Undefined variable"},
		{"syntax", Options{Custom: filepath.Join(dir, "syntax.scss")}, filepath.Join(dir, "syntax.scss"), 3, ""},
		{"unknown built-in", Options{Custom: filepath.Join(dir, "missing.scss")}, filepath.Join(dir, "missing.scss"), 1, "not found"},
		{"in a user partial", Options{Custom: filepath.Join(dir, "partial.scss")}, filepath.Join(dir, "_broken.scss"), 2, "Incompatible units"},
		{"in a built-in partial", Options{Variables: map[string]string{"main-width": "1s"}}, "themes/base/_layout.scss", anyLine, "Incompatible units"},
		{"config variable", Options{Variables: map[string]string{"accent": "#fff", "text": "nope("}, VariablesSource: "kith.toml"}, "kith.toml", 0, "theme.variables.text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(tt.opts)
			var te *Error
			if !errors.As(err, &te) {
				t.Fatalf("error %v (%T), want *Error", err, err)
			}
			line := te.Line
			if tt.wantLine == anyLine && line > 0 {
				line = anyLine
			}
			if te.File != tt.wantFile || line != tt.wantLine || !strings.Contains(te.Message, tt.wantMsg) {
				t.Errorf("got %s:%d:%d: %s; want %s:%d with %q", te.File, te.Line, te.Column, te.Message, tt.wantFile, tt.wantLine, tt.wantMsg)
			}
			if tt.wantLine != 0 && (te.Column < 1 || !strings.HasPrefix(err.Error(), tt.wantFile+":")) {
				t.Errorf("error %q lacks file:line:col", err)
			}
		})
	}
}

func TestUnknownThemes(t *testing.T) {
	for _, opts := range []Options{{Name: "dark"}, {Name: "default", Light: "sepia"}, {Custom: "/no/such/file.scss"}} {
		if _, err := Compile(opts); err == nil {
			t.Errorf("Compile(%+v) succeeded", opts)
		}
	}
}

func BenchmarkCompile(b *testing.B) {
	for _, name := range Names() {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Compile(Options{Name: name}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package themes

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"kith/config"
)

func TestCheckNames(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		wantLine int
		wantKey  string
		wantMsg  string
	}{
		{"unknown variable", "[theme.variables]\nacent = \"red\"\n", 2, "theme.variables.acent", `"acent" is not a variable of the built-in themes, did you mean accent?`},
		{"unknown theme", "[theme]\n\nname = \"sepia\"\n", 3, "theme.name", `"sepia" is not a built-in theme (default, high-contrast, light)`},
		{"unknown light theme", "[theme]\ndark = \"default\"\nlight = \"beige\"\n", 3, "theme.light", "not a built-in theme"},
		{"unknown dark theme", "[theme]\ndark = \"night\"\nlight = \"light\"\n", 2, "theme.dark", "not a built-in theme"},
		// The config reports a name that is no SCSS name; it is not
		// reported twice.
		{"bad variable name", "[theme.variables]\n\"$accent\" = \"red\"\n", 2, "theme.variables.$accent", "not an SCSS variable name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Parse("kith.toml", []byte(tt.text), CheckNames)
			var errs config.Errors
			if !errors.As(err, &errs) || len(errs) != 1 {
				t.Fatalf("Parse error = %v, want one problem", err)
			}
			e := errs[0]
			if e.Line != tt.wantLine || e.Key != tt.wantKey || !strings.Contains(e.Msg, tt.wantMsg) {
				t.Errorf("got line %d key %q msg %q; want line %d key %q msg containing %q",
					e.Line, e.Key, e.Msg, tt.wantLine, tt.wantKey, tt.wantMsg)
			}
		})
	}
}

// Names are checked in the same pass as values of the wrong type, and a
// variable is known in either spelling (main_width is main-width).
func TestCheckNamesWithTypeErrors(t *testing.T) {
	text := "[server]\nurl = 8080\n[theme.variables]\naccent = \"#7a3cff\"\nmain_width = \"46rem\"\nlink-colour = \"red\"\n"
	_, err := config.Parse("k.toml", []byte(text), CheckNames)
	var errs config.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Parse: %v, want Errors", err)
	}
	var got []string
	for _, e := range errs {
		got = append(got, fmt.Sprintf("%d %s", e.Line, e.Key))
	}
	if want := []string{"2 server.url", "6 theme.variables.link-colour"}; !slices.Equal(got, want) {
		t.Errorf("problems at %q, want %q:\n%v", got, want, err)
	}
}

func TestCheckNamesAccepts(t *testing.T) {
	if ps := CheckNames(config.Default()); len(ps) != 0 {
		t.Errorf("the default config: %v", ps)
	}
	if got := config.Default().Theme.Name; got != Default {
		t.Errorf("the config's default theme is %q, the compiler's %q", got, Default)
	}
	// A custom stylesheet may declare variables of its own.
	text := "[theme]\ncustom_scss = \"x.scss\"\n[theme.variables]\nbrand-hue = \"200\"\n"
	if _, err := config.Parse("k.toml", []byte(text), CheckNames); err != nil {
		t.Errorf("a custom stylesheet's own variable: %v", err)
	}
}

func TestOptionsFor(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kith.toml")
	text := "[theme]\ncustom_scss = \"styles/custom.scss\"\ndark = \"high-contrast\"\nlight = \"light\"\n[theme.variables]\naccent = \"#c00\"\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path, CheckNames)
	if err != nil {
		t.Fatal(err)
	}
	opts := OptionsFor(cfg)
	if got, want := opts.Custom, filepath.Join(dir, "styles", "custom.scss"); got != want {
		t.Errorf("custom = %q, want %q (relative to the config file)", got, want)
	}
	if opts.Name != "high-contrast" || opts.Light != "light" || opts.Variables["accent"] != "#c00" || opts.VariablesSource != path {
		t.Errorf("OptionsFor = %+v", opts)
	}
	if got := OptionsFor(config.Default()); got.Name != "default" || got.Light != "" || got.Custom != "" {
		t.Errorf("OptionsFor(default) = %+v", got)
	}
}

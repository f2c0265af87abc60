package themes

import (
	"math"
	"os"
	"regexp"
	"strings"
	"testing"
)

// WCAG AA: 4.5:1 for text, 3:1 for the borders that show where a control
// is and for the focus ring (ContrastPairs). The colours are read from the
// compiled CSS, so the test checks what browsers get.
func TestContrastAA(t *testing.T) {
	for _, name := range Names() {
		css, err := Compile(Options{Name: name})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(rootBlocks(css)) != 1 {
			t.Fatalf("%s: %d :root blocks with the colours, want 1", name, len(rootBlocks(css)))
		}
		for _, issue := range CheckContrast(css) {
			t.Errorf("%s: %s", name, issue)
		}
	}
	// Each built-in theme's colours as the light preference of another.
	css, err := Compile(Options{Name: "default", Light: "light"})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(rootBlocks(css)); n != 2 {
		t.Fatalf("dark with a light preference: %d :root blocks, want 2", n)
	}
	for _, issue := range CheckContrast(css) {
		t.Errorf("default with light: %s", issue)
	}
}

func TestContrast(t *testing.T) {
	tests := []struct {
		a, b string
		want float64
	}{
		{"#fff", "#000", 21},
		{"#000000", "#000", 1},
		{"white", "black", 21},
		{"rgb(255, 255, 255)", "#000", 21},
		{"#11131c", "#c0392b", 3.41},
		{"#767676", "#fff", 4.54},
	}
	for _, tt := range tests {
		got, err := Contrast(tt.a, tt.b)
		if err != nil || math.Abs(got-tt.want) > 0.01 {
			t.Errorf("Contrast(%s, %s) = %.2f, %v; want %.2f", tt.a, tt.b, got, err, tt.want)
		}
	}
	for _, bad := range []string{"rgba(0,0,0,.5)", "nope(", "var(--x)", ""} {
		if _, err := Contrast(bad, "#fff"); err == nil {
			t.Errorf("Contrast(%q, #fff): no error", bad)
		}
	}
}

// An accent that leaves button text under 4.5:1 is found: the README's
// old example, #c0392b on the dark default theme (3.4:1).
func TestCheckContrastFindsAConfiguredAccent(t *testing.T) {
	css, err := Compile(Options{Variables: map[string]string{"accent": "#c0392b"}})
	if err != nil {
		t.Fatal(err)
	}
	issues := CheckContrast(css)
	found := false
	for _, i := range issues {
		found = found || (i.Fg == "--accent-text" && i.Bg == "--accent" && i.FgColour == "#11131c" && math.Abs(i.Ratio-3.41) < 0.01)
	}
	if !found {
		t.Errorf("accent #c0392b on the default theme: issues %v, want --accent-text on --accent at 3.41:1", issues)
	}
}

// The README's [theme.variables] example passes on every built-in theme
// it is meant for: the default (dark) theme.
func TestReadmeThemeExampleContrast(t *testing.T) {
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)```toml\n *\\[theme.variables\\]\n(.*?)```").FindSubmatch(readme)
	if block == nil {
		t.Fatal("README.md has no ```toml [theme.variables] example")
	}
	vars := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(block[1])), "\n") {
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("README example line %q is not name = value", line)
		}
		vars[strings.TrimSpace(name)] = strings.Trim(strings.TrimSpace(value), `"`)
	}
	css, err := Compile(Options{Variables: vars})
	if err != nil {
		t.Fatalf("README example %v does not compile: %v", vars, err)
	}
	for _, issue := range CheckContrast(css) {
		t.Errorf("README example %v: %s", vars, issue)
	}
}

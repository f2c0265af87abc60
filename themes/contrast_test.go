package themes

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

// rootColours reads the custom properties of the n-th ":root{...}" block
// of compiled CSS.
func rootColours(t *testing.T, css string, n int) map[string]string {
	t.Helper()
	rest := css
	for i := 0; ; i++ {
		start := strings.Index(rest, ":root{")
		if start < 0 {
			t.Fatalf("CSS has no :root block number %d", n)
		}
		rest = rest[start+len(":root{"):]
		if i == n {
			break
		}
	}
	block, _, _ := strings.Cut(rest, "}")
	props := map[string]string{}
	for _, decl := range strings.Split(block, ";") {
		name, value, ok := strings.Cut(decl, ":")
		if ok && strings.HasPrefix(name, "--") {
			props[name] = strings.TrimSpace(value)
		}
	}
	return props
}

// luminance is the WCAG relative luminance of a #rgb or #rrggbb colour.
func luminance(t *testing.T, hex string) float64 {
	t.Helper()
	h := strings.TrimPrefix(hex, "#")
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	v, err := strconv.ParseUint(h, 16, 32)
	if len(h) != 6 || err != nil {
		t.Fatalf("colour %q is not #rgb or #rrggbb", hex)
	}
	channel := func(shift uint) float64 {
		c := float64((v>>shift)&0xff) / 255
		if c <= 0.03928 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*channel(16) + 0.7152*channel(8) + 0.0722*channel(0)
}

func contrast(t *testing.T, a, b string) float64 {
	la, lb := luminance(t, a), luminance(t, b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// WCAG AA: 4.5:1 for text, 3:1 for the borders that show where a control
// is and for the focus ring. The colours are read from the compiled CSS,
// so the test checks what browsers get.
func TestContrastAA(t *testing.T) {
	pairs := []struct {
		fg, bg string
		min    float64
	}{
		{"--text", "--bg", 4.5},
		{"--muted", "--bg", 4.5},
		{"--link", "--bg", 4.5},
		{"--error", "--bg", 4.5},
		{"--notice", "--bg", 4.5},
		{"--text", "--surface", 4.5},
		{"--muted", "--surface", 4.5},
		{"--link", "--surface", 4.5},
		{"--error", "--surface", 4.5},
		{"--notice", "--surface", 4.5},
		{"--text", "--surface-raised", 4.5},
		{"--accent-text", "--accent", 4.5},
		{"--danger-text", "--danger", 4.5},
		{"--accent", "--surface", 3},
		{"--input-border", "--bg", 3},
		{"--input-border", "--surface", 3},
		{"--focus", "--bg", 3},
		{"--focus", "--surface", 3},
	}
	for _, name := range Names() {
		css, err := Compile(Options{Name: name})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		colours := rootColours(t, css, 0)
		for _, p := range pairs {
			if got := contrast(t, colours[p.fg], colours[p.bg]); got < p.min {
				t.Errorf("%s: %s %s on %s %s: contrast %.2f, want at least %.1f", name, p.fg, colours[p.fg], p.bg, colours[p.bg], got, p.min)
			}
		}
	}
}

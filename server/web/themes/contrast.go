package themes

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The colours of a compiled stylesheet, checked for WCAG AA contrast: the
// built-in themes by their test, a configured theme by kith theme check,
// which warns when an override (say accent) leaves text hard to read.

// ContrastPair is a colour used on another, and the contrast WCAG AA asks
// of it: 4.5:1 for text, 3:1 for what shows where a control is.
type ContrastPair struct {
	Fg, Bg string // custom properties, such as --accent-text
	Min    float64
	What   string // where the pair shows, for messages
}

// ContrastPairs are the pairs every theme must meet.
var ContrastPairs = []ContrastPair{
	{"--text", "--bg", 4.5, "text"},
	{"--muted", "--bg", 4.5, "secondary text"},
	{"--link", "--bg", 4.5, "links"},
	{"--error", "--bg", 4.5, "error messages"},
	{"--notice", "--bg", 4.5, "notices"},
	{"--text", "--surface", 4.5, "text on cards"},
	{"--muted", "--surface", 4.5, "secondary text on cards"},
	{"--link", "--surface", 4.5, "links on cards"},
	{"--error", "--surface", 4.5, "error messages on cards"},
	{"--notice", "--surface", 4.5, "notices on cards"},
	{"--text", "--surface-raised", 4.5, "text on buttons"},
	{"--accent-text", "--accent", 4.5, "text on primary buttons and badges"},
	{"--danger-text", "--danger", 4.5, "text on danger buttons"},
	{"--accent", "--surface", 4.5, "pressed buttons' text (Boost, Favourite) on posts"},
	{"--input-border", "--bg", 3, "borders of fields"},
	{"--input-border", "--surface", 3, "borders of fields on cards"},
	{"--focus", "--bg", 3, "the focus ring"},
	{"--focus", "--surface", 3, "the focus ring on cards"},
}

// ContrastIssue is a pair below its minimum in a stylesheet.
type ContrastIssue struct {
	ContrastPair
	FgColour, BgColour string
	Ratio              float64
	// Light is set for the colours used when the visitor prefers a light
	// colour scheme (Options.Light).
	Light bool
}

func (i ContrastIssue) String() string {
	where := ""
	if i.Light {
		where = " (light preference)"
	}
	return fmt.Sprintf("%s %s on %s %s%s: contrast %.2f:1, below WCAG AA's %.1f:1 for %s",
		i.Fg, i.FgColour, i.Bg, i.BgColour, where, i.Ratio, i.Min, i.What)
}

// CheckContrast reads the colours of compiled CSS (its :root blocks:
// the main colours, and those for a light preference) and returns every
// pair of ContrastPairs below its minimum. A colour it cannot read as an
// opaque colour (a var(), a translucent rgba) is left unchecked.
func CheckContrast(css string) []ContrastIssue {
	var issues []ContrastIssue
	for i, colours := range rootBlocks(css) {
		for _, p := range ContrastPairs {
			fg, okF := opaque(colours[p.Fg])
			bg, okB := opaque(colours[p.Bg])
			if !okF || !okB {
				continue
			}
			if r := contrastRGB(fg, bg); r < p.Min {
				issues = append(issues, ContrastIssue{ContrastPair: p, FgColour: colours[p.Fg], BgColour: colours[p.Bg], Ratio: r, Light: i > 0})
			}
		}
	}
	return issues
}

// Contrast is the WCAG contrast ratio of two opaque colours, each any CSS
// colour LibSass understands (#rgb, #rrggbb, a name, rgb(), hsl()).
func Contrast(a, b string) (float64, error) {
	ca, ok := opaque(a)
	if !ok {
		return 0, fmt.Errorf("%q is not an opaque colour", a)
	}
	cb, ok := opaque(b)
	if !ok {
		return 0, fmt.Errorf("%q is not an opaque colour", b)
	}
	return contrastRGB(ca, cb), nil
}

// rootBlocks reads the custom properties of each ":root{...}" block that
// sets --bg, in order.
func rootBlocks(css string) []map[string]string {
	var blocks []map[string]string
	for rest := css; ; {
		start := strings.Index(rest, ":root{")
		if start < 0 {
			return blocks
		}
		rest = rest[start+len(":root{"):]
		block, _, _ := strings.Cut(rest, "}")
		props := map[string]string{}
		for _, decl := range strings.Split(block, ";") {
			name, value, ok := strings.Cut(decl, ":")
			if name = strings.TrimSpace(name); ok && strings.HasPrefix(name, "--") {
				props[name] = strings.TrimSpace(value)
			}
		}
		if _, ok := props["--bg"]; ok {
			blocks = append(blocks, props)
		}
	}
}

// opaque reads a colour as its 0xRRGGBB value: #rgb and #rrggbb directly,
// anything else through LibSass's ie-hex-str, which gives #AARRGGBB.
// Translucent colours and what is not a colour are not opaque.
func opaque(c string) (uint32, bool) {
	if v, ok := hexRGB(c); ok {
		return v, true
	}
	if c == "" || strings.ContainsAny(c, "{};$") || strings.Contains(c, "var(") {
		return 0, false
	}
	css, _, err := transpile("a{b:ie-hex-str("+c+")}", "")
	if err != nil {
		return 0, false
	}
	_, after, _ := strings.Cut(css, "b:#")
	argb, _, _ := strings.Cut(after, "}")
	v, err := strconv.ParseUint(strings.TrimSpace(argb), 16, 32)
	if err != nil || len(strings.TrimSpace(argb)) != 8 || v>>24 != 0xff {
		return 0, false
	}
	return uint32(v & 0xffffff), true
}

// hexRGB reads #rgb or #rrggbb.
func hexRGB(c string) (uint32, bool) {
	h, ok := strings.CutPrefix(strings.TrimSpace(c), "#")
	if !ok {
		return 0, false
	}
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	v, err := strconv.ParseUint(h, 16, 32)
	if len(h) != 6 || err != nil {
		return 0, false
	}
	return uint32(v), true
}

// luminance is the WCAG relative luminance of 0xRRGGBB.
func luminance(rgb uint32) float64 {
	channel := func(shift uint) float64 {
		c := float64((rgb>>shift)&0xff) / 255
		if c <= 0.03928 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*channel(16) + 0.7152*channel(8) + 0.0722*channel(0)
}

func contrastRGB(a, b uint32) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

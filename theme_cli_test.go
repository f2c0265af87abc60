package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestThemeCheck(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"good.toml":   "[theme]\ncustom_scss = \"good.scss\"\n",
		"good.scss":   "@import \"themes/light/variables\";\n$accent: #c00;\n@import \"themes/base\";\n",
		"broken.toml": "[theme]\ncustom_scss = \"broken.scss\"\n",
		"broken.scss": "@import \"themes/light/variables\";\n.x { color: $nope; }\n@import \"themes/base\";\n",
		"named.toml":  "[theme]\nname = \"high-contrast\"\n",
		"sepia.toml":  "[theme]\nname = \"sepia\"\n",
		"pair.toml":   "[theme]\ndark = \"default\"\nlight = \"light\"\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string
	}{
		{"built-in default", []string{"theme", "check"}, 0, []string{`ok: theme "default"`, "bytes of CSS"}},
		{"named", []string{"theme", "check", "--config", "named.toml"}, 0, []string{`ok: theme "high-contrast"`}},
		{"light pair", []string{"theme", "check", "--config", "pair.toml"}, 0, []string{`"light" for a light preference`}},
		{"custom file", []string{"theme", "check", "--config", "good.toml"}, 0, []string{"ok: custom stylesheet good.scss, "}},
		{"broken custom file", []string{"theme", "check", "--config", "broken.toml"}, 1, []string{filepath.Join(dir, "broken.scss") + ":2:13: Undefined variable", "does not compile"}},
		{"unknown theme", []string{"theme", "check", "--config", "sepia.toml"}, 1, []string{"sepia.toml:2: theme.name:", "not a built-in theme"}},
		{"config check compiles the theme", []string{"config", "check", "--config", "broken.toml"}, 1, []string{"broken.scss:2:13:"}},
		{"usage", []string{"theme"}, 2, []string{"Usage: kith theme check"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := kith(t, dir, "", tt.args...)
			out := r.stdout + r.stderr
			if r.code != tt.wantCode {
				t.Errorf("exit %d, want %d:\n%s", r.code, tt.wantCode, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

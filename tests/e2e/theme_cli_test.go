package e2e

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
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
		"dim.toml":    "[theme.variables]\naccent = \"#c0392b\"\n",
		"red.toml":    "[theme.variables]\naccent = \"#ef6a5a\"\nradius = \"2px\"\n",
		"typos.toml":  "[server]\nurl = 8080\n[jobs]\nconcurrency = \"8\"\n[theme.variables]\nacent = \"red\"\n",
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
		dontWant []string
	}{
		{"built-in default", []string{"theme", "check"}, 0, []string{`ok: theme "default"`, "bytes of CSS"}, nil},
		{"named", []string{"theme", "check", "--config", "named.toml"}, 0, []string{`ok: theme "high-contrast"`}, nil},
		{"light pair", []string{"theme", "check", "--config", "pair.toml"}, 0, []string{`"light" for a light preference`}, nil},
		{"custom file", []string{"theme", "check", "--config", "good.toml"}, 0, []string{"ok: custom stylesheet good.scss, "}, nil},
		{"broken custom file", []string{"theme", "check", "--config", "broken.toml"}, 1, []string{filepath.Join(dir, "broken.scss") + ":2:13: Undefined variable", "does not compile"}, nil},
		{"unknown theme", []string{"theme", "check", "--config", "sepia.toml"}, 1, []string{"sepia.toml:2: theme.name:", "not a built-in theme"}, nil},
		{"config check compiles the theme", []string{"config", "check", "--config", "broken.toml"}, 1, []string{"broken.scss:2:13:"}, nil},
		{"usage", []string{"theme"}, 2, []string{"Usage: kith theme check"}, nil},
		{"an accent under WCAG AA warns", []string{"theme", "check", "--config", "dim.toml"}, 0, []string{`ok: theme "default"`,
			"warning: --accent-text #11131c on --accent #c0392b: contrast 3.41:1, below WCAG AA's 4.5:1", "change theme.variables.accent-text or accent"}, nil},
		{"config check warns too", []string{"config", "check", "--config", "dim.toml"}, 0, []string{"dim.toml: ok", "warning: --accent-text"}, nil},
		{"the README's accent", []string{"theme", "check", "--config", "red.toml"}, 0, []string{`ok: theme "default"`}, []string{"warning"}},
		{"config check names every problem", []string{"config", "check", "--config", "typos.toml"}, 1, []string{
			"typos.toml:2: server.url: must be a string, not an integer", "typos.toml:4: jobs.concurrency: must be an integer, not a string",
			`typos.toml:6: theme.variables.acent: "acent" is not a variable of the built-in themes, did you mean accent?`, "3 problem(s)"}, nil},
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
			for _, w := range tt.dontWant {
				if strings.Contains(out, w) {
					t.Errorf("output has %q:\n%s", w, out)
				}
			}
		})
	}
}

var stylesheetRE = regexp.MustCompile(`href="(/static/theme-[0-9a-f]{12}\.css)"`)

// fetch GETs base+path and returns the body.
func fetch(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d, %v", url, resp.StatusCode, err)
	}
	return string(body)
}

// The operator's loop: edit the custom file, SIGHUP. A broken edit is
// logged with its place and the old stylesheet keeps serving; a good one
// is served under a new fingerprint.
func TestServeThemeReloadOnHangup(t *testing.T) {
	dir, cfgPath, base := initInstance(t)
	custom := filepath.Join(dir, "custom.scss")
	write := func(text string) {
		if err := os.WriteFile(custom, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("@import \"themes/default/variables\";\n$accent: #a1b2c3;\n@import \"themes/base\";\n")
	appendFile(t, cfgPath, "\n[theme]\ncustom_scss = \"custom.scss\"\n")
	p := startServe(t, dir)
	p.waitHealthy(t, base)
	stylesheet := func() string {
		m := stylesheetRE.FindStringSubmatch(fetch(t, base+"/login"))
		if m == nil {
			t.Fatalf("the login page links no fingerprinted stylesheet")
		}
		return m[1]
	}
	first := stylesheet()
	firstCSS := fetch(t, base+first)
	if !strings.Contains(firstCSS, "--accent:#a1b2c3") {
		t.Fatalf("the custom accent is not in the served CSS")
	}

	write("@import \"themes/default/variables\";\n.x {\n  color: $nope;\n}\n")
	p.cmd.Process.Signal(syscall.SIGHUP)
	p.waitLog(t, "theme reload failed")
	for _, want := range []string{"file=" + custom, "line=3", "column=10"} {
		if !strings.Contains(p.output(), want) {
			t.Errorf("the reload error lacks %q:\n%s", want, p.output())
		}
	}
	if got := stylesheet(); got != first {
		t.Errorf("after a failed reload the page links %s, want %s", got, first)
	}
	if got := fetch(t, base+first); got != firstCSS {
		t.Errorf("after a failed reload the CSS changed")
	}

	write("@import \"themes/light/variables\";\n$accent: #c3b2a1;\n@import \"themes/base\";\n")
	p.cmd.Process.Signal(syscall.SIGHUP)
	p.waitLog(t, "theme reloaded")
	second := stylesheet()
	if second == first || !strings.Contains(fetch(t, base+second), "--accent:#c3b2a1") {
		t.Errorf("after a good reload: stylesheet %s (was %s) without the new accent", second, first)
	}
	if code := terminate(t, p); code != 0 {
		t.Errorf("exit code after SIGTERM %d, want 0", code)
	}
}

func TestServeRefusesBrokenTheme(t *testing.T) {
	dir, cfgPath, _ := initInstance(t)
	if err := os.WriteFile(filepath.Join(dir, "custom.scss"), []byte("@import \"themes/base\";\n.x {\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	appendFile(t, cfgPath, "\n[theme]\ncustom_scss = \"custom.scss\"\n")
	r := kith(t, dir, "", "serve")
	if want := filepath.Join(dir, "custom.scss") + ":2:"; r.code != 1 || !strings.Contains(r.stderr, want) {
		t.Errorf("exit %d, stderr:\n%s\nwant exit 1 and %q", r.code, r.stderr, want)
	}
}

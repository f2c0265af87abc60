package themes

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// compileCached runs CompileCached and checks the stylesheet against a
// fresh Compile of the same options, so a hit can never serve stale CSS
// unnoticed.
func compileCached(t *testing.T, opts Options, path string) Cached {
	t.Helper()
	c, err := CompileCached(opts, path)
	if err != nil {
		t.Fatal(err)
	}
	if c.SaveErr != nil {
		t.Fatalf("cache not saved: %v", c.SaveErr)
	}
	want, err := Compile(opts)
	if err != nil {
		t.Fatal(err)
	}
	if c.CSS != want {
		t.Fatalf("CompileCached (hit %v) differs from Compile", c.Hit)
	}
	return c
}

func TestCompileCachedBuiltIn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "theme-cache.json")
	steps := []struct {
		name string
		opts Options
		hit  bool
	}{
		{"first start compiles", Options{Name: "light"}, false},
		{"unchanged: read back", Options{Name: "light"}, true},
		{"another theme", Options{Name: "default"}, false},
		{"unchanged again", Options{Name: "default"}, true},
		{"a variable set", Options{Name: "default", Variables: map[string]string{"accent": "#c00001"}}, false},
		{"same variable", Options{Name: "default", Variables: map[string]string{"accent": "#c00001"}}, true},
		{"variable changed", Options{Name: "default", Variables: map[string]string{"accent": "#c00002"}}, false},
		{"light preference added", Options{Name: "default", Light: "light", Variables: map[string]string{"accent": "#c00002"}}, false},
		{"light preference kept", Options{Name: "default", Light: "light", Variables: map[string]string{"accent": "#c00002"}}, true},
	}
	for _, s := range steps {
		if c := compileCached(t, s.opts, path); c.Hit != s.hit {
			t.Errorf("%s: hit = %v, want %v", s.name, c.Hit, s.hit)
		}
	}
}

func TestCompileCachedCustomFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(t.TempDir(), "theme-cache.json")
	custom := filepath.Join(dir, "custom.scss")
	partial := filepath.Join(dir, "parts", "_extra.scss")
	write := func(file, src string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(custom, "@import \"themes/default/variables\";\n$accent: #7a3cff;\n@import \"parts/extra\";\n@import \"themes/base\";\n")
	write(partial, ".extra-one{color:red}\n")
	opts := Options{Custom: custom}
	check := func(step string, wantHit bool, wantRule string) {
		t.Helper()
		c := compileCached(t, opts, path)
		if c.Hit != wantHit {
			t.Errorf("%s: hit = %v, want %v", step, c.Hit, wantHit)
		}
		if !strings.Contains(c.CSS, wantRule) {
			t.Errorf("%s: CSS lacks %q", step, wantRule)
		}
	}
	check("first compile", false, ".extra-one")
	check("unchanged", true, ".extra-one")
	write(partial, ".extra-two{color:red}\n")
	check("the imported partial changed", false, ".extra-two")
	check("unchanged after it", true, ".extra-two")
	write(custom, "@import \"themes/light/variables\";\n@import \"parts/extra\";\n@import \"themes/base\";\n.mine{color:blue}\n")
	check("the custom file changed", false, ".mine")
	check("unchanged after that", true, ".mine")
	if err := os.Remove(partial); err != nil {
		t.Fatal(err)
	}
	if _, err := CompileCached(opts, path); err == nil {
		t.Error("the partial is gone, yet the stylesheet was served from the cache")
	}
}

func TestCompileCachedBadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "theme-cache.json")
	for _, junk := range []string{"", "{", `{"key":"x","css":"a{}"}`, "\x00\x01"} {
		if err := os.WriteFile(path, []byte(junk), 0o600); err != nil {
			t.Fatal(err)
		}
		if c := compileCached(t, Options{}, path); c.Hit {
			t.Errorf("cache file %q: read as a hit", junk)
		}
	}
	// A cache that cannot be written does not fail the compile.
	c, err := CompileCached(Options{}, filepath.Join(t.TempDir(), "missing", "theme-cache.json"))
	if err != nil || c.CSS == "" || c.SaveErr == nil {
		t.Errorf("unwritable cache: err %v, %d bytes of CSS, SaveErr %v; want the CSS and a SaveErr", err, len(c.CSS), c.SaveErr)
	}
}

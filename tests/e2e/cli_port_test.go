package e2e

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExportImportCommands(t *testing.T) {
	dir, cfgPath, _ := initInstance(t)
	out := t.TempDir()
	archive := filepath.Join(out, "export.zip")
	r := kith(t, dir, "", "export", "--config", cfgPath, "--out", archive, "--csv", filepath.Join(out, "csv"))
	if r.code != 0 {
		t.Fatalf("export: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	zr, err := zip.OpenReader(archive)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	zr.Close()
	if got := strings.Join(names, " "); got != "actor.json outbox.json likes.json bookmarks.json" {
		t.Errorf("archive of a new account holds %q", got)
	}
	following, err := os.ReadFile(filepath.Join(out, "csv", "following_accounts.csv"))
	if err != nil || string(following) != "Account address,Show boosts,Notify on new posts,Languages\n" {
		t.Errorf("following_accounts.csv = %q, %v", following, err)
	}

	// Its own archive imports (nothing to add); a CSV is queued with its
	// bad lines reported.
	domains := filepath.Join(out, "blocked_domains.csv")
	os.WriteFile(domains, []byte("spam.example\nnot a domain\n"), 0o600)
	r = kith(t, dir, "", "import", "--config", cfgPath, "--no-wait", archive, domains)
	if r.code != 0 || !strings.Contains(r.stdout, "export.zip: 0 posts imported") || !strings.Contains(r.stdout, "2 lines of domain_blocks queued") ||
		!strings.Contains(r.stderr, `line 2: "not a domain" is not a domain name`) {
		t.Errorf("import: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	var bad bytes.Buffer
	zw := zip.NewWriter(&bad)
	w, _ := zw.Create("../outside.json")
	w.Write([]byte("{}"))
	zw.Close()
	slip := filepath.Join(out, "slip.zip")
	os.WriteFile(slip, bad.Bytes(), 0o600)
	r = kith(t, dir, "", "import", "--config", cfgPath, slip)
	if r.code != 1 || !strings.Contains(r.stderr, `bad archive: entry "../outside.json" has an unsafe path`) {
		t.Errorf("import of a zip slip: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "kith-data", "outside.json")); err == nil {
		t.Errorf("the zip slip wrote a file")
	}

	r = kith(t, dir, "", "import", "--config", cfgPath, "--list", "followers", domains)
	if r.code != 1 || !strings.Contains(r.stderr, "followers cannot be imported") {
		t.Errorf("import --list followers: exit %d\n%s", r.code, r.stderr)
	}
	if r = kith(t, dir, "", "import", "-h"); r.code != 0 || !strings.Contains(r.stderr, "--mode") {
		t.Errorf("import -h: exit %d\n%s", r.code, r.stderr)
	}
}

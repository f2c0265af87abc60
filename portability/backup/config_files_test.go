package backup

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"kith/config"
	"kith/store"
	"kith/tests/tmpfs"
)

func TestSCSSImports(t *testing.T) {
	src := `// @import "commented-out";
/* @import "also-commented";
   still a comment */
@import "themes/light/variables";
@import 'extras', "parts/buttons";
@import url("https://fonts.example/a.css");
@import url(plain);
@import "print.css";
@import "http://example.org/x";
.a { content: "// not a comment"; }
@import "after-a-string"; // trailing comment
`
	got := scssImports(src)
	want := []string{"extras", "parts/buttons", "after-a-string"}
	if !slices.Equal(got, want) {
		t.Errorf("scssImports = %q, want %q", got, want)
	}
}

// instance makes a data directory with a database that has its owner, and
// a config file in dir with extra appended; it returns the open database
// and the config's path.
func instance(t *testing.T, dir, extra string) (*store.DB, string) {
	t.Helper()
	ctx := context.Background()
	dataDir := filepath.Join(dir, "kith-data")
	os.MkdirAll(dataDir, 0o700)
	db, err := store.Open(ctx, filepath.Join(dataDir, "kith.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	err = db.InTx(ctx, func(tx *store.Tx) error {
		return tx.CreateOwner(ctx, store.Owner{Username: "alice", PasswordHash: "x", PrivateKeyPEM: "x", PublicKeyPEM: "x"})
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "kith.toml")
	text := "[server]\nurl = \"http://localhost:8080\"\ndata_dir = \"kith-data\"\n\n[owner]\nusername = \"alice\"\n" + extra
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return db, cfg
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o700)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestBackupHoldsStylesheets: the custom stylesheet and every partial it
// imports (from a subfolder, and from a folder beside the stylesheet's)
// are archived and restored beside the config, which points at them; the
// restored theme compiles with the originals gone.
func TestBackupHoldsStylesheets(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "style", "main.scss"), `@import "themes/default/variables";
@import "colours";
@import "themes/base";
@import "parts/extra", "../shared/common";
`)
	writeFile(t, filepath.Join(dir, "style", "_colours.scss"), "$accent: #7a3cff;\n")
	writeFile(t, filepath.Join(dir, "style", "parts", "extra.scss"), ".extra { color: $accent; }\n")
	writeFile(t, filepath.Join(dir, "shared", "_common.scss"), ".common { margin: 0; }\n")
	db, cfg := instance(t, dir, "\n[theme]\ncustom_scss = \"style/main.scss\"\n")

	archive := filepath.Join(t.TempDir(), "b.tar.gz")
	m, err := Create(ctx, db, filepath.Join(dir, "kith-data"), cfg, archive, "test")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Warnings) > 0 {
		t.Errorf("warnings: %q", m.Warnings)
	}
	var names []string
	for _, f := range m.Files {
		if strings.HasPrefix(f.Name, configDir) {
			names = append(names, f.Name)
		}
	}
	slices.Sort(names)
	want := []string{"config/theme/shared/_common.scss", "config/theme/style/_colours.scss", "config/theme/style/main.scss", "config/theme/style/parts/extra.scss"}
	if !slices.Equal(names, want) {
		t.Errorf("archived %q, want %q", names, want)
	}
	os.RemoveAll(filepath.Join(dir, "style"))
	os.RemoveAll(filepath.Join(dir, "shared"))

	target := filepath.Join(t.TempDir(), "restored")
	if _, err := Restore(ctx, archive, target); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	restored, err := config.Load(filepath.Join(target, configName))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := restored.Theme.CustomSCSS, filepath.Join(target, "config/theme/style/main.scss"); got != want {
		t.Errorf("restored custom_scss = %q, want %q", got, want)
	}
}

// TestVerifyCatchesMissingFiles: an archive whose config names a file it
// does not hold (a stylesheet gone before the backup, a partial that was
// never there) restores, but would not serve: Verify says so and names
// the file.
func TestVerifyCatchesMissingFiles(t *testing.T) {
	tests := []struct {
		name, files, want string
	}{
		{"stylesheet", "", "gone.scss"},
		{"partial", `@import "themes/default/variables"; @import "missing-part"; @import "themes/base";`, "missing-part"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			if tt.files != "" {
				writeFile(t, filepath.Join(dir, "gone.scss"), tt.files)
			}
			db, cfg := instance(t, dir, "\n[theme]\ncustom_scss = \"gone.scss\"\n")
			archive := filepath.Join(t.TempDir(), "b.tar.gz")
			m, err := Create(ctx, db, filepath.Join(dir, "kith-data"), cfg, archive, "test")
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Warnings) == 0 {
				t.Errorf("Create gave no warning")
			}
			_, err = Verify(ctx, archive)
			t.Logf("Verify: %v", err)
			if err == nil || !strings.Contains(err.Error(), "would not start") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Verify = %v, want it to say the instance would not start, naming %s", err, tt.want)
			}
		})
	}
}

// TestRestoreRefusesTooBigForTheDisk: an archive that unpacks to more than
// the target's free space is refused before anything is written.
func TestRestoreRefusesTooBigForTheDisk(t *testing.T) {
	ctx := context.Background()
	small := tmpfs.Mount(t, 1<<20)
	dir := t.TempDir()
	db, cfg := instance(t, dir, "")
	big := make([]byte, 2<<20)
	for i := range big {
		big[i] = byte(i * 7919 >> 3) // compresses, but unpacks to 2 MiB
	}
	writeFile(t, filepath.Join(dir, "kith-data", "media", "big.bin"), string(big))
	archive := filepath.Join(t.TempDir(), "b.tar.gz")
	if _, err := Create(ctx, db, filepath.Join(dir, "kith-data"), cfg, archive, "test"); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(small, "restored")
	_, err := Restore(ctx, archive, target)
	t.Logf("Restore: %v", err)
	if err == nil || !strings.Contains(err.Error(), "free") {
		t.Fatalf("Restore onto 1 MiB = %v, want a refusal for lack of space", err)
	}
	if entries, _ := os.ReadDir(small); len(entries) > 0 {
		t.Errorf("Restore wrote %d entries before refusing", len(entries))
	}
}

package config

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSetMediaStorage(t *testing.T) {
	s3 := "[media.s3]\nbucket = \"b\"\naccess_key = \"a\"\nsecret_key = \"s\"\n"
	tests := []struct{ name, in, want string }{
		{"key rewritten, comment kept", "# top\n[media]\nremote_cache_days = 3\nstorage = \"local\" # where\n" + s3,
			"# top\n[media]\nremote_cache_days = 3\nstorage = \"s3\" # where\n" + s3},
		{"key added to the table", "[media]\nremote_cache_days = 3\n" + s3, "[media]\nstorage = \"s3\"\nremote_cache_days = 3\n" + s3},
		{"storage of another table untouched", "[other_table_storage]\n" + s3, "[other_table_storage]\n" + s3 + "\n[media]\nstorage = \"s3\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := setStorage(tt.in, "s3"); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "kith.toml")
	os.WriteFile(path, []byte("[media]\nstorage = \"local\"\n"+s3), 0o640)
	if err := SetMediaStorage(path, StorageS3); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil || cfg.Media.Storage != StorageS3 || cfg.Media.S3.Bucket != "b" {
		t.Fatalf("after rewrite: %+v, %v", cfg.Media, err)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640 kept", info.Mode().Perm())
	}
	// A result that would not load is refused and the file kept.
	os.WriteFile(path, []byte("[media]\nstorage = \"local\"\n"), 0o640)
	if err := SetMediaStorage(path, StorageS3); err == nil {
		t.Error("switched to s3 without [media.s3]")
	}
	if b, _ := os.ReadFile(path); string(b) != "[media]\nstorage = \"local\"\n" {
		t.Errorf("file changed by a refused rewrite: %q", b)
	}
}

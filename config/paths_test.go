package config

import (
	"os"
	"path/filepath"
	"testing"
)

// Relative file paths in a config are relative to the config file, as
// data_dir is; absolute ones stay.
func TestLoadResolvesFilePaths(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kith.toml")
	text := `[server]
url = "https://social.example.org"
tls = "files"
cert_file = "config/tls/cert.pem"
key_file = "/etc/kith/key.pem"
[theme]
custom_scss = "config/theme/custom.scss"
`
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ key, got, want string }{
		{"cert_file", cfg.Server.CertFile, filepath.Join(dir, "config/tls/cert.pem")},
		{"key_file", cfg.Server.KeyFile, "/etc/kith/key.pem"},
		{"custom_scss", cfg.Theme.CustomSCSS, filepath.Join(dir, "config/theme/custom.scss")},
	} {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.key, tt.got, tt.want)
		}
	}
}

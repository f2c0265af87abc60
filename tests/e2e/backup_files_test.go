package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A custom stylesheet that imports a partial, and certificate files kept
// outside the config's folder: what the config names but the data
// directory does not hold.
const (
	customSCSS = `@import "themes/default/variables";
$accent: #7a3cff;
@import "themes/base";
@import "extras";
`
	extrasSCSS = `.kith-backup-extra { outline: 1px solid $accent; }
`
)

// TestBackupHoldsConfiguredFiles: a backup of an instance whose config
// names a custom stylesheet (with a partial) and TLS files restores into
// a directory that serves, with the originals gone; the restored config
// points at the restored copies by relative paths.
func TestBackupHoldsConfiguredFiles(t *testing.T) {
	dir, cfgPath, _ := initInstance(t)
	port := freePort(t)
	base := fmt.Sprintf("https://127.0.0.1:%d", port)
	themeDir := filepath.Join(dir, "theme")
	os.MkdirAll(themeDir, 0o700)
	os.WriteFile(filepath.Join(themeDir, "custom.scss"), []byte(customSCSS), 0o600)
	os.WriteFile(filepath.Join(themeDir, "_extras.scss"), []byte(extrasSCSS), 0o600)
	certDir := t.TempDir()
	cert, key := writeCert(t, certDir, "127.0.0.1", time.Now().Add(90*24*time.Hour))
	conf := fmt.Sprintf(`[server]
url = %q
listen = "127.0.0.1:%d"
http_listen = "127.0.0.1:0"
data_dir = "kith-data"
tls = "files"
cert_file = %q
key_file = %q

[owner]
username = "alice"

[theme]
custom_scss = "theme/custom.scss"
`, base, port, cert, key)
	if err := os.WriteFile(cfgPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	client := trusting(t, cert)
	p := startServe(t, dir, "--config", cfgPath)
	waitHealthyTLS(t, p, client, base)
	terminate(t, p)

	archive := filepath.Join(t.TempDir(), "kith.tar.gz")
	if r := kith(t, dir, "", "backup", "--config", cfgPath, archive); r.code != 0 {
		t.Fatalf("backup: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	// The originals go: the restored instance must not lean on them.
	os.RemoveAll(themeDir)
	os.RemoveAll(certDir)
	if r := kith(t, dir, "", "backup", "--verify", archive); r.code != 0 || !strings.Contains(r.stdout, "good backup") {
		t.Fatalf("verify: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	target := filepath.Join(t.TempDir(), "restored")
	if r := kith(t, dir, "", "restore", archive, "--data", target); r.code != 0 {
		t.Fatalf("restore: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	restoredConf, err := os.ReadFile(filepath.Join(target, "kith.toml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"custom_scss", "cert_file", "key_file"} {
		v := configValue(string(restoredConf), key)
		if v == "" || filepath.IsAbs(v) {
			t.Errorf("restored %s = %q, want a path relative to the config", key, v)
			continue
		}
		if _, err := os.Stat(filepath.Join(target, v)); err != nil {
			t.Errorf("restored %s: %v", key, err)
		}
	}
	restored := startServe(t, target, "--config", filepath.Join(target, "kith.toml"))
	waitHealthyTLS(t, restored, client, base)
	css := themeCSS(t, client, base)
	if !strings.Contains(css, ".kith-backup-extra") {
		t.Errorf("the restored stylesheet lacks the partial's rule")
	}
	terminate(t, restored)
}

// configValue is the quoted value of key in TOML text, "" when absent.
func configValue(text, key string) string {
	for _, l := range lines(text) {
		k, v, ok := strings.Cut(l, "=")
		if ok && strings.TrimSpace(k) == key {
			return strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return ""
}

// trusting is an HTTPS client that trusts the certificate in certFile.
func trusting(t *testing.T, certFile string) *http.Client {
	t.Helper()
	pem, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		t.Fatal("no certificate in", certFile)
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
}

// waitHealthyTLS is waitHealthy over HTTPS.
func waitHealthyTLS(t *testing.T, p *process, client *http.Client, base string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("kith serve exited early (%v):\n%s", err, p.output())
		default:
		}
		if resp, err := client.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("kith serve did not become healthy:\n%s", p.output())
}

// themeCSS fetches the stylesheet the front page links to.
func themeCSS(t *testing.T, client *http.Client, base string) string {
	t.Helper()
	resp, err := client.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	i := strings.Index(string(page), "/static/theme-")
	if i < 0 {
		t.Fatalf("no stylesheet link in /login")
	}
	href := string(page[i:])
	href = href[:strings.IndexByte(href, '"')]
	resp, err = client.Get(base + href)
	if err != nil {
		t.Fatal(err)
	}
	css, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return string(css)
}

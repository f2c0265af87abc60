package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// damagePage writes garbage over the root page of the table whose root is
// nearest the middle of the database file: a b-tree page quick_check
// reads, that kith serve does not read on its way up. It returns the
// table's name.
func damagePage(t *testing.T, dbPath string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+dbPath)
	if err != nil {
		t.Fatal(err)
	}
	var pages, size int
	if err := db.QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`PRAGMA page_size`).Scan(&size); err != nil {
		t.Fatal(err)
	}
	var name string
	var root int
	err = db.QueryRow(`SELECT name, rootpage FROM sqlite_master WHERE type = 'table' AND rootpage > 1
		ORDER BY abs(rootpage - ?) LIMIT 1`, pages/2).Scan(&name, &root)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := os.Stat(dbPath + "-wal"); err == nil {
		t.Fatalf("%s has a WAL: the page on disk may not be the current one", dbPath)
	}
	f, err := os.OpenFile(dbPath, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	garbage := make([]byte, size)
	rand.Read(garbage)
	if _, err := f.WriteAt(garbage, int64(root-1)*int64(size)); err != nil {
		t.Fatal(err)
	}
	t.Logf("damaged page %d of %d: the root of table %s", root, pages, name)
	return name
}

// TestServeRefusesDamagedDatabase: a database with a damaged page stops
// kith as it starts, with what to do; kith doctor says what is damaged.
// The check runs once kith serves (a first request does not wait for it),
// so the page is found by the check, not by a request.
func TestServeRefusesDamagedDatabase(t *testing.T) {
	dir, cfg, _ := initInstance(t)
	damagePage(t, filepath.Join(dir, "kith-data", "kith.db"))

	r := kith(t, dir, "", "serve", "--config", cfg)
	if r.code != 1 {
		t.Fatalf("kith serve on a damaged database: exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"damaged", "kith restore ARCHIVE --data", "kith doctor"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("kith serve's message lacks %q:\n%s", want, r.stderr)
		}
	}
	if !strings.Contains(r.stderr, `msg="the database is damaged: shutting down"`) {
		t.Errorf("kith serve did not stop for the damaged database:\n%s", r.stderr)
	}

	d := kith(t, dir, "", "doctor", "--config", cfg)
	if d.code != 1 {
		t.Errorf("kith doctor on a damaged database: exit %d, want 1\n%s%s", d.code, d.stdout, d.stderr)
	}
	if !strings.Contains(d.stdout, "FAIL  database") || !strings.Contains(d.stdout, "kith restore ARCHIVE --data NEWDIR") {
		t.Errorf("kith doctor does not report the damage with what to do:\n%s", d.stdout)
	}
}

// TestDoctor: a sound instance passes with ok lines; a dead job warns
// (exit 0) with its kind and error; a certificate file about to expire
// warns and an expired one fails.
func TestDoctor(t *testing.T) {
	dir, cfg, _ := initInstance(t)
	if h := kith(t, dir, "", "help"); !strings.Contains(h.stdout, "  doctor ") {
		t.Errorf("kith help does not list doctor:\n%s", h.stdout)
	}
	if h := kith(t, dir, "", "help", "doctor"); !strings.Contains(h.stderr, "integrity check") {
		t.Errorf("kith help doctor does not explain it:\n%s%s", h.stdout, h.stderr)
	}
	r := kith(t, dir, "", "doctor", "--config", cfg)
	if r.code != 0 {
		t.Fatalf("kith doctor on a fresh instance: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"ok    database  integrity_check passed", "ok    queue     no dead jobs", "ok    disk", "ok    tls", "skip  clock", "no problems found"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("kith doctor's report lacks %q:\n%s", want, r.stdout)
		}
	}

	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "kith-data", "kith.db"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UnixMilli()
	_, err = db.Exec(`INSERT INTO jobs (kind, payload, state, attempts, run_at, last_error, created_at, updated_at)
		VALUES ('deliver', ?, 'dead', 12, ?, '410 Gone', ?, ?)`, []byte(`{"inbox":"https://gone.example/inbox"}`), now, now, now)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	r = kith(t, dir, "", "doctor", "--config", cfg)
	if r.code != 0 {
		t.Errorf("kith doctor with a dead job: exit %d, want 0 (a warning)\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"warn  queue     1 dead job(s) (deliver 1)", "https://gone.example/inbox: 410 Gone", "kith queue list --dead"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("kith doctor's report lacks %q:\n%s", want, r.stdout)
		}
	}

	for _, tt := range []struct {
		name  string
		left  time.Duration
		state string
		code  int
	}{
		{"valid", 90 * 24 * time.Hour, "ok    tls       certificate for kith.test valid until", 0},
		{"expiring", 5 * 24 * time.Hour, "warn  tls       the certificate for kith.test", 0},
		{"expired", -24 * time.Hour, "FAIL  tls       the certificate for kith.test", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cert, key := writeCert(t, t.TempDir(), "kith.test", time.Now().Add(tt.left))
			conf := filepath.Join(dir, "tls-"+tt.name+".toml")
			text := fmt.Sprintf("[server]\nurl = \"https://kith.test\"\ndata_dir = \"kith-data\"\ntls = \"files\"\ncert_file = %q\nkey_file = %q\n\n[owner]\nusername = \"alice\"\n", cert, key)
			if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			r := kith(t, dir, "", "doctor", "--config", conf)
			if r.code != tt.code || !strings.Contains(r.stdout, tt.state) {
				t.Errorf("exit %d, want %d, and a line %q:\n%s%s", r.code, tt.code, tt.state, r.stdout, r.stderr)
			}
		})
	}
}

// kith doctor reads the clock's offset that the inbox measured from the
// Dates of signed deliveries.
func TestDoctorClock(t *testing.T) {
	dir, cfg, _ := initInstance(t)
	for _, tt := range []struct {
		name  string
		skew  time.Duration
		state string
		code  int
	}{
		{"close", 4 * time.Second, "ok    clock     4s off the Date of deliveries from 3 server(s)", 0},
		{"drifting", -3 * time.Minute, "warn  clock     -3m0s off", 0},
		{"hours off", 2 * time.Hour, "FAIL  clock     2h0m0s off", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "kith-data", "kith.db"))
			if err != nil {
				t.Fatal(err)
			}
			_, err = db.Exec(`INSERT INTO settings (key, value) VALUES ('clock_skew', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
				fmt.Sprintf("%d %d 3", time.Now().UnixMilli(), tt.skew.Milliseconds()))
			db.Close()
			if err != nil {
				t.Fatal(err)
			}
			r := kith(t, dir, "", "doctor", "--config", cfg)
			if r.code != tt.code || !strings.Contains(r.stdout, tt.state) {
				t.Errorf("exit %d, want %d, and a line %q:\n%s%s", r.code, tt.code, tt.state, r.stdout, r.stderr)
			}
		})
	}
}

// writeCert writes a self-signed certificate for host that expires at
// notAfter, and its key, into dir as cert.pem and key.pem.
func writeCert(t *testing.T, dir, host string, notAfter time.Time) (certPath, keyPath string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: host},
		NotBefore:    notAfter.Add(-365 * 24 * time.Hour),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if ip := net.ParseIP(host); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	} else {
		tmpl.DNSNames = []string{host}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certPath, keyPath
}

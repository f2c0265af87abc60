package cli

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"kith/config"
	"kith/disk"
	"kith/federation"
	"kith/media"
	"kith/store"
)

const doctorUsage = `doctor [--config FILE]

Looks the instance over and says what to do about each problem: the
database's full integrity check, dead jobs in the queue, free disk space,
the media bucket (with storage = "s3"),
the TLS certificate's expiry, and the clock. It only reads (it works
while kith serves) and exits 1 when something is wrong; warnings alone
exit 0.`

// Certificates warn this long before they expire: autocert renews 30 days
// ahead, certbot too, so a certificate this close to its end is one whose
// renewal has been failing.
const certWarnBefore = 14 * 24 * time.Hour

// doctor collects the findings of kith doctor.
type doctor struct {
	w      io.Writer
	failed int
	warned int
}

// report prints one finding: its state (ok, warn, FAIL, skip), what was
// looked at, what was found and, for problems, what to do.
func (d *doctor) report(state, what, found, todo string) {
	fmt.Fprintf(d.w, "%-4s  %-8s  %s\n", state, what, found)
	if todo != "" {
		fmt.Fprintf(d.w, "      %-8s  → %s\n", "", todo)
	}
	switch state {
	case "FAIL":
		d.failed++
	case "warn":
		d.warned++
	}
}

func runDoctor(ctx context.Context, c stdio, args []string) error {
	fs := newFlags(c, "doctor", doctorUsage)
	path := configFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*path)
	if err != nil {
		return err
	}
	d := &doctor{w: c.stdout}
	d.database(ctx, cfg)
	d.disk(cfg)
	d.mediaStorage(ctx, cfg)
	d.certificate(cfg, time.Now())
	d.clock(ctx, cfg, time.Now())
	d.replica(ctx, cfg, time.Now())
	switch {
	case d.failed > 0:
		return fmt.Errorf("%d problem(s) found, %d warning(s); see above", d.failed, d.warned)
	case d.warned > 0:
		fmt.Fprintf(c.stdout, "\nno problems, %d warning(s)\n", d.warned)
	default:
		fmt.Fprintln(c.stdout, "\nno problems found")
	}
	return nil
}

// database runs the full integrity check, then looks at the queue.
func (d *doctor) database(ctx context.Context, cfg config.Config) {
	path := cfg.DatabasePath()
	restore := "restore the last backup into a new directory: kith restore ARCHIVE --data NEWDIR, then serve NEWDIR/kith.toml"
	info, err := os.Stat(path)
	if err != nil {
		d.report("FAIL", "database", err.Error(), "check server.data_dir in the config; "+restore)
		d.report("skip", "queue", "not checked: no database", "")
		return
	}
	problems, err := store.IntegrityProblems(ctx, path, 10)
	switch {
	case err != nil:
		d.report("FAIL", "database", fmt.Sprintf("%s cannot be checked: %v", path, err), restore)
	case len(problems) > 0:
		d.report("FAIL", "database", fmt.Sprintf("%s is damaged: integrity_check says: %s", path, strings.Join(problems, "; ")), restore)
	default:
		d.report("ok", "database", fmt.Sprintf("integrity_check passed (%s, %s)", path, disk.Bytes(uint64(info.Size()))), "")
	}
	db, err := store.OpenReadOnly(ctx, path)
	if err != nil {
		d.report("skip", "queue", "not checked: "+err.Error(), "")
		return
	}
	defer db.Close()
	d.queue(ctx, db)
}

// queue reports dead jobs: work that failed every retry. A few dead
// deliveries are normal (servers close), so they warn and do not fail.
func (d *doctor) queue(ctx context.Context, db *store.DB) {
	dead, err := db.DeadJobSummary(ctx)
	switch {
	case err != nil:
		d.report("FAIL", "queue", "cannot be read: "+err.Error(), "run kith doctor again; if it persists, restore the last backup")
	case dead.Total == 0:
		d.report("ok", "queue", "no dead jobs", "")
	default:
		var kinds []string
		for _, k := range slices.Sorted(maps.Keys(dead.ByKind)) {
			kinds = append(kinds, fmt.Sprintf("%s %d", k, dead.ByKind[k]))
		}
		newest := dead.Newest
		d.report("warn", "queue", fmt.Sprintf("%d dead job(s) (%s); the newest, %s %d, failed %s: %s",
			dead.Total, strings.Join(kinds, ", "), newest.Kind, newest.ID,
			newest.UpdatedAt.UTC().Format("2006-01-02 15:04 MST"), jobDetail(newest)),
			"look at them with kith queue list --dead; kith queue retry --all-dead once the cause is fixed, or kith queue drop --all-dead")
	}
}

// disk reports the free space where the data directory is, with the
// threshold /healthz uses.
func (d *doctor) disk(cfg config.Config) {
	dir := cfg.Server.DataDir
	space, err := disk.Usage(dir)
	switch {
	case err != nil:
		d.report("FAIL", "disk", err.Error(), "check that server.data_dir exists and is readable")
	case space.NearlyFull():
		d.report("FAIL", "disk", fmt.Sprintf("nearly full: %s on the disk holding %s (below %s)", space, dir, disk.Bytes(space.LowWater())),
			"free space: kith media prune --days 1 removes cached remote media; move old backups elsewhere; or grow the disk")
	default:
		d.report("ok", "disk", fmt.Sprintf("%s on the disk holding %s", space, dir), "")
	}
}

// mediaStorage tries the S3 bucket of storage = "s3" (HeadBucket):
// wrong credentials or a missing bucket show here.
func (d *doctor) mediaStorage(ctx context.Context, cfg config.Config) {
	if cfg.Media.Storage != config.StorageS3 {
		return
	}
	st, err := media.OpenStore(cfg)
	if err == nil {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		err = media.CheckStore(ctx, st)
	}
	if err != nil {
		d.report("FAIL", "media", err.Error(), "check [media.s3] (endpoint, bucket, access_key, secret_key) and that the service is up")
		return
	}
	d.report("ok", "media", st.String()+" answers", "")
}

// certificate reports when the TLS certificate expires: the configured
// files for tls = "files", autocert's cache for tls = "auto".
func (d *doctor) certificate(cfg config.Config, now time.Time) {
	var files []string
	todo := ""
	switch cfg.Server.TLS {
	case config.TLSFiles:
		files = []string{cfg.Server.CertFile}
		todo = "renew the certificate (certbot renew, or your CA's tool), then reload kith: systemctl reload kith"
	case config.TLSAuto:
		host := cfg.BaseURL().Hostname()
		for _, name := range []string{host, host + "+rsa"} {
			p := filepath.Join(cfg.CertCacheDir(), name)
			if _, err := os.Stat(p); err == nil {
				files = append(files, p)
			}
		}
		todo = "kith renews 30 days ahead through Let's Encrypt: check that ports 80 and 443 reach it and that DNS points here; the log says why renewal fails"
		if len(files) == 0 {
			d.report("warn", "tls", "no certificate in "+cfg.CertCacheDir()+" yet", "kith obtains one when it first serves with ports 80 and 443 reachable; "+todo)
			return
		}
	default:
		d.report("ok", "tls", "tls = \"off\": plain HTTP, or TLS at a proxy in front (check its certificate there)", "")
		return
	}
	for _, f := range files {
		notAfter, subject, err := certExpiry(f)
		left := notAfter.Sub(now)
		switch {
		case err != nil:
			d.report("FAIL", "tls", err.Error(), todo)
		case left <= 0:
			d.report("FAIL", "tls", fmt.Sprintf("the certificate for %s in %s expired %s", subject, f, notAfter.UTC().Format(time.DateOnly)), todo)
		case left < certWarnBefore:
			d.report("warn", "tls", fmt.Sprintf("the certificate for %s in %s expires %s, in %d days", subject, f, notAfter.UTC().Format(time.DateOnly), int(left.Hours()/24)), todo)
		default:
			d.report("ok", "tls", fmt.Sprintf("certificate for %s valid until %s (%d days)", subject, notAfter.UTC().Format(time.DateOnly), int(left.Hours()/24)), "")
		}
	}
}

// certExpiry reads the first certificate of a PEM file (autocert's files
// start with the private key, then the chain).
func certExpiry(path string) (time.Time, string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return time.Time{}, "", fmt.Errorf("certificate file %s does not exist", path)
	}
	if err != nil {
		return time.Time{}, "", err
	}
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return time.Time{}, "", fmt.Errorf("%s holds no PEM certificate", path)
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return time.Time{}, "", fmt.Errorf("%s: %w", path, err)
		}
		name := cert.Subject.CommonName
		if len(cert.DNSNames) > 0 {
			name = strings.Join(cert.DNSNames, ", ")
		}
		return cert.NotAfter, name, nil
	}
}

// clock compares this server's clock with the Dates of the signed
// deliveries it received lately (federation records their median once a
// minute). Peers refuse signatures from a clock an hour off, and this
// server refuses theirs; well before that, posts sort wrong.
func (d *doctor) clock(ctx context.Context, cfg config.Config, now time.Time) {
	const ntp = "check that NTP keeps the clock right: timedatectl (\"System clock synchronized: yes\")"
	db, err := store.OpenReadOnly(ctx, cfg.DatabasePath())
	if err != nil {
		d.report("skip", "clock", "not checked: "+err.Error(), "")
		return
	}
	defer db.Close()
	v, err := db.Setting(ctx, federation.SettingClockSkew)
	if err != nil {
		d.report("skip", "clock", "not checked: no signed delivery received yet to compare with", ntp)
		return
	}
	m, err := federation.ParseClockSkew(v)
	if err != nil {
		d.report("skip", "clock", "not checked: "+err.Error(), "")
		return
	}
	off := m.Skew.Round(time.Second)
	found := fmt.Sprintf("%s off the Date of deliveries from %d server(s), measured %s ago", off, m.Hosts, now.Sub(m.At).Round(time.Minute))
	switch {
	case off > 30*time.Minute || off < -30*time.Minute:
		d.report("FAIL", "clock", found, ntp+"; an hour off, every signature fails both ways")
	case off > time.Minute || off < -time.Minute:
		d.report("warn", "clock", found, ntp)
	default:
		d.report("ok", "clock", found, "")
	}
}

package config

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Replication holds the [replication] table: where the database is
// streamed to while kith serves (Litestream, in-process), and the
// credentials of an S3-compatible replica.
type Replication struct {
	// URL is "s3://bucket/path" or "file:///path"; empty turns
	// replication off.
	URL string `toml:"url"`
	// SyncInterval is the longest a committed write waits before it is
	// sent to the replica, as a Go duration ("1s", "500ms").
	SyncInterval string `toml:"sync_interval"`
	// The S3 replica's endpoint (empty for AWS), region, keys and
	// addressing. secret_key_file, relative to the config file, keeps the
	// secret out of the config.
	Endpoint      string `toml:"endpoint"`
	Region        string `toml:"region"`
	AccessKey     string `toml:"access_key"`
	SecretKey     string `toml:"secret_key"`
	SecretKeyFile string `toml:"secret_key_file"`
	PathStyle     bool   `toml:"path_style"`
}

// DefaultSyncInterval is replication.sync_interval's default.
const DefaultSyncInterval = "1s"

// Enabled reports whether the config asks for a replica.
func (r Replication) Enabled() bool { return r.URL != "" }

// Interval is sync_interval parsed; only called on a checked config.
func (r Replication) Interval() time.Duration {
	d, err := time.ParseDuration(r.SyncInterval)
	if err != nil {
		d, _ = time.ParseDuration(DefaultSyncInterval)
	}
	return d
}

// Secret is the S3 secret key: secret_key, else the first line of
// secret_key_file.
func (r Replication) Secret() (string, error) {
	if r.SecretKey != "" || r.SecretKeyFile == "" {
		return r.SecretKey, nil
	}
	b, err := os.ReadFile(r.SecretKeyFile)
	if err != nil {
		return "", fmt.Errorf("replication.secret_key_file: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(line), nil
}

func (r Replication) problems() []Problem {
	var ps []Problem
	add := func(key, format string, args ...any) {
		ps = append(ps, Problem{key, fmt.Sprintf(format, args...)})
	}
	if d, err := time.ParseDuration(r.SyncInterval); err != nil || d < 10*time.Millisecond || d > time.Hour {
		add("replication.sync_interval", "%q must be a duration between 10ms and 1h, such as \"1s\"", r.SyncInterval)
	}
	if r.URL == "" {
		return ps
	}
	u, err := url.Parse(r.URL)
	switch {
	case err != nil:
		add("replication.url", "%q is not a URL: %v", r.URL, err)
	case u.Scheme == "file":
		if u.Host != "" || !strings.HasPrefix(u.Path, "/") || u.Path == "/" {
			add("replication.url", "%q must name an absolute directory, such as file:///var/backups/kith", r.URL)
		}
	case u.Scheme == "s3":
		if u.Host == "" {
			add("replication.url", "%q names no bucket: write s3://bucket/path", r.URL)
		}
		if u.RawQuery != "" || u.User != nil {
			add("replication.url", "%q: put the endpoint, region and keys in their own keys, not in the URL", r.URL)
		}
		if r.AccessKey == "" || (r.SecretKey == "" && r.SecretKeyFile == "") {
			add("replication.access_key", "an s3:// replica needs access_key and secret_key (or secret_key_file)")
		}
		if r.SecretKey != "" && r.SecretKeyFile != "" {
			add("replication.secret_key_file", "set secret_key or secret_key_file, not both")
		}
		if r.Endpoint != "" {
			if e, err := url.Parse(r.Endpoint); err != nil || (e.Scheme != "http" && e.Scheme != "https") || e.Host == "" {
				add("replication.endpoint", "%q is not an http:// or https:// URL", r.Endpoint)
			}
		}
	default:
		add("replication.url", "%q: the replica must be s3://bucket/path or file:///path", r.URL)
	}
	return ps
}

// resolve makes a relative secret_key_file relative to the config file's
// directory.
func (r *Replication) resolve(dir string) {
	if r.SecretKeyFile != "" && !filepath.IsAbs(r.SecretKeyFile) {
		r.SecretKeyFile = filepath.Join(dir, r.SecretKeyFile)
	}
}

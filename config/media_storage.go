package config

import (
	"fmt"
	"net/url"
	"os"
	"strings"
)

// storageProblems checks [media] storage and, when it is "s3", that
// [media.s3] names a bucket and credentials.
func (m Media) storageProblems() []Problem {
	var ps []Problem
	add := func(key, format string, args ...any) {
		ps = append(ps, Problem{key, fmt.Sprintf(format, args...)})
	}
	switch m.Storage {
	case StorageLocal:
	case StorageS3:
		s := m.S3
		if s.Bucket == "" {
			add("media.s3.bucket", `storage = "s3" needs a bucket`)
		}
		if s.AccessKey == "" {
			add("media.s3.access_key", `storage = "s3" needs access_key`)
		}
		if s.SecretKey == "" && s.SecretKeyFile == "" {
			add("media.s3.secret_key", `storage = "s3" needs secret_key or secret_key_file`)
		}
	default:
		add("media.storage", `%q is not "local" or "s3"`, m.Storage)
	}
	if m.S3.SecretKey != "" && m.S3.SecretKeyFile != "" {
		add("media.s3.secret_key_file", "set secret_key or secret_key_file, not both")
	}
	for _, u := range []struct{ key, v string }{{"media.s3.endpoint", m.S3.Endpoint}, {"media.s3.public_url", m.S3.PublicURL}} {
		if u.v == "" {
			continue
		}
		p, err := url.Parse(u.v)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.RawQuery != "" {
			add(u.key, "%q is not an http(s) URL", u.v)
		}
	}
	return ps
}

// S3Secret is the secret key of [media.s3]: secret_key, or the first line
// of secret_key_file.
func (s MediaS3) S3Secret() (string, error) {
	if s.SecretKeyFile == "" {
		return s.SecretKey, nil
	}
	b, err := os.ReadFile(s.SecretKeyFile)
	if err != nil {
		return "", fmt.Errorf("media.s3.secret_key_file: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(line), nil
}

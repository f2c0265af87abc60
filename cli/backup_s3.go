package cli

import (
	"context"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"kith/config"
	"kith/media"
)

// Backups to object storage: kith backup s3://bucket/prefix writes the
// same archive to a bucket, kith backup --list s3://bucket/prefix lists
// what is there, and kith restore and kith backup --verify take an
// s3://bucket/key of an archive. The endpoint, region, path style and
// keys are [media.s3]'s (the bucket is the URL's); the environment's
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_ENDPOINT_URL, when
// set, take precedence, so backups can go to another account than media.

// s3Location is a parsed s3://bucket/key.
type s3Location struct{ bucket, key string }

// parseS3URL reads s3://bucket/key (the key may be empty or a prefix).
func parseS3URL(raw string) (s3Location, bool) {
	rest, ok := strings.CutPrefix(raw, "s3://")
	if !ok {
		return s3Location{}, false
	}
	bucket, key, _ := strings.Cut(rest, "/")
	if bucket == "" {
		return s3Location{}, false
	}
	return s3Location{bucket, key}, true
}

func (l s3Location) String() string { return "s3://" + l.bucket + "/" + l.key }

// backupBucket is the bucket of an s3:// URL, with [media.s3]'s
// endpoint and keys (or the environment's).
func backupBucket(ctx context.Context, cfg config.Config, l s3Location) (*media.S3, error) {
	o, err := media.S3OptionsFrom(cfg.Media.S3)
	if err != nil {
		return nil, err
	}
	o.Bucket, o.Prefix = l.bucket, ""
	for env, v := range map[string]*string{"AWS_ACCESS_KEY_ID": &o.AccessKey, "AWS_SECRET_ACCESS_KEY": &o.SecretKey, "AWS_ENDPOINT_URL": &o.Endpoint} {
		if s := os.Getenv(env); s != "" {
			*v = s
		}
	}
	if o.AccessKey == "" || o.SecretKey == "" {
		return nil, fmt.Errorf("%s: no S3 keys: set [media.s3] access_key and secret_key, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", l)
	}
	b := media.NewS3(o)
	if err := b.Check(ctx); err != nil {
		return nil, err
	}
	return b, nil
}

// backupKey is where a new archive goes: the URL's key when it names a
// .tar.gz, else kith-backup-DATE.tar.gz under it.
func backupKey(l s3Location, now time.Time) string {
	if strings.HasSuffix(l.key, ".tar.gz") {
		return l.key
	}
	prefix := l.key
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return prefix + "kith-backup-" + now.UTC().Format("20060102-150405") + ".tar.gz"
}

// uploadBackup sends a finished archive to the bucket, in parts when it
// is large.
func uploadBackup(ctx context.Context, b *media.S3, file, key string) (int64, error) {
	f, err := os.Open(file)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), b.PutFile(ctx, key, f, "application/gzip", 0)
}

// listBackups prints the archives under a prefix, oldest first.
func listBackups(ctx context.Context, c stdio, b *media.S3, l s3Location) error {
	var found []media.Info
	err := b.Walk(ctx, l.key, func(i media.Info) error {
		if strings.HasSuffix(i.Name, ".tar.gz") {
			found = append(found, i)
		}
		return nil
	})
	if err != nil {
		return err
	}
	slices.SortFunc(found, func(a, b media.Info) int { return a.ModTime.Compare(b.ModTime) })
	for _, i := range found {
		fmt.Fprintf(c.stdout, "%s  %9s  s3://%s/%s\n", i.ModTime.UTC().Format("2006-01-02 15:04"), humanBytes(i.Size), l.bucket, i.Name)
	}
	if len(found) == 0 {
		fmt.Fprintf(c.stdout, "no backups under %s\n", l)
	}
	return nil
}

// localArchive is where kith backup writes an archive bound for S3
// first: beside the data directory's files, named so that a backup does
// not take it in (a dot name).
func localArchive(cfg config.Config, key string) string {
	return path.Join(cfg.Server.DataDir, ".upload-"+path.Base(key))
}

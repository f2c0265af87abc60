package media

import (
	"context"
	"strings"

	"kith/config"
)

// S3OptionsFrom reads [media.s3] (the secret key from secret_key_file if
// it names one).
func S3OptionsFrom(c config.MediaS3) (S3Options, error) {
	secret, err := c.S3Secret()
	if err != nil {
		return S3Options{}, err
	}
	return S3Options{Endpoint: c.Endpoint, Region: c.Region, Bucket: c.Bucket, Prefix: c.Prefix,
		AccessKey: c.AccessKey, SecretKey: secret, PathStyle: c.PathStyle}, nil
}

// OpenStore is the Store [media] storage names: the data directory's
// media/ or the bucket of [media.s3]. It sends nothing; see CheckStore.
func OpenStore(cfg config.Config) (Store, error) {
	if cfg.Media.Storage != config.StorageS3 {
		return Dir(cfg.MediaDir()), nil
	}
	o, err := S3OptionsFrom(cfg.Media.S3)
	if err != nil {
		return nil, err
	}
	return NewS3(o), nil
}

// CheckStore tries a store once: an S3 bucket is asked for (HeadBucket),
// so that wrong credentials or a missing bucket are one clear error at
// start rather than a failure at every upload.
func CheckStore(ctx context.Context, s Store) error {
	if b, ok := s.(*S3); ok {
		return b.Check(ctx)
	}
	return nil
}

// PublicURL is where anyone reads a stored file when [media.s3]
// public_url is set (a CDN or the bucket's public address): public_url,
// then the object's key. Empty when it is not set or storage is local.
func PublicURL(cfg config.Config, name string) string {
	if cfg.Media.Storage != config.StorageS3 || cfg.Media.S3.PublicURL == "" {
		return ""
	}
	return strings.TrimRight(cfg.Media.S3.PublicURL, "/") + "/" + cfg.Media.S3.Prefix + name
}

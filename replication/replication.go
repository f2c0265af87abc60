// Package replication streams kith's database to a replica while kith
// serves, and rebuilds a data directory from one. The streaming is
// Litestream's, embedded as a library: it reads the SQLite WAL as kith
// commits, writes each batch of changes as an LTX file beside the
// database, sends those files to the replica (a directory, or an
// S3-compatible bucket) at most sync_interval apart, compacts them there
// into coarser levels, and restores the newest state or the state at a
// given time. Litestream also takes over checkpointing: kith's own
// connections stop checkpointing (store.Options.ExternalCheckpoints) so
// that no WAL frame is moved into the database before Litestream read it.
//
// What the database does not hold, the config file with the files it names
// and the ACME certificates, is copied into it (files.go) so the replica
// carries it and a restore rebuilds a data directory that starts.
package replication

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/benbjohnson/litestream"
	"github.com/benbjohnson/litestream/file"

	"kith/config"
	"kith/s3"
)

// Options say where the replica is and how often it is written.
type Options struct {
	// URL is s3://bucket/path or file:///path.
	URL string
	// SyncInterval is the longest a commit waits before it is sent.
	SyncInterval time.Duration
	// The S3 replica's service and keys (unused for file://).
	Endpoint, Region, AccessKey, SecretKey string
	PathStyle                              bool
}

// FromConfig reads the [replication] table (and its secret key file).
func FromConfig(r config.Replication) (Options, error) {
	secret, err := r.Secret()
	if err != nil {
		return Options{}, err
	}
	return Options{URL: r.URL, SyncInterval: r.Interval(), Endpoint: r.Endpoint, Region: r.Region,
		AccessKey: r.AccessKey, SecretKey: secret, PathStyle: r.PathStyle}, nil
}

// Where names the replica for logs and messages, without credentials.
func (o Options) Where() string {
	if o.Endpoint != "" {
		return o.URL + " at " + o.Endpoint
	}
	return o.URL
}

// client builds Litestream's client for the replica URL.
func (o Options) client(logger *slog.Logger) (litestream.ReplicaClient, error) {
	u, err := url.Parse(o.URL)
	if err != nil {
		return nil, fmt.Errorf("replica %q: %w", o.URL, err)
	}
	switch u.Scheme {
	case "file":
		if u.Path == "" || !strings.HasPrefix(u.Path, "/") {
			return nil, fmt.Errorf("replica %q: a file:// replica names an absolute directory", o.URL)
		}
		c := file.NewReplicaClient(path.Clean(u.Path))
		c.SetLogger(logger)
		return c, nil
	case "s3":
		if u.Host == "" {
			return nil, fmt.Errorf("replica %q names no bucket", o.URL)
		}
		c := s3.New(s3.Config{Endpoint: o.Endpoint, Region: o.Region, Bucket: u.Host,
			AccessKey: o.AccessKey, SecretKey: o.SecretKey, PathStyle: o.PathStyle})
		return &s3Replica{client: c, root: strings.Trim(u.Path, "/"), logger: logger}, nil
	}
	return nil, fmt.Errorf("replica %q: kith replicates to s3:// or file:// URLs", o.URL)
}

// check lists the replica once, so that wrong keys, a missing bucket or
// a directory kith cannot use are found at start, with the replica's own
// words. A replica that cannot be reached at all is not refused here: the
// network may come back, and Litestream catches up when it does.
func check(ctx context.Context, c litestream.ReplicaClient, o Options) error {
	if err := c.Init(ctx); err != nil {
		return fmt.Errorf("replica %s: %w", o.Where(), err)
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	itr, err := c.LTXFiles(ctx, 0, 0, false)
	if err == nil {
		for itr.Next() {
		}
		err = errors.Join(itr.Err(), itr.Close())
	}
	if err == nil {
		return nil
	}
	var se *s3.Error
	if errors.As(err, &se) && refusals[se.Code] {
		return fmt.Errorf("replica %s refuses kith: %s: %s (check replication.access_key, the secret key and the bucket's name)",
			o.Where(), se.Code, se.Message)
	}
	if o.URL != "" && strings.HasPrefix(o.URL, "file:") {
		return fmt.Errorf("replica %s: %w", o.Where(), err)
	}
	return errUnreachable{err}
}

// refusals are the S3 error codes that waiting will not cure: wrong keys,
// a bucket that is not there or not this key's. Any other answer (a 503,
// a timeout) is taken as an outage.
var refusals = map[string]bool{
	"InvalidAccessKeyId": true, "SignatureDoesNotMatch": true, "AccessDenied": true,
	"NoSuchBucket": true, "InvalidBucketName": true, "AuthorizationHeaderMalformed": true,
	"PermanentRedirect": true, "AllAccessDisabled": true, "InvalidToken": true, "ExpiredToken": true,
}

// errUnreachable is a replica that did not answer at start.
type errUnreachable struct{ err error }

func (e errUnreachable) Error() string { return "replica unreachable: " + e.err.Error() }
func (e errUnreachable) Unwrap() error { return e.err }

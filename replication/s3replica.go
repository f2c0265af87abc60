package replication

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"sync"
	"time"

	"github.com/benbjohnson/litestream"
	"github.com/superfly/ltx"

	"kith/s3"
)

// s3Replica is Litestream's replica client for an S3 bucket, on kith's
// own S3 client. It keeps the layout Litestream's S3 client writes, so a
// replica made by either is read by the other: the LTX files of a level
// are PATH/LLLL/MINTXID-MAXTXID.ltx (the level in four hex digits), and
// each carries the time in its LTX header as the object's
// litestream-timestamp metadata.
type s3Replica struct {
	client *s3.Client
	root   string // the replica's path in the bucket, without slashes around
	logger *slog.Logger
}

var _ litestream.ReplicaClient = (*s3Replica)(nil)

// timestampKey names the metadata that holds an LTX file's time.
const timestampKey = "litestream-timestamp"

// headsInFlight is how many objects' metadata a timestamp restore reads
// at once.
const headsInFlight = 8

func (r *s3Replica) Type() string { return "s3" }

// Init does nothing: the client sends nothing until asked (check lists
// the replica at start).
func (r *s3Replica) Init(context.Context) error { return nil }

func (r *s3Replica) SetLogger(l *slog.Logger) { r.logger = l }

// Note: Litestream's S3 client joins the path and the level with a
// slash even when the path is empty, so a replica at the bucket's root
// has keys that begin with "/". Kept, for the replicas it wrote.
func (r *s3Replica) levelPrefix(level int) string {
	return r.root + "/" + fmt.Sprintf("%04x/", level)
}

func (r *s3Replica) key(level int, minTXID, maxTXID ltx.TXID) string {
	return r.levelPrefix(level) + ltx.FormatFilename(minTXID, maxTXID)
}

// LTXFiles lists a level's LTX files from the first whose MinTXID is at
// least seek. With useMetadata, each file's time is its metadata's (the
// time of its transaction, which a restore to a point in time needs),
// else the object's upload time.
func (r *s3Replica) LTXFiles(ctx context.Context, level int, seek ltx.TXID, useMetadata bool) (ltx.FileIterator, error) {
	prefix := r.levelPrefix(level)
	startAfter := ""
	if seek > 0 {
		startAfter = prefix + seek.String() // sorts before every name that begins with it
	}
	var infos []*ltx.FileInfo
	var keys []string
	err := r.client.List(ctx, prefix, startAfter, func(o s3.Info) error {
		minTXID, maxTXID, err := ltx.ParseFilename(path.Base(o.Key))
		if err != nil || minTXID < seek {
			return nil // not an LTX file
		}
		infos = append(infos, &ltx.FileInfo{Level: level, MinTXID: minTXID, MaxTXID: maxTXID, Size: o.Size, CreatedAt: o.Modified.UTC()})
		keys = append(keys, o.Key)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if useMetadata {
		if err := r.readTimestamps(ctx, infos, keys); err != nil {
			return nil, err
		}
	}
	return ltx.NewFileInfoSliceIterator(infos), nil
}

// readTimestamps sets each file's time from its metadata, where it has
// one.
func (r *s3Replica) readTimestamps(ctx context.Context, infos []*ltx.FileInfo, keys []string) error {
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range min(headsInFlight, len(infos)) {
		wg.Go(func() {
			for i := range next {
				o, err := r.client.Head(ctx, keys[i])
				if err != nil {
					if !errors.Is(err, fs.ErrNotExist) { // compacted away since the listing
						mu.Lock()
						firstErr = cmp.Or(firstErr, err)
						mu.Unlock()
					}
					continue
				}
				if t, err := time.Parse(time.RFC3339Nano, o.Metadata[timestampKey]); err == nil {
					infos[i].CreatedAt = t.UTC()
				}
			}
		})
	}
	for i := range infos {
		select {
		case next <- i:
		case <-ctx.Done():
		}
	}
	close(next)
	wg.Wait()
	return cmp.Or(firstErr, ctx.Err())
}

// OpenLTXFile reads an LTX file from offset: size bytes, or to its end
// when size is 0. A file that is not there is os.ErrNotExist.
func (r *s3Replica) OpenLTXFile(ctx context.Context, level int, minTXID, maxTXID ltx.TXID, offset, size int64) (io.ReadCloser, error) {
	body, _, err := r.client.Get(ctx, r.key(level, minTXID, maxTXID), s3.GetOptions{Offset: offset, Length: size})
	if errors.Is(err, fs.ErrNotExist) {
		return nil, os.ErrNotExist
	}
	return body, err
}

// WriteLTXFile uploads an LTX file, with the time of its header as
// metadata.
func (r *s3Replica) WriteLTXFile(ctx context.Context, level int, minTXID, maxTXID ltx.TXID, rd io.Reader) (*ltx.FileInfo, error) {
	hdr, rd, err := ltx.PeekHeader(rd)
	if err != nil {
		return nil, fmt.Errorf("read the LTX header: %w", err)
	}
	at := time.UnixMilli(hdr.Timestamp).UTC()
	meta := map[string]string{timestampKey: at.Format(time.RFC3339Nano)}
	n, err := r.client.PutReader(ctx, r.key(level, minTXID, maxTXID), rd, -1, s3.PutOptions{ContentType: "application/octet-stream", Metadata: meta})
	if err != nil {
		return nil, err
	}
	return &ltx.FileInfo{Level: level, MinTXID: minTXID, MaxTXID: maxTXID, Size: n, CreatedAt: at}, nil
}

// DeleteLTXFiles removes LTX files, a thousand per request.
func (r *s3Replica) DeleteLTXFiles(ctx context.Context, a []*ltx.FileInfo) error {
	keys := make([]string, len(a))
	for i, info := range a {
		keys[i] = r.key(info.Level, info.MinTXID, info.MaxTXID)
	}
	if len(keys) > 0 && r.logger != nil {
		r.logger.Debug("deleting LTX files from the replica", "count", len(keys), "first", keys[0])
	}
	return r.client.DeleteKeys(ctx, keys)
}

// DeleteAll removes everything under the replica's path.
func (r *s3Replica) DeleteAll(ctx context.Context) error {
	var keys []string
	err := r.client.List(ctx, r.root+"/", "", func(o s3.Info) error {
		keys = append(keys, o.Key)
		return nil
	})
	if err != nil {
		return err
	}
	return r.client.DeleteKeys(ctx, keys)
}

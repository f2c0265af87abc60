package replication

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"github.com/superfly/ltx"

	"kith/s3"
	s3test "kith/tests/s3"
)

// ltxFile encodes a one-page LTX file of transactions minTXID to maxTXID,
// written at the time at.
func ltxFile(t *testing.T, minTXID, maxTXID ltx.TXID, at time.Time) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc, err := ltx.NewEncoder(&buf)
	if err != nil {
		t.Fatal(err)
	}
	hdr := ltx.Header{Version: ltx.Version, Flags: ltx.HeaderFlagNoChecksum, PageSize: 4096, Commit: 1,
		MinTXID: minTXID, MaxTXID: maxTXID, Timestamp: at.UnixMilli()}
	if err := enc.EncodeHeader(hdr); err != nil {
		t.Fatal(err)
	}
	if err := enc.EncodePage(ltx.PageHeader{Pgno: 1}, bytes.Repeat([]byte{byte(maxTXID)}, 4096)); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestS3Replica writes, lists, reads and deletes LTX files in a real S3
// server (versitygw), in Litestream's S3 layout.
func TestS3Replica(t *testing.T) {
	// At the bucket's root, Litestream's keys begin with a slash, which
	// S3 keeps and versitygw's file backend does not: only the key is
	// checked there.
	if got := (&s3Replica{}).key(2, 1, 3); got != "/0002/0000000000000001-0000000000000003.ltx" {
		t.Errorf("a key at the bucket's root: %q", got)
	}
	srv := s3test.Start(t, "replica")
	ctx := context.Background()
	for _, root := range []string{"alice", "kith/alice"} {
		r := &s3Replica{root: root, client: s3.New(s3.Config{Endpoint: srv.Endpoint(), Region: s3test.Region, Bucket: "replica",
			AccessKey: s3test.AccessKey, SecretKey: s3test.SecretKey, PathStyle: true})}
		// The time in an LTX header is its transaction's; the upload's
		// time is later.
		written := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		files := map[ltx.TXID][]byte{}
		for _, txid := range []ltx.TXID{1, 2, 3} {
			files[txid] = ltxFile(t, txid, txid, written.Add(time.Duration(txid)*time.Minute))
			info, err := r.WriteLTXFile(ctx, 0, txid, txid, bytes.NewReader(files[txid]))
			if err != nil {
				t.Fatal(err)
			}
			if info.Size != int64(len(files[txid])) || !info.CreatedAt.Equal(written.Add(time.Duration(txid)*time.Minute)) {
				t.Errorf("root %q: wrote %+v", root, info)
			}
		}
		if _, err := r.WriteLTXFile(ctx, 1, 1, 3, bytes.NewReader(ltxFile(t, 1, 3, written))); err != nil {
			t.Fatal(err)
		}
		// Litestream's S3 layout: PATH/LLLL/MIN-MAX.ltx.
		key := root + "/0000/0000000000000002-0000000000000002.ltx"
		if got, err := os.ReadFile(srv.ObjectPath("replica", key)); err != nil || !bytes.Equal(got, files[2]) {
			t.Errorf("root %q: object %s: %d bytes, %v", root, key, len(got), err)
		}

		list := func(level int, seek ltx.TXID, meta bool) []*ltx.FileInfo {
			t.Helper()
			itr, err := r.LTXFiles(ctx, level, seek, meta)
			if err != nil {
				t.Fatal(err)
			}
			defer itr.Close()
			var out []*ltx.FileInfo
			for itr.Next() {
				out = append(out, itr.Item())
			}
			return out
		}
		// Without metadata, a file's time is its upload's, not its header's.
		if got := list(0, 2, false); len(got) != 2 || got[0].MinTXID != 2 || got[1].MinTXID != 3 || got[0].CreatedAt.Equal(written.Add(2*time.Minute)) {
			t.Errorf("root %q: level 0 from txid 2: %v", root, got)
		}
		got := list(0, 0, true)
		if len(got) != 3 {
			t.Fatalf("root %q: level 0: %v", root, got)
		}
		for _, info := range got {
			if want := written.Add(time.Duration(info.MinTXID) * time.Minute); !info.CreatedAt.Equal(want) {
				t.Errorf("root %q: %v has the time %v, want its header's %v", root, info, info.CreatedAt, want)
			}
		}
		if got := list(1, 0, false); len(got) != 1 || got[0].MaxTXID != 3 {
			t.Errorf("root %q: level 1: %v", root, got)
		}

		rc, err := r.OpenLTXFile(ctx, 0, 3, 3, 100, 10)
		if err != nil {
			t.Fatal(err)
		}
		part, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(part, files[3][100:110]) {
			t.Errorf("root %q: a range of an LTX file: %x", root, part)
		}
		if _, err := r.OpenLTXFile(ctx, 0, 9, 9, 0, 0); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("root %q: a missing LTX file: %v", root, err)
		}

		if err := r.DeleteLTXFiles(ctx, got[:2]); err != nil {
			t.Fatal(err)
		}
		if got := list(0, 0, false); len(got) != 1 || got[0].MinTXID != 3 {
			t.Errorf("root %q: after deleting two: %v", root, got)
		}
		if err := r.DeleteAll(ctx); err != nil {
			t.Fatal(err)
		}
		if got := append(list(0, 0, false), list(1, 0, false)...); len(got) != 0 {
			t.Errorf("root %q: after DeleteAll: %v", root, got)
		}
	}
}

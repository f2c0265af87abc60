package media

import (
	"context"
	"errors"
	"io"
	"time"
)

// ErrStorageUnavailable means the media storage could not be reached or
// failed (an S3 service down, refusing the credentials, out of space):
// nothing was stored, and trying again later may work. The server answers
// it with 503.
var ErrStorageUnavailable = errors.New("media storage unavailable")

// Store is where media files are kept: the one door every file of kith's
// goes through (uploads and their previews, avatars, headers, emoji, the
// remote media cache), so that the local directory and an S3 bucket are
// interchangeable. Names are slash-separated and relative ("ab12.png",
// "remote/3f/3f....jpg"). A missing file is fs.ErrNotExist; a storage that
// cannot be reached is ErrStorageUnavailable.
type Store interface {
	// Put stores r's bytes under name, replacing any file of that name,
	// and returns how many there were. size is r's length if known (-1
	// if not). A reader never sees part of a file, and a failed Put
	// leaves nothing behind.
	Put(ctx context.Context, name string, r io.Reader, size int64, contentType string) (int64, error)
	// Open opens a file for reading.
	Open(ctx context.Context, name string) (File, error)
	// Stat describes a file.
	Stat(ctx context.Context, name string) (Info, error)
	// Delete removes a file; a file already gone is not an error.
	Delete(ctx context.Context, name string) error
	// Walk calls fn for every file whose name starts with prefix (""
	// for all), in no particular order, skipping writes in progress.
	Walk(ctx context.Context, prefix string, fn func(Info) error) error
	// String names the storage for messages: "local /srv/kith/media",
	// "s3 bucket/prefix".
	String() string
}

// File is an open stored file. Reads may go over the network: Seek is
// free, and a read after it starts at the new offset.
type File interface {
	io.ReadSeekCloser
	io.ReaderAt
	Info() Info
}

// Info describes a stored file.
type Info struct {
	Name    string
	Size    int64
	ModTime time.Time
	// ETag is the S3 entity tag (quoted, as S3 sends it); empty for a
	// local file.
	ETag string
}

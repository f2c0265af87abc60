package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"time"

	"kith/media"
	"kith/store"
)

const (
	// maxUploadBytes is the largest file accepted (Mastodon's image limit).
	MaxUploadBytes = media.MaxUploadBytes
	// maxUploadPixels is Mastodon's image_matrix_limit (7680×4320).
	MaxUploadPixels = media.MaxUploadPixels
	// maxMediaDescription is the longest alt text, as in Mastodon.
	MaxMediaDescription = 1500
)

// UploadSlots bounds how many uploads are processed at once: a decoded
// photo is large, and the machine is small.
type UploadSlots chan struct{}

// ParseFocus reads Mastodon's focal point "x,y", each in [-1, 1].
func ParseFocus(v string) (float64, float64, error) {
	x, y, err := media.ParseFocus(v)
	if err != nil {
		return 0, 0, Refuse(http.StatusUnprocessableEntity, "Validation failed: "+err.Error())
	}
	return x, y, nil
}

// processedMedia is an upload turned into files: the attachment row to
// store and its files' names under the media directory.
type processedMedia struct {
	store.Attachment
	Path        string
	PreviewPath string
}

// mediaError turns the media package's refusals into the answers
// Mastodon gives (422 with its wording); other errors pass through.
func mediaError(err error, what string, l media.Limits) error {
	msg := ""
	switch {
	case errors.Is(err, media.ErrTooLarge):
		msg = fmt.Sprintf("%s is larger than %d MB", what, l.MaxBytes>>20)
	case errors.Is(err, media.ErrUnsupportedType) && what == "File":
		msg = what + " must be a JPEG, PNG, GIF or WebP image, an MP4 (H.264, AAC) or WebM video, or MP3, Ogg or M4A audio"
	case errors.Is(err, media.ErrUnsupportedType):
		msg = what + " must be a JPEG, PNG, GIF or WebP image"
	case errors.Is(err, media.ErrTooManyPixels):
		msg = fmt.Sprintf("%s has more than %d pixels", what, l.MaxPixels)
	default:
		return err
	}
	return Refuse(http.StatusUnprocessableEntity, "Validation failed: "+msg)
}

// readUpload reads a multipart file, refusing one over max bytes before
// reading it when its size is known.
func readUpload(fh *multipart.FileHeader, max int64) ([]byte, error) {
	if fh.Size > max {
		return nil, fmt.Errorf("%d bytes: %w", fh.Size, media.ErrTooLarge)
	}
	f, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("open upload: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("read upload: %w", err)
	}
	return data, nil
}

// StoreUpload checks, processes and writes an uploaded image (see
// media.Process; the original is never written to disk), or a video or
// audio file (see storeAV).
func (s *Env) StoreUpload(ctx context.Context, fh *multipart.FileHeader) (processedMedia, error) {
	if m, ok, err := s.storeAV(ctx, fh); ok {
		return m, err
	}
	l := media.UploadLimits
	data, err := readUpload(fh, l.MaxBytes)
	if err != nil {
		return processedMedia{}, mediaError(err, "File", l)
	}
	p, err := media.Process(data, fh.Header.Get("Content-Type"), l)
	if err != nil {
		return processedMedia{}, mediaError(err, "File", l)
	}
	saved, err := s.MediaFiles().Save(ctx, p)
	if err != nil {
		return processedMedia{}, err
	}
	return processedMedia{
		Attachment: store.Attachment{URL: s.Config().Server.URL + "/media/" + saved.Path, MediaType: p.Original.ContentType,
			Width: p.Original.Width, Height: p.Original.Height, Blurhash: p.Blurhash},
		Path: saved.Path, PreviewPath: saved.ThumbnailPath,
	}, nil
}

const (
	// idempotencyWindow is how long an Idempotency-Key returns the post
	// it made, as Mastodon.
	IdempotencyWindow = time.Hour
	// minScheduleAhead is how far ahead a post may be scheduled, as
	// Mastodon.
	MinScheduleAhead = 5 * time.Minute
	// statusMediaMax is how many files a post may carry.
	StatusMediaMax = 4
	// Thread limits for /context.
	ContextAncestors   = 40
	ContextDescendants = 500
	// contextFetchTimeout bounds fetching a remote post's replies before
	// answering /context; what does not arrive in time is left for later.
	ContextFetchTimeout = 3 * time.Second
)

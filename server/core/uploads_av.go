package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"

	"kith/media"
	"kith/store"
)

// AVLimits are the configured limits of video and audio uploads.
func (s *Env) AVLimits() media.AVLimits {
	m := s.Config().Media
	return media.AVLimits{VideoMaxBytes: m.VideoMaxBytes, AudioMaxBytes: m.AudioMaxBytes,
		VideoMaxSeconds: float64(m.VideoMaxSeconds), AudioMaxSeconds: float64(m.AudioMaxSeconds)}
}

// MaxUploadFile is the largest upload of any kind.
func (s *Env) MaxUploadFile() int64 { return max(MaxUploadBytes, s.AVLimits().MaxBytes()) }

// storeAV stores an uploaded video or audio file, if the upload is one
// (ok false otherwise, for the image path). The file is kept as sent,
// copied from the request's spool (never held in memory whole), after
// media.CheckAV read its container. A video gets a preview from its
// first frame when ffmpeg is on the PATH, a grey one when it is not.
func (s *Env) storeAV(ctx context.Context, fh *multipart.FileHeader) (m processedMedia, ok bool, err error) {
	f, err := fh.Open()
	if err != nil {
		return processedMedia{}, false, nil // the image path reports it
	}
	defer f.Close()
	head := make([]byte, 16)
	n, _ := io.ReadFull(f, head)
	if !media.SniffAV(head[:n]) {
		return processedMedia{}, false, nil
	}
	l := s.AVLimits()
	info, err := media.CheckAV(f, fh.Size, l)
	if err != nil {
		return processedMedia{}, true, avError(err, l)
	}
	files := s.MediaFiles()
	name := media.NewName()
	m = processedMedia{Path: name + info.Ext}
	if _, err := files.Store.Put(ctx, m.Path, io.NewSectionReader(f, 0, fh.Size), fh.Size, info.ContentType); err != nil {
		return processedMedia{}, true, err
	}
	base := s.Config().Server.URL + "/media/"
	m.Attachment = store.Attachment{URL: base + m.Path, MediaType: info.ContentType, Width: info.Width, Height: info.Height}
	if !info.Video {
		return m, true, nil
	}
	local, done, err := files.LocalCopy(ctx, m.Path)
	if err != nil {
		s.RemoveMedia([]string{m.Path})
		return processedMedia{}, true, err
	}
	preview, hash, fromFrame, err := media.VideoPreview(ctx, local, info, media.UploadLimits.ThumbSide)
	done()
	if !fromFrame {
		s.Logger.Info("video preview is a placeholder", "file", m.Path, "err", err)
	}
	if preview.Data == nil {
		return m, true, nil
	}
	m.PreviewPath = name + "_small" + preview.Ext
	if err := files.Write(ctx, m.PreviewPath, preview.Data); err != nil {
		s.RemoveMedia([]string{m.Path})
		return processedMedia{}, true, err
	}
	m.Blurhash = hash
	return m, true, nil
}

// avError turns a refused video or audio file into a 422 with Mastodon's
// wording; other errors pass through.
func avError(err error, l media.AVLimits) error {
	switch {
	case errors.Is(err, media.ErrTooLong):
		return Refuse(http.StatusUnprocessableEntity, fmt.Sprintf(
			"Validation failed: File is too long (videos last at most %.0f seconds, audio %.0f seconds)", l.VideoMaxSeconds, l.AudioMaxSeconds))
	case errors.Is(err, media.ErrTooLarge):
		return Refuse(http.StatusUnprocessableEntity, fmt.Sprintf(
			"Validation failed: File is larger than %d MB (videos) or %d MB (audio)", l.VideoMaxBytes>>20, l.AudioMaxBytes>>20))
	}
	return mediaError(err, "File", media.UploadLimits)
}

package server

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"

	"kith/media"
	"kith/store"
)

// Media uploads: POST /api/v1/media and /api/v2/media, GET and PUT
// /api/v1/media/{id}. The files are served by handleMediaFile.
//
// The media package checks and re-encodes each upload (see
// media.Process); this file is the HTTP side.
//
// Processing is synchronous, one upload at a time, and the answer is 200
// with the finished attachment: the server does not hold the job runner,
// so the queue is not reachable from here. GIFs are kept as sent (they
// carry no EXIF, and re-encoding would lose the animation); only their
// first frame is decoded, for the preview.

const (
	// maxUploadBytes is the largest file accepted (Mastodon's image limit).
	maxUploadBytes = media.MaxUploadBytes
	// maxUploadBody is the request body cap for upload routes: the file
	// plus room for the other form fields, so a file just over the limit
	// gets a clear 422 rather than a cut-off body.
	maxUploadBody = maxUploadBytes + 1<<20
	// maxUploadPixels is Mastodon's image_matrix_limit (7680×4320).
	maxUploadPixels = media.MaxUploadPixels
	// maxMediaDescription is the longest alt text, as in Mastodon.
	maxMediaDescription = 1500
)

// uploadSlots bounds how many uploads are processed at once: a decoded
// photo is large, and the machine is small.
type uploadSlots chan struct{}

// handleUploadMedia answers POST /api/v1/media and /api/v2/media.
func (s *Server) handleUploadMedia(slots uploadSlots) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := params(r)
		if err != nil {
			s.apiFail(w, r, err)
			return
		}
		description := p.String("description")
		if len([]rune(description)) > maxMediaDescription {
			apiError(w, http.StatusUnprocessableEntity, "Validation failed: Description is too long (maximum is 1500 characters)")
			return
		}
		fx, fy, err := parseFocus(p.String("focus"))
		if err != nil {
			s.apiFail(w, r, err)
			return
		}
		var fh *multipart.FileHeader
		if r.MultipartForm != nil && len(r.MultipartForm.File["file"]) > 0 {
			fh = r.MultipartForm.File["file"][0]
		}
		if fh == nil {
			apiError(w, http.StatusUnprocessableEntity, "Validation failed: File can't be blank")
			return
		}
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
		case <-r.Context().Done():
			return
		}
		a, err := s.storeUpload(fh)
		if err != nil {
			s.apiFail(w, r, err)
			return
		}
		a.Description, a.FocusX, a.FocusY = description, fx, fy
		var id int64
		err = s.db.InTx(r.Context(), func(tx *store.Tx) error {
			id, err = tx.CreateUpload(r.Context(), store.Upload{Attachment: a.Attachment, Path: a.path, State: store.UploadReady})
			return err
		})
		if err != nil {
			s.removeMedia([]string{a.path, a.previewPath})
			s.apiFail(w, r, err)
			return
		}
		u, err := s.db.UploadByID(r.Context(), id)
		if err != nil {
			s.apiFail(w, r, err)
			return
		}
		writeAPI(w, http.StatusOK, s.apiUploadOf(u))
	}
}

// parseFocus reads Mastodon's focal point "x,y", each in [-1, 1].
func parseFocus(v string) (float64, float64, error) {
	x, y, err := media.ParseFocus(v)
	if err != nil {
		return 0, 0, &userError{http.StatusUnprocessableEntity, "Validation failed: " + err.Error()}
	}
	return x, y, nil
}

// processedMedia is an upload turned into files: the attachment row to
// store and its files' names under the media directory.
type processedMedia struct {
	store.Attachment
	path        string
	previewPath string
}

// mediaError turns the media package's refusals into the answers
// Mastodon gives (422 with its wording); other errors pass through.
func mediaError(err error, what string, l media.Limits) error {
	msg := ""
	switch {
	case errors.Is(err, media.ErrTooLarge):
		msg = fmt.Sprintf("%s is larger than %d MB", what, l.MaxBytes>>20)
	case errors.Is(err, media.ErrUnsupportedType):
		msg = what + " must be a JPEG, PNG, GIF or WebP image"
	case errors.Is(err, media.ErrTooManyPixels):
		msg = fmt.Sprintf("%s has more than %d pixels", what, l.MaxPixels)
	default:
		return err
	}
	return &userError{http.StatusUnprocessableEntity, "Validation failed: " + msg}
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

// storeUpload checks, processes and writes an uploaded image (see
// media.Process). The original is never written to disk.
func (s *Server) storeUpload(fh *multipart.FileHeader) (processedMedia, error) {
	l := media.UploadLimits
	data, err := readUpload(fh, l.MaxBytes)
	if err != nil {
		return processedMedia{}, mediaError(err, "File", l)
	}
	p, err := media.Process(data, fh.Header.Get("Content-Type"), l)
	if err != nil {
		return processedMedia{}, mediaError(err, "File", l)
	}
	saved, err := s.mediaFiles().Save(p)
	if err != nil {
		return processedMedia{}, err
	}
	return processedMedia{
		Attachment: store.Attachment{URL: s.config().Server.URL + "/media/" + saved.Path, MediaType: p.Original.ContentType,
			Width: p.Original.Width, Height: p.Original.Height, Blurhash: p.Blurhash},
		path: saved.Path, previewPath: saved.ThumbnailPath,
	}, nil
}

// previewURLOf is the preview's URL for an upload's file.
func (s *Server) previewURLOf(u store.Upload) string {
	if u.Path == "" {
		return u.URL
	}
	if name, ok := s.mediaFiles().ThumbnailOf(u.Path); ok {
		return s.config().Server.URL + "/media/" + name
	}
	return u.URL
}

// apiUploadOf renders an upload as a MediaAttachment, with its preview.
func (s *Server) apiUploadOf(u store.Upload) apiMediaAttachment {
	out := s.apiMediaOf(u.Attachment, true)
	if u.State != store.UploadReady {
		out.URL, out.PreviewURL = nil, nil
		return out
	}
	preview := s.previewURLOf(u)
	out.PreviewURL = &preview
	if u.Width > 0 && u.Height > 0 {
		pw, ph := media.FitInside(u.Width, u.Height, media.UploadLimits.ThumbSide)
		out.Meta["small"] = map[string]any{"width": pw, "height": ph, "size": itoa(pw) + "x" + itoa(ph), "aspect": float64(pw) / float64(ph)}
	}
	if u.MediaType == "image/gif" {
		// Note: Mastodon's "gifv" is an MP4 video; kith keeps the GIF,
		// which apps show as an image.
		out.Type = "image"
	}
	return out
}

// handleGetMedia answers GET /api/v1/media/{id}: 200 when processed, 206
// while processing (kith processes while answering the upload, so an
// upload is always ready or failed by the time it can be asked about).
func (s *Server) handleGetMedia(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var u store.Upload
	if err == nil {
		u, err = s.db.UploadByID(r.Context(), id)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	switch u.State {
	case store.UploadProcessing:
		writeAPI(w, http.StatusPartialContent, s.apiUploadOf(u))
	case store.UploadFailed:
		apiError(w, http.StatusUnprocessableEntity, "Processing failed: "+u.Error)
	default:
		writeAPI(w, http.StatusOK, s.apiUploadOf(u))
	}
}

// handleUpdateMedia answers PUT /api/v1/media/{id}: description and focus
// of an upload not yet posted. (A posted one changes through the status
// edit, so that followers get the Update.)
func (s *Server) handleUpdateMedia(w http.ResponseWriter, r *http.Request) {
	p, err := params(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	id, err := pathID(r, "id")
	var u store.Upload
	if err == nil {
		u, err = s.db.UploadByID(r.Context(), id)
	}
	if err == nil && u.PostID != 0 {
		err = fmt.Errorf("media %d is posted: %w", u.ID, store.ErrNotFound)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	description, fx, fy := u.Description, u.FocusX, u.FocusY
	if p.Has("description") {
		description = p.String("description")
		if len([]rune(description)) > maxMediaDescription {
			apiError(w, http.StatusUnprocessableEntity, "Validation failed: Description is too long (maximum is 1500 characters)")
			return
		}
	}
	if p.Has("focus") {
		if fx, fy, err = parseFocus(p.String("focus")); err != nil {
			s.apiFail(w, r, err)
			return
		}
	}
	err = s.db.InTx(r.Context(), func(tx *store.Tx) error { return tx.UpdateUploadMeta(r.Context(), u.ID, description, fx, fy) })
	if err == nil {
		u, err = s.db.UploadByID(r.Context(), u.ID)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeAPI(w, http.StatusOK, s.apiUploadOf(u))
}

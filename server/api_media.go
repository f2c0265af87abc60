package server

import (
	"bytes"
	"fmt"
	"image"
	"image/gif"
	_ "image/jpeg" // decoders for image.DecodeConfig and imaging.Decode
	_ "image/png"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/buckket/go-blurhash"
	"github.com/disintegration/imaging"
	_ "golang.org/x/image/webp"

	"kith/store"
)

// Media uploads: POST /api/v1/media and /api/v2/media, GET and PUT
// /api/v1/media/{id}. The files are served by handleMediaFile.
//
// An upload is checked before it is decoded: its size, its type sniffed
// from the bytes (not the name or the client's word), and its dimensions
// from the header alone, so a small file claiming a huge image (a
// decompression bomb) is refused without allocating it. It is then
// decoded, turned upright by its EXIF orientation, scaled to fit
// mediaMaxSide, and re-encoded: the stored file carries no EXIF (no GPS
// position, no camera serial). The original is never written to disk.
//
// Processing is synchronous, one upload at a time, and the answer is 200
// with the finished attachment: the server does not hold the job runner,
// so the queue is not reachable from here. GIFs are kept as sent (they
// carry no EXIF, and re-encoding would lose the animation); only their
// first frame is decoded, for the preview.

const (
	// maxUploadBytes is the largest file accepted (Mastodon's image limit).
	maxUploadBytes = 16 << 20
	// maxUploadBody is the request body cap for upload routes: the file
	// plus room for the other form fields, so a file just over the limit
	// gets a clear 422 rather than a cut-off body.
	maxUploadBody = maxUploadBytes + 1<<20
	// maxUploadPixels is Mastodon's image_matrix_limit (7680×4320). Apps
	// read it from the instance and downscale bigger photos before
	// sending; a decoded image of this size takes about 130 MB.
	maxUploadPixels = 33177600
	// maxMediaDescription is the longest alt text, as in Mastodon.
	maxMediaDescription = 1500
	mediaMaxSide        = 1920
	mediaPreviewSide    = 400
	mediaJPEGQuality    = 85
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
func parseFocus(s string) (float64, float64, error) {
	if s == "" {
		return 0, 0, nil
	}
	xs, ys, ok := strings.Cut(s, ",")
	x, errX := strconv.ParseFloat(strings.TrimSpace(xs), 64)
	y, errY := strconv.ParseFloat(strings.TrimSpace(ys), 64)
	if !ok || errX != nil || errY != nil || x < -1 || x > 1 || y < -1 || y > 1 {
		return 0, 0, &userError{http.StatusUnprocessableEntity, "Validation failed: focus must be two numbers between -1 and 1, as \"x,y\""}
	}
	return x, y, nil
}

// processedMedia is an upload turned into files: the attachment row to
// store and its file's name under the media directory.
type processedMedia struct {
	store.Attachment
	path        string
	previewPath string
}

var errNotImage = &userError{http.StatusUnprocessableEntity, "Validation failed: File content type is invalid (JPEG, PNG, GIF and WebP images are accepted)"}

// storeUpload checks, processes and writes an uploaded image.
func (s *Server) storeUpload(fh *multipart.FileHeader) (processedMedia, error) {
	if fh.Size > maxUploadBytes {
		return processedMedia{}, &userError{http.StatusUnprocessableEntity, "Validation failed: File file size must be less than 16 MB"}
	}
	f, err := fh.Open()
	if err != nil {
		return processedMedia{}, fmt.Errorf("open upload: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxUploadBytes+1))
	if err != nil {
		return processedMedia{}, fmt.Errorf("read upload: %w", err)
	}
	mediaType := http.DetectContentType(data)
	if !slices.Contains(supportedMediaTypes, mediaType) {
		return processedMedia{}, errNotImage
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return processedMedia{}, errNotImage
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxUploadPixels {
		return processedMedia{}, &userError{http.StatusUnprocessableEntity,
			fmt.Sprintf("Validation failed: File dimensions %dx%d are over the limit of %d pixels", cfg.Width, cfg.Height, maxUploadPixels)}
	}
	img, err := decodeUpright(data, mediaType)
	if err != nil {
		return processedMedia{}, errNotImage
	}
	return s.writeMedia(data, mediaType, img)
}

// decodeUpright decodes an image, applying its EXIF orientation. For a
// GIF only the first frame is decoded.
func decodeUpright(data []byte, mediaType string) (image.Image, error) {
	if mediaType == "image/gif" {
		return gif.Decode(bytes.NewReader(data))
	}
	return imaging.Decode(bytes.NewReader(data), imaging.AutoOrientation(true))
}

// writeMedia writes the re-encoded image (or a GIF as sent) and its
// preview under new random names.
func (s *Server) writeMedia(data []byte, mediaType string, img image.Image) (processedMedia, error) {
	name := randomName()
	opaque := isOpaque(img)
	full := imaging.Fit(img, mediaMaxSide, mediaMaxSide, imaging.Lanczos)
	preview := imaging.Fit(full, mediaPreviewSide, mediaPreviewSide, imaging.Lanczos)
	out := processedMedia{Attachment: store.Attachment{Width: full.Bounds().Dx(), Height: full.Bounds().Dy()}}
	var body []byte
	var err error
	switch {
	case mediaType == "image/gif":
		// Kept as sent: the size is that of the GIF, not the frame.
		out.MediaType, out.path, body = "image/gif", name+".gif", data
		out.Width, out.Height = img.Bounds().Dx(), img.Bounds().Dy()
	case mediaType == "image/png" || !opaque:
		out.MediaType, out.path = "image/png", name+".png"
		body, err = encodeImage(full, imaging.PNG)
	default:
		out.MediaType, out.path = "image/jpeg", name+".jpg"
		body, err = encodeImage(full, imaging.JPEG)
	}
	if err != nil {
		return processedMedia{}, err
	}
	previewFormat, previewExt := imaging.JPEG, ".jpg"
	if !opaque {
		previewFormat, previewExt = imaging.PNG, ".png"
	}
	previewBody, err := encodeImage(preview, previewFormat)
	if err != nil {
		return processedMedia{}, err
	}
	out.previewPath = name + "_small" + previewExt
	if out.Blurhash, err = blurhash.Encode(4, 3, imaging.Fit(preview, 64, 64, imaging.Box)); err != nil {
		out.Blurhash = ""
	}
	if err := s.writeMediaFile(out.path, body); err != nil {
		return processedMedia{}, err
	}
	if err := s.writeMediaFile(out.previewPath, previewBody); err != nil {
		s.removeMedia([]string{out.path})
		return processedMedia{}, err
	}
	out.URL = s.config().Server.URL + "/media/" + out.path
	return out, nil
}

func encodeImage(img image.Image, format imaging.Format) ([]byte, error) {
	var buf bytes.Buffer
	if err := imaging.Encode(&buf, img, format, imaging.JPEGQuality(mediaJPEGQuality)); err != nil {
		return nil, fmt.Errorf("encode image: %w", err)
	}
	return buf.Bytes(), nil
}

func isOpaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return false
}

// writeMediaFile writes a file atomically (temporary name, then rename).
func (s *Server) writeMediaFile(name string, body []byte) error {
	full := filepath.Join(s.mediaDir(), filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return fmt.Errorf("media directory: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(full), ".upload-*")
	if err != nil {
		return fmt.Errorf("write media: %w", err)
	}
	if _, err := tmp.Write(body); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("write media: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write media: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), full)
}

// previewURLOf is the preview's URL for an upload's file: the same name
// with "_small", as writeMedia names it (JPEG, or PNG for transparent
// images; the file that exists wins).
func (s *Server) previewURLOf(u store.Upload) string {
	if u.Path == "" {
		return u.URL
	}
	base := strings.TrimSuffix(u.Path, path.Ext(u.Path)) + "_small"
	for _, ext := range []string{".jpg", ".png"} {
		if _, err := os.Stat(filepath.Join(s.mediaDir(), filepath.FromSlash(base+ext))); err == nil {
			return s.config().Server.URL + "/media/" + base + ext
		}
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
		pw, ph := fitInside(u.Width, u.Height, mediaPreviewSide)
		out.Meta["small"] = map[string]any{"width": pw, "height": ph, "size": itoa(pw) + "x" + itoa(ph), "aspect": float64(pw) / float64(ph)}
	}
	if u.MediaType == "image/gif" {
		// Note: Mastodon's "gifv" is an MP4 video; kith keeps the GIF,
		// which apps show as an image.
		out.Type = "image"
	}
	return out
}

// fitInside scales w×h down to fit a side×side box, keeping the aspect.
func fitInside(w, h, side int) (int, int) {
	if w <= side && h <= side {
		return w, h
	}
	if w >= h {
		return side, max(1, h*side/w)
	}
	return max(1, w*side/h), side
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

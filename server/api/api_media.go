package api

import (
	"fmt"
	"mime/multipart"
	"net/http"

	"kith/server/core"
	"kith/store"
)

// HandleUploadMedia answers POST /api/v1/media and /api/v2/media.
func (s *API) HandleUploadMedia(slots core.UploadSlots) core.Failing {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := core.Params(r)
		if err != nil {
			return err
		}
		description := p.String("description")
		if len([]rune(description)) > core.MaxMediaDescription {
			core.APIError(w, http.StatusUnprocessableEntity, "Validation failed: Description is too long (maximum is 1500 characters)")
			return nil
		}
		fx, fy, err := core.ParseFocus(p.String("focus"))
		if err != nil {
			return err
		}
		var fh *multipart.FileHeader
		if r.MultipartForm != nil && len(r.MultipartForm.File["file"]) > 0 {
			fh = r.MultipartForm.File["file"][0]
		}
		if fh == nil {
			core.APIError(w, http.StatusUnprocessableEntity, "Validation failed: File can't be blank")
			return nil
		}
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
		case <-r.Context().Done():
			return nil
		}
		a, err := s.StoreUpload(r.Context(), fh)
		if err != nil {
			return err
		}
		a.Description, a.FocusX, a.FocusY = description, fx, fy
		var id int64
		err = s.DB.InTx(r.Context(), func(tx *store.Tx) error {
			id, err = tx.CreateUpload(r.Context(), store.Upload{Attachment: a.Attachment, Path: a.Path, State: store.UploadReady})
			return err
		})
		if err != nil {
			s.RemoveMedia([]string{a.Path, a.PreviewPath})
			return err
		}
		u, err := s.DB.UploadByID(r.Context(), id)
		if err != nil {
			return err
		}
		core.WriteAPI(w, http.StatusOK, s.apiUploadOf(u))
		return nil
	}
}

// apiUploadOf renders an upload as a MediaAttachment: as the status it
// joins will show it, with no URLs until it is ready.
func (s *API) apiUploadOf(u store.Upload) apiMediaAttachment {
	out := s.apiMediaOf(u.Attachment, true)
	if u.State != store.UploadReady {
		out.URL, out.PreviewURL = nil, nil
	}
	return out
}

// HandleGetMedia answers GET /api/v1/media/{id}: 200 when processed, 206
// while processing (kith processes while answering the upload, so an
// upload is always ready or failed by the time it can be asked about).
func (s *API) HandleGetMedia(w http.ResponseWriter, r *http.Request) error {
	id, err := core.PathID(r, "id")
	var u store.Upload
	if err == nil {
		u, err = s.DB.UploadByID(r.Context(), id)
	}
	if err != nil {
		return err
	}
	switch u.State {
	case store.UploadProcessing:
		core.WriteAPI(w, http.StatusPartialContent, s.apiUploadOf(u))
	case store.UploadFailed:
		core.APIError(w, http.StatusUnprocessableEntity, "Processing failed: "+u.Error)
	default:
		core.WriteAPI(w, http.StatusOK, s.apiUploadOf(u))
	}
	return nil
}

// HandleUpdateMedia answers PUT /api/v1/media/{id}: description and focus
// of an upload not yet posted. (A posted one changes through the status
// edit, so that followers get the Update.)
func (s *API) HandleUpdateMedia(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	if err != nil {
		return err
	}
	id, err := core.PathID(r, "id")
	var u store.Upload
	if err == nil {
		u, err = s.DB.UploadByID(r.Context(), id)
	}
	if err == nil && u.PostID != 0 {
		err = fmt.Errorf("media %d is posted: %w", u.ID, store.ErrNotFound)
	}
	if err != nil {
		return err
	}
	description, fx, fy := u.Description, u.FocusX, u.FocusY
	if p.Has("description") {
		description = p.String("description")
		if len([]rune(description)) > core.MaxMediaDescription {
			core.APIError(w, http.StatusUnprocessableEntity, "Validation failed: Description is too long (maximum is 1500 characters)")
			return nil
		}
	}
	if p.Has("focus") {
		if fx, fy, err = core.ParseFocus(p.String("focus")); err != nil {
			return err
		}
	}
	err = s.DB.InTx(r.Context(), func(tx *store.Tx) error { return tx.UpdateUploadMeta(r.Context(), u.ID, description, fx, fy) })
	if err == nil {
		u, err = s.DB.UploadByID(r.Context(), u.ID)
	}
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, s.apiUploadOf(u))
	return nil
}

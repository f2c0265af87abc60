package web

import (
	"net/http"
	"strconv"

	"kith/server/core"
	"kith/store"
)

// composeMedia reads the form's image slots: an upload already stored
// (media_id_N, kept unless remove_N is ticked) or a new file (file_N),
// each with its alt text (alt_N) and focal point (focus_N). New files
// are processed and stored at once, as the API's media upload does; edit
// is the post being edited, whose own uploads may be kept.
func (s *Web) composeMedia(r *http.Request, edit int64, slots core.UploadSlots) ([]mediaSlot, error) {
	var out []mediaSlot
	for i := range ComposeSlots {
		n := strconv.Itoa(i)
		if r.PostFormValue("remove_"+n) != "" {
			continue
		}
		alt, focus := r.PostFormValue("alt_"+n), r.PostFormValue("focus_"+n)
		if len([]rune(alt)) > core.MaxMediaDescription {
			return nil, core.Refuse(http.StatusUnprocessableEntity, "An image description has at most 1500 characters.")
		}
		fx, fy, err := core.ParseFocus(focus)
		if err != nil {
			return nil, core.Refuse(http.StatusUnprocessableEntity, "A focal point is two numbers from -1 to 1, as \"x,y\" (\"0,0\" is the middle).")
		}
		var a store.Attachment
		if id, _ := strconv.ParseInt(r.PostFormValue("media_id_"+n), 10, 64); id != 0 {
			a, err = s.keepUpload(r, id, edit, alt, fx, fy)
		} else if r.MultipartForm != nil && len(r.MultipartForm.File["file_"+n]) > 0 {
			a, err = s.newUpload(r, i, alt, fx, fy, slots)
		} else {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, mediaSlot{Index: len(out), ID: a.ID, URL: a.URL, Alt: a.Description, Focus: focusString(a.FocusX, a.FocusY),
			Kind: mediaKind(a.MediaType)})
	}
	return out, nil
}

// keepUpload loads an upload the form carries and saves a changed alt
// text or focal point.
func (s *Web) keepUpload(r *http.Request, id, edit int64, alt string, fx, fy float64) (store.Attachment, error) {
	u, err := s.DB.UploadByID(r.Context(), id)
	if err != nil || (u.PostID != 0 && u.PostID != edit) {
		return store.Attachment{}, core.Refuse(http.StatusUnprocessableEntity, "An image of the form is no longer available; attach it again.")
	}
	if u.Description != alt || u.FocusX != fx || u.FocusY != fy {
		err := s.DB.InTx(r.Context(), func(tx *store.Tx) error { return tx.UpdateUploadMeta(r.Context(), id, alt, fx, fy) })
		if err != nil {
			return store.Attachment{}, err
		}
		u.Description, u.FocusX, u.FocusY = alt, fx, fy
	}
	return u.Attachment, nil
}

// newUpload processes and stores the file of slot i, one at a time as
// the API does.
func (s *Web) newUpload(r *http.Request, i int, alt string, fx, fy float64, slots core.UploadSlots) (store.Attachment, error) {
	select {
	case slots <- struct{}{}:
		defer func() { <-slots }()
	case <-r.Context().Done():
		return store.Attachment{}, r.Context().Err()
	}
	m, err := s.StoreUpload(r.Context(), r.MultipartForm.File["file_"+strconv.Itoa(i)][0])
	if err != nil {
		return store.Attachment{}, err
	}
	m.Description, m.FocusX, m.FocusY = alt, fx, fy
	var id int64
	err = s.DB.InTx(r.Context(), func(tx *store.Tx) error {
		id, err = tx.CreateUpload(r.Context(), store.Upload{Attachment: m.Attachment, Path: m.Path, State: store.UploadReady})
		return err
	})
	if err != nil {
		s.RemoveMedia([]string{m.Path, m.PreviewPath})
		return store.Attachment{}, err
	}
	m.ID = id
	return m.Attachment, nil
}

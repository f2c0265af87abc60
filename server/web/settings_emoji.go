package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"

	"kith/media"
	"kith/server/core"
	"kith/store"
)

// EmojiPage lists the owner's custom emoji, with a form to add one.
type EmojiPage struct {
	Site   core.Site
	Emojis []EmojiRow
	Added  string // the shortcode just added
	Gone   string // the shortcode just removed
	Error  string
	Form   EmojiForm
}

// EmojiRow is one custom emoji on the settings page.
type EmojiRow struct {
	Shortcode string
	URL       string
	Category  string
}

// EmojiForm is what the add form was sent with, shown again on a mistake.
type EmojiForm struct {
	Shortcode string
	Category  string
}

// HandleEmojiSettings lists the owner's custom emoji.
func (s *Web) HandleEmojiSettings(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	return s.renderEmojiPage(w, r, http.StatusOK, EmojiPage{Added: q.Get("added"), Gone: q.Get("removed")})
}

func (s *Web) renderEmojiPage(w http.ResponseWriter, r *http.Request, status int, view EmojiPage) error {
	list, err := s.DB.CustomEmojis(r.Context())
	if err != nil {
		return err
	}
	view.Site = s.Site(r)
	for _, e := range list {
		view.Emojis = append(view.Emojis, EmojiRow{Shortcode: e.Shortcode, Category: e.Category,
			URL: s.Config().Server.URL + "/media/" + e.Path})
	}
	s.Render(w, r, status, "settings_emoji", view)
	return nil
}

// HandleAddEmoji answers POST /settings/emoji (multipart): an image
// becomes the emoji :shortcode:, or replaces its image.
func (s *Web) HandleAddEmoji(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseMultipartForm(core.MaxMultipartMemory); err != nil && err != http.ErrNotMultipart {
		return err
	}
	if err := core.CheckCSRF(r); err != nil {
		return err
	}
	form := EmojiForm{Shortcode: r.PostFormValue("shortcode"), Category: r.PostFormValue("category")}
	refuse := func(msg string) error {
		return s.renderEmojiPage(w, r, http.StatusUnprocessableEntity, EmojiPage{Form: form, Error: msg})
	}
	if !store.ValidShortcode(form.Shortcode) {
		return refuse("A shortcode is two or more letters, digits or underscores.")
	}
	fh := core.UploadedFile(r, "image")
	if fh == nil || fh.Size == 0 {
		return refuse("Choose an image.")
	}
	if fh.Size > media.MaxEmojiBytes {
		return refuse("The image is larger than 256 KB.")
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(f, media.MaxEmojiBytes+1))
	f.Close()
	if err != nil {
		return err
	}
	_, err = media.AddEmoji(r.Context(), s.DB, s.MediaFiles(), form.Shortcode, form.Category, data)
	switch {
	case errors.Is(err, media.ErrUnsupportedType):
		return refuse("The image must be a PNG, GIF, JPEG or WebP file.")
	case errors.Is(err, media.ErrTooManyPixels):
		return refuse("The image has too many pixels.")
	case errors.Is(err, media.ErrTooLarge):
		return refuse("The image is larger than 256 KB.")
	case err != nil:
		return err
	}
	if err := s.Fed.EmojiChanged(r.Context(), form.Shortcode); err != nil {
		return err
	}
	http.Redirect(w, r, "/settings/emoji?added="+url.QueryEscape(form.Shortcode), http.StatusSeeOther)
	return nil
}

// HandleRemoveEmoji answers POST /settings/emoji/remove.
func (s *Web) HandleRemoveEmoji(w http.ResponseWriter, r *http.Request) error {
	if err := core.CheckCSRF(r); err != nil {
		return err
	}
	code := r.PostFormValue("shortcode")
	err := media.RemoveEmoji(r.Context(), s.DB, s.MediaFiles(), code)
	if errors.Is(err, store.ErrNotFound) {
		return core.Refuse(http.StatusNotFound, "That emoji is not there.")
	}
	if err != nil {
		return err
	}
	if err := s.Fed.EmojiChanged(r.Context(), code); err != nil {
		return err
	}
	http.Redirect(w, r, "/settings/emoji?removed="+url.QueryEscape(code), http.StatusSeeOther)
	return nil
}

package core

import (
	"context"
	"errors"
	"mime/multipart"
	"net/http"
	"strings"

	"html"

	"kith/media"
	"kith/store"
)

// Settings the owner's posting defaults are stored under.
const (
	SettingDefaultPrivacy   = "posting.default_visibility"
	SettingDefaultSensitive = "posting.default_sensitive"
	SettingDefaultLanguage  = "posting.default_language"
	// settingNoteSource is the bio as typed; the actor keeps only its
	// HTML. settingNoteType is the format it was typed in: plain text
	// from the API's note (as Mastodon), Markdown from the web form.
	SettingNoteSource = "profile.note_source"
	SettingNoteType   = "profile.note_type"
)

// postingDefaults are the owner's source[...] settings.
type postingDefaults struct {
	Privacy   string
	Sensitive bool
	Language  string
}

// PostingDefaults are the owner's defaults for new posts (visibility,
// sensitive, language).
func (s *Env) PostingDefaults(ctx context.Context) (postingDefaults, error) {
	d := postingDefaults{Privacy: store.Public}
	for key, set := range map[string]func(string){
		SettingDefaultPrivacy:   func(v string) { d.Privacy = v },
		SettingDefaultSensitive: func(v string) { d.Sensitive = v == "true" },
		SettingDefaultLanguage:  func(v string) { d.Language = v },
	} {
		v, err := s.DB.Setting(ctx, key)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return d, err
		}
		set(v)
	}
	return d, nil
}

// NoteSource is the bio as the owner typed it and its format (Markdown
// for a bio saved before the format was kept), or its text when it was
// set elsewhere.
func (s *Env) NoteSource(ctx context.Context, a store.Actor) (text, sourceType string, err error) {
	sourceType, err = s.DB.Setting(ctx, SettingNoteType)
	if errors.Is(err, store.ErrNotFound) {
		sourceType = store.TextMarkdown
	} else if err != nil {
		return "", "", err
	}
	text, err = s.DB.Setting(ctx, SettingNoteSource)
	if errors.Is(err, store.ErrNotFound) {
		return strings.TrimSpace(PlainText(a.Summary)), sourceType, nil
	}
	return text, sourceType, err
}

// UploadedFile is the multipart file sent under name, nil without one.
func UploadedFile(r *http.Request, name string) *multipart.FileHeader {
	if r.MultipartForm == nil || len(r.MultipartForm.File[name]) == 0 {
		return nil
	}
	return r.MultipartForm.File[name][0]
}

// profileImageLimits are the sizes avatars and headers are stored at.
var profileImageLimits = map[string]media.Limits{"avatar": media.AvatarLimits, "header": media.HeaderLimits}

// SaveProfileImage checks, re-encodes (dropping EXIF) and writes an
// uploaded avatar or header (see media.Process), returning its file's
// name under the media directory.
func (s *Env) SaveProfileImage(ctx context.Context, fh *multipart.FileHeader, what string) (string, error) {
	l := profileImageLimits[what]
	data, err := readUpload(fh, l.MaxBytes)
	if err == nil {
		var p media.Processed
		if p, err = media.Process(data, fh.Header.Get("Content-Type"), l); err == nil {
			var saved media.Saved
			saved, err = s.MediaFiles().Save(ctx, p)
			return saved.Path, err
		}
	}
	return "", mediaError(err, what, l)
}

// PlainText turns a post's HTML into text for "text" on redraft: tags
// dropped, paragraphs and breaks kept as newlines.
func PlainText(s string) string {
	r := strings.NewReplacer("<br>", "\n", "<br/>", "\n", "<br />", "\n", "</p><p>", "\n\n")
	s = r.Replace(s)
	var b strings.Builder
	in := false
	for _, c := range s {
		switch {
		case c == '<':
			in = true
		case c == '>':
			in = false
		case !in:
			b.WriteRune(c)
		}
	}
	return html.UnescapeString(b.String())
}

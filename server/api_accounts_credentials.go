package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"image"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/disintegration/imaging"

	"kith/federation"
	"kith/store"
)

// The owner's own account: GET verify_credentials (with the source of
// what they typed) and PATCH update_credentials (profile, posting
// defaults, avatar and header), and the files under /media.

// Settings the owner's posting defaults are stored under.
const (
	settingDefaultPrivacy   = "posting.default_visibility"
	settingDefaultSensitive = "posting.default_sensitive"
	settingDefaultLanguage  = "posting.default_language"
	// settingNoteSource is the bio as typed (Markdown); the actor keeps
	// only its HTML.
	settingNoteSource = "profile.note_source"
)

// profileImageMax is the largest avatar or header accepted, as Mastodon.
const profileImageMax = 8 << 20

// profileImagePixels bounds an image's size in pixels, so a small file
// cannot claim a huge canvas.
const profileImagePixels = 8192 * 8192

// postingDefaults are the owner's source[...] settings.
type postingDefaults struct {
	Privacy   string
	Sensitive bool
	Language  string
}

func (s *Server) postingDefaults(ctx context.Context) (postingDefaults, error) {
	d := postingDefaults{Privacy: store.Public}
	for key, set := range map[string]func(string){
		settingDefaultPrivacy:   func(v string) { d.Privacy = v },
		settingDefaultSensitive: func(v string) { d.Sensitive = v == "true" },
		settingDefaultLanguage:  func(v string) { d.Language = v },
	} {
		v, err := s.db.Setting(ctx, key)
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

// credentialAccount renders the owner with source, as verify_credentials
// and update_credentials answer.
func (s *Server) credentialAccount(ctx context.Context) (apiAccount, error) {
	a, err := s.db.LocalActor(ctx)
	if err != nil {
		return apiAccount{}, err
	}
	out, err := s.renderAccount(ctx, a)
	if err != nil {
		return apiAccount{}, err
	}
	d, err := s.postingDefaults(ctx)
	if err != nil {
		return apiAccount{}, err
	}
	requests, err := s.db.CountFollowRequests(ctx, a.ID)
	if err != nil {
		return apiAccount{}, err
	}
	note, err := s.noteSource(ctx, a)
	if err != nil {
		return apiAccount{}, err
	}
	src := apiSource{Privacy: d.Privacy, Sensitive: d.Sensitive, Language: d.Language, Note: note, Fields: []apiField{},
		FollowRequestsCount: requests, Discoverable: a.Discoverable, Indexable: a.Discoverable}
	for _, f := range a.Fields {
		src.Fields = append(src.Fields, apiField{Name: html.UnescapeString(f.Name), Value: html.UnescapeString(f.Value)})
	}
	out.Source = &src
	// Note: Mastodon gives every account a role; "-99" is its everyone
	// role. kith claims no admin permissions it cannot serve.
	out.Role = &apiRole{ID: "-99", Name: "", Permissions: "0", Color: ""}
	return out, nil
}

// noteSource is the bio as the owner typed it, or its text when it was
// set elsewhere.
func (s *Server) noteSource(ctx context.Context, a store.Actor) (string, error) {
	v, err := s.db.Setting(ctx, settingNoteSource)
	if errors.Is(err, store.ErrNotFound) {
		return strings.TrimSpace(plainText(a.Summary)), nil
	}
	return v, err
}

// handleVerifyCredentials answers GET /api/v1/accounts/verify_credentials.
func (s *Server) handleVerifyCredentials(w http.ResponseWriter, r *http.Request) {
	out, err := s.credentialAccount(r.Context())
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeAPI(w, http.StatusOK, out)
}

var fieldParam = regexp.MustCompile(`^fields_attributes\[([^\]]+)\]\[(name|value)\]$`)

// fieldsParam reads fields_attributes[i][name] and [value], as forms send
// them and as JSON arrays or objects flatten to; ok is false when none
// were sent.
func fieldsParam(p apiParams) (fields []store.Field, ok bool) {
	byIndex := map[string]*store.Field{}
	for key, vs := range p.values {
		m := fieldParam.FindStringSubmatch(key)
		if m == nil || len(vs) == 0 {
			continue
		}
		f := byIndex[m[1]]
		if f == nil {
			f = &store.Field{}
			byIndex[m[1]] = f
		}
		if m[2] == "name" {
			f.Name = vs[0]
		} else {
			f.Value = vs[0]
		}
	}
	keys := make([]string, 0, len(byIndex))
	for k := range byIndex {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, errA := strconv.Atoi(keys[i])
		b, errB := strconv.Atoi(keys[j])
		if errA == nil && errB == nil {
			return a < b
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys {
		if f := byIndex[k]; strings.TrimSpace(f.Name) != "" || strings.TrimSpace(f.Value) != "" {
			fields = append(fields, *f)
		}
	}
	return fields, len(byIndex) > 0 || p.Has("fields_attributes")
}

// handleUpdateCredentials answers PATCH /api/v1/accounts/update_credentials.
// Everything is checked before anything is stored, so a refused image
// leaves the profile as it was.
func (s *Server) handleUpdateCredentials(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, err := params(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	a, err := s.db.LocalActor(ctx)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	note, err := s.noteSource(ctx, a)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	prof := federation.Profile{DisplayName: a.DisplayName, Summary: note, Locked: a.Locked, Bot: a.Bot,
		Discoverable: a.Discoverable, AvatarURL: a.AvatarURL, HeaderURL: a.HeaderURL}
	for _, f := range a.Fields {
		prof.Fields = append(prof.Fields, store.Field{Name: html.UnescapeString(f.Name), Value: html.UnescapeString(f.Value)})
	}
	changed := false
	if p.Has("display_name") {
		prof.DisplayName, changed = p.String("display_name"), true
	}
	if p.Has("note") {
		prof.Summary, changed = p.String("note"), true
	}
	for key, field := range map[string]*bool{"locked": &prof.Locked, "bot": &prof.Bot, "discoverable": &prof.Discoverable} {
		if p.Has(key) {
			*field, changed = p.Bool(key, *field), true
		}
	}
	if fields, ok := fieldsParam(p); ok {
		prof.Fields, changed = fields, true
	}
	settings, err := sourceSettings(p)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	images := map[string]*string{"avatar": &prof.AvatarURL, "header": &prof.HeaderURL}
	var saved []string
	for _, name := range []string{"avatar", "header"} {
		fh := uploadedFile(r, name)
		if fh == nil {
			continue
		}
		file, err := s.saveProfileImage(fh, name)
		if err != nil {
			s.removeMedia(saved)
			s.apiFail(w, r, err)
			return
		}
		saved = append(saved, file)
		*images[name], changed = s.config().Server.URL+"/media/"+file, true
	}
	if changed {
		if err := s.fed.UpdateProfile(ctx, prof); err != nil {
			s.removeMedia(saved)
			s.apiFail(w, r, err)
			return
		}
		if p.Has("note") {
			settings[settingNoteSource] = prof.Summary
		}
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		for k, v := range settings {
			if err := tx.SetSetting(ctx, k, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.handleVerifyCredentials(w, r)
}

// sourceSettings reads source[privacy], source[sensitive] and
// source[language] into the settings they are stored as.
func sourceSettings(p apiParams) (map[string]string, error) {
	out := map[string]string{}
	if p.Has("source[privacy]") {
		v := p.String("source[privacy]")
		if !slices.Contains([]string{store.Public, store.Unlisted, store.Private, store.Direct}, v) {
			return nil, &userError{http.StatusUnprocessableEntity, "Validation failed: source[privacy] must be public, unlisted, private or direct"}
		}
		out[settingDefaultPrivacy] = v
	}
	if p.Has("source[sensitive]") {
		out[settingDefaultSensitive] = strconv.FormatBool(p.Bool("source[sensitive]", false))
	}
	if p.Has("source[language]") {
		v := strings.ToLower(strings.TrimSpace(p.String("source[language]")))
		if v != "" && !isLanguageCode(v) {
			return nil, &userError{http.StatusUnprocessableEntity, "Validation failed: source[language] must be a language code such as en"}
		}
		out[settingDefaultLanguage] = v
	}
	return out, nil
}

// isLanguageCode accepts ISO 639 codes (two or three letters).
func isLanguageCode(s string) bool {
	if len(s) < 2 || len(s) > 3 {
		return false
	}
	for _, c := range s {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// uploadedFile is the multipart file sent under name, nil without one.
func uploadedFile(r *http.Request, name string) *multipart.FileHeader {
	if r.MultipartForm == nil || len(r.MultipartForm.File[name]) == 0 {
		return nil
	}
	return r.MultipartForm.File[name][0]
}

// profileImageSides are the largest width and height an avatar and a
// header are stored at, as Mastodon.
var profileImageSides = map[string][2]int{"avatar": {400, 400}, "header": {1500, 500}}

// saveProfileImage checks an uploaded avatar or header before decoding it
// (size, type sniffed from the bytes, dimensions from the header alone),
// then decodes it upright, scales it down and re-encodes it, so the
// stored file carries no EXIF (no GPS position); GIFs are kept as sent,
// as media uploads keep them. It returns the file's name under the media
// directory.
func (s *Server) saveProfileImage(fh *multipart.FileHeader, what string) (string, error) {
	refuse := func(msg string) error {
		return &userError{http.StatusUnprocessableEntity, "Validation failed: " + what + " " + msg}
	}
	tooBig := refuse(fmt.Sprintf("is larger than %d MB", profileImageMax>>20))
	if fh.Size > profileImageMax {
		return "", tooBig
	}
	f, err := fh.Open()
	if err != nil {
		return "", err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, profileImageMax+1))
	if err != nil {
		return "", err
	}
	if len(data) > profileImageMax {
		return "", tooBig
	}
	notImage := refuse("must be a JPEG, PNG, GIF or WebP image")
	mediaType := http.DetectContentType(data)
	if !slices.Contains(supportedMediaTypes, mediaType) {
		return "", notImage
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return "", notImage
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > profileImagePixels {
		return "", refuse("has too many pixels")
	}
	name, body := randomName()+".gif", data
	if mediaType != "image/gif" {
		img, err := decodeUpright(data, mediaType)
		if err != nil {
			return "", notImage
		}
		side := profileImageSides[what]
		img = imaging.Fit(img, side[0], side[1], imaging.Lanczos)
		format, ext := imaging.JPEG, ".jpg"
		if mediaType == "image/png" || !isOpaque(img) {
			format, ext = imaging.PNG, ".png"
		}
		if body, err = encodeImage(img, format); err != nil {
			return "", err
		}
		name = randomName() + ext
	}
	if err := s.writeMediaFile(name, body); err != nil {
		return "", fmt.Errorf("save %s: %w", what, err)
	}
	return name, nil
}

func randomName() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// mediaDir is where uploaded files live.
func (s *Server) mediaDir() string { return filepath.Join(s.config().Server.DataDir, "media") }

// removeMedia deletes files saved for a request that then failed.
func (s *Server) removeMedia(names []string) {
	for _, n := range names {
		if err := os.Remove(filepath.Join(s.mediaDir(), n)); err != nil {
			s.logger.Warn("remove media failed", "file", n, "err", err)
		}
	}
}

// mediaTypes maps the extensions kith stores media with to their types.
var mediaTypes = map[string]string{
	".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif", ".webp": "image/webp",
	".avif": "image/avif", ".mp4": "video/mp4", ".webm": "video/webm", ".mp3": "audio/mpeg", ".ogg": "audio/ogg",
}

// handleMediaFile serves GET /media/*: files under the media directory.
// Names are random and never reused, so they may be cached for good.
// os.Root keeps every lookup inside the directory (no "..", no symlinks
// out), and directories are not listed.
func (s *Server) handleMediaFile(w http.ResponseWriter, r *http.Request) {
	name := pathParam(r, "*")
	if !fs.ValidPath(name) || name == "." || strings.HasPrefix(path.Base(name), ".") {
		http.NotFound(w, r)
		return
	}
	root, err := os.OpenRoot(s.mediaDir())
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer root.Close()
	f, err := root.Open(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	ctype, ok := mediaTypes[strings.ToLower(path.Ext(name))]
	if !ok {
		ctype = "application/octet-stream"
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	http.ServeContent(w, r, "", info.ModTime(), f)
}

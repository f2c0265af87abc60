package server

import (
	"context"
	"errors"
	"html"
	"mime/multipart"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"kith/federation"
	"kith/media"
	"kith/store"
)

// The owner's own account: GET verify_credentials (with the source of
// what they typed) and PATCH update_credentials (profile, posting
// defaults, avatar and header).

// Settings the owner's posting defaults are stored under.
const (
	settingDefaultPrivacy   = "posting.default_visibility"
	settingDefaultSensitive = "posting.default_sensitive"
	settingDefaultLanguage  = "posting.default_language"
	// settingNoteSource is the bio as typed; the actor keeps only its
	// HTML. settingNoteType is the format it was typed in: plain text
	// from the API's note (as Mastodon), Markdown from the web form.
	settingNoteSource = "profile.note_source"
	settingNoteType   = "profile.note_type"
)

// profileImageMax is the largest avatar or header accepted, as Mastodon.
const profileImageMax = media.MaxProfileImageBytes

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
	note, _, err := s.noteSource(ctx, a)
	if err != nil {
		return apiAccount{}, err
	}
	src := apiSource{Privacy: d.Privacy, Sensitive: d.Sensitive, Language: d.Language, Note: note, Fields: []apiField{},
		FollowRequestsCount: requests, Discoverable: a.Discoverable, Indexable: a.Discoverable}
	for _, f := range a.Fields {
		src.Fields = append(src.Fields, apiField{Name: f.Name, Value: html.UnescapeString(f.Value)})
	}
	out.Source = &src
	// Note: Mastodon gives every account a role; "-99" is its everyone
	// role. kith claims no admin permissions it cannot serve.
	out.Role = &apiRole{ID: "-99", Name: "", Permissions: "0", Color: ""}
	return out, nil
}

// noteSource is the bio as the owner typed it and its format (Markdown
// for a bio saved before the format was kept), or its text when it was
// set elsewhere.
func (s *Server) noteSource(ctx context.Context, a store.Actor) (text, sourceType string, err error) {
	sourceType, err = s.db.Setting(ctx, settingNoteType)
	if errors.Is(err, store.ErrNotFound) {
		sourceType = store.TextMarkdown
	} else if err != nil {
		return "", "", err
	}
	text, err = s.db.Setting(ctx, settingNoteSource)
	if errors.Is(err, store.ErrNotFound) {
		return strings.TrimSpace(plainText(a.Summary)), sourceType, nil
	}
	return text, sourceType, err
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
	note, noteType, err := s.noteSource(ctx, a)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	prof := federation.Profile{DisplayName: a.DisplayName, Summary: note, SummaryType: noteType, Locked: a.Locked, Bot: a.Bot,
		Discoverable: a.Discoverable, AvatarURL: a.AvatarURL, HeaderURL: a.HeaderURL}
	for _, f := range a.Fields {
		prof.Fields = append(prof.Fields, store.Field{Name: f.Name, Value: html.UnescapeString(f.Value)})
	}
	changed := false
	if p.Has("display_name") {
		prof.DisplayName, changed = p.String("display_name"), true
	}
	if p.Has("note") {
		// Note: Mastodon's note is plain text, as its status is.
		prof.Summary, prof.SummaryType, changed = p.String("note"), store.TextPlain, true
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
			settings[settingNoteSource], settings[settingNoteType] = prof.Summary, prof.SummaryType
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

// profileImageLimits are the sizes avatars and headers are stored at.
var profileImageLimits = map[string]media.Limits{"avatar": media.AvatarLimits, "header": media.HeaderLimits}

// saveProfileImage checks, re-encodes (dropping EXIF) and writes an
// uploaded avatar or header (see media.Process), returning its file's
// name under the media directory.
func (s *Server) saveProfileImage(fh *multipart.FileHeader, what string) (string, error) {
	l := profileImageLimits[what]
	data, err := readUpload(fh, l.MaxBytes)
	if err == nil {
		var p media.Processed
		if p, err = media.Process(data, fh.Header.Get("Content-Type"), l); err == nil {
			var saved media.Saved
			saved, err = s.mediaFiles().Save(p)
			return saved.Path, err
		}
	}
	return "", mediaError(err, what, l)
}

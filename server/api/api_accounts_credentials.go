package api

import (
	"context"
	"html"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"kith/federation"
	"kith/media"
	"kith/server/core"
	"kith/store"
)

// ProfileImageMax is the largest avatar or header accepted, as Mastodon.
const ProfileImageMax = media.MaxProfileImageBytes

// credentialAccount renders the owner with source, as verify_credentials
// and update_credentials answer.
func (s *API) credentialAccount(ctx context.Context) (apiAccount, error) {
	a, err := s.DB.LocalActor(ctx)
	if err != nil {
		return apiAccount{}, err
	}
	out, err := s.renderAccount(ctx, a)
	if err != nil {
		return apiAccount{}, err
	}
	d, err := s.PostingDefaults(ctx)
	if err != nil {
		return apiAccount{}, err
	}
	requests, err := s.DB.CountFollowRequests(ctx)
	if err != nil {
		return apiAccount{}, err
	}
	note, _, err := s.NoteSource(ctx, a)
	if err != nil {
		return apiAccount{}, err
	}
	quotePolicy, err := s.Fed.DefaultQuotePolicy(ctx)
	if err != nil {
		return apiAccount{}, err
	}
	src := apiSource{Privacy: d.Privacy, Sensitive: d.Sensitive, Language: d.Language, Note: note, Fields: []apiField{},
		FollowRequestsCount: requests, Discoverable: a.Discoverable, Indexable: a.Discoverable, QuotePolicy: quotePolicy}
	for _, f := range a.Fields {
		src.Fields = append(src.Fields, apiField{Name: f.Name, Value: html.UnescapeString(f.Value)})
	}
	out.Source = &src
	// Note: Mastodon gives every account a role; "-99" is its everyone
	// role. kith claims no admin permissions it cannot serve.
	out.Role = &apiRole{ID: "-99", Name: "", Permissions: "0", Color: ""}
	return out, nil
}

// HandleVerifyCredentials answers GET /api/v1/accounts/verify_credentials.
func (s *API) HandleVerifyCredentials(w http.ResponseWriter, r *http.Request) error {
	out, err := s.credentialAccount(r.Context())
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}

var fieldParam = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^fields_attributes\[([^\]]+)\]\[(name|value)\]$`) })

// fieldsParam reads fields_attributes[i][name] and [value], as forms send
// them and as JSON arrays or objects flatten to; ok is false when none
// were sent.
func fieldsParam(p core.APIParams) (fields []store.Field, ok bool) {
	byIndex := map[string]*store.Field{}
	for key, vs := range p.Values {
		m := fieldParam().FindStringSubmatch(key)
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

// HandleUpdateCredentials answers PATCH /api/v1/accounts/update_credentials.
// Everything is checked before anything is stored, so a refused image
// leaves the profile as it was.
func (s *API) HandleUpdateCredentials(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, err := core.Params(r)
	if err != nil {
		return err
	}
	a, err := s.DB.LocalActor(ctx)
	if err != nil {
		return err
	}
	note, noteType, err := s.NoteSource(ctx, a)
	if err != nil {
		return err
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
		return err
	}
	images := map[string]*string{"avatar": &prof.AvatarURL, "header": &prof.HeaderURL}
	var saved []string
	for _, name := range []string{"avatar", "header"} {
		fh := core.UploadedFile(r, name)
		if fh == nil {
			continue
		}
		file, err := s.SaveProfileImage(r.Context(), fh, name)
		if err != nil {
			s.RemoveMedia(saved)
			return err
		}
		saved = append(saved, file)
		*images[name], changed = s.Config().Server.URL+"/media/"+file, true
	}
	if changed {
		if err := s.Fed.UpdateProfile(ctx, prof); err != nil {
			s.RemoveMedia(saved)
			return err
		}
		if p.Has("note") {
			settings[core.SettingNoteSource], settings[core.SettingNoteType] = prof.Summary, prof.SummaryType
		}
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		for k, v := range settings {
			if err := tx.SetSetting(ctx, k, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.HandleVerifyCredentials(w, r)
}

// sourceSettings reads source[privacy], source[sensitive] and
// source[language] into the settings they are stored as.
func sourceSettings(p core.APIParams) (map[string]string, error) {
	out := map[string]string{}
	if p.Has("source[privacy]") {
		v := p.String("source[privacy]")
		if !slices.Contains([]string{store.Public, store.Unlisted, store.Private, store.Direct}, v) {
			return nil, core.Refuse(http.StatusUnprocessableEntity, "Validation failed: source[privacy] must be public, unlisted, private or direct")
		}
		out[core.SettingDefaultPrivacy] = v
	}
	if p.Has("source[quote_policy]") {
		v := p.String("source[quote_policy]")
		if !federation.ValidQuotePolicy(v) {
			return nil, core.Refuse(http.StatusUnprocessableEntity, "Validation failed: source[quote_policy] must be public, followers or nobody")
		}
		out[federation.SettingDefaultQuotePolicy] = v
	}
	if p.Has("source[sensitive]") {
		out[core.SettingDefaultSensitive] = strconv.FormatBool(p.Bool("source[sensitive]", false))
	}
	if p.Has("source[language]") {
		v := strings.ToLower(strings.TrimSpace(p.String("source[language]")))
		if v != "" && !isLanguageCode(v) {
			return nil, core.Refuse(http.StatusUnprocessableEntity, "Validation failed: source[language] must be a language code such as en")
		}
		out[core.SettingDefaultLanguage] = v
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

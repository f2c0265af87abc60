package web

import (
	"context"
	"html"
	"net/http"
	"strconv"

	"kith/federation"
	"kith/server/core"
	"kith/store"
)

// SettingHideNetwork hides the owner's followers and following from
// visitors and other servers (Mastodon's hide_collections).
const SettingHideNetwork = "hide_network"

// maxProfileFields is how many fields the form offers, as Mastodon.
const maxProfileFields = 4

type SettingsPage struct {
	Site        core.Site
	QuotePolicy string // who may quote new posts unless a post says
	Saved       bool
}

// QuotePolicies are the choices of the default quote policy.
func (SettingsPage) QuotePolicies() []choice { return ComposePage{}.QuotePolicies() }

// HandleSettings shows GET /settings: links to each settings page, and
// the default of who may quote new posts.
func (s *Web) HandleSettings(w http.ResponseWriter, r *http.Request) error {
	policy, err := s.Fed.DefaultQuotePolicy(r.Context())
	if err != nil {
		return err
	}
	s.Render(w, r, http.StatusOK, "settings", SettingsPage{Site: s.Site(r), QuotePolicy: policy, Saved: r.URL.Query().Has("saved")})
	return nil
}

// HandleSaveQuotePolicy saves POST /settings/quotes: who may quote the
// owner's new posts when a post does not say.
func (s *Web) HandleSaveQuotePolicy(w http.ResponseWriter, r *http.Request) error {
	if err := core.CheckCSRF(r); err != nil {
		return err
	}
	policy := r.PostFormValue("quote_approval_policy")
	if !federation.ValidQuotePolicy(policy) {
		return core.Refuse(http.StatusBadRequest, "Choose who may quote your posts.")
	}
	err := s.DB.InTx(r.Context(), func(tx *store.Tx) error {
		return tx.SetSetting(r.Context(), federation.SettingDefaultQuotePolicy, policy)
	})
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/settings?saved", http.StatusSeeOther)
	return nil
}

type profileForm struct {
	DisplayName  string
	Note         string // as typed: Markdown when saved here
	Fields       []store.Field
	Locked       bool
	Bot          bool
	Discoverable bool
	HideNetwork  bool
	AvatarURL    string
	HeaderURL    string
}

// fieldInput is one pair of field inputs on the form.
type fieldInput struct {
	Index  int // in the input names, from 0
	Number int // as the labels count, from 1
	Name   string
	Value  string
}

// FieldInputs are the form's field inputs, always maxProfileFields.
func (f profileForm) FieldInputs() []fieldInput {
	out := make([]fieldInput, maxProfileFields)
	for i := range out {
		out[i] = fieldInput{Index: i, Number: i + 1}
		if i < len(f.Fields) {
			out[i].Name, out[i].Value = f.Fields[i].Name, f.Fields[i].Value
		}
	}
	return out
}

type ProfileSettingsPage struct {
	Site  core.Site
	Form  profileForm
	Error string
	Saved bool
}

// currentProfile is the owner's profile as the form edits it.
func (s *Web) currentProfile(ctx context.Context) (profileForm, error) {
	a, err := s.DB.LocalActor(ctx)
	if err != nil {
		return profileForm{}, err
	}
	note, _, err := s.NoteSource(ctx, a)
	if err != nil {
		return profileForm{}, err
	}
	hidden, _ := s.DB.Setting(ctx, SettingHideNetwork)
	f := profileForm{DisplayName: a.DisplayName, Note: note, Locked: a.Locked, Bot: a.Bot, Discoverable: a.Discoverable,
		HideNetwork: hidden == "true", AvatarURL: a.AvatarURL, HeaderURL: a.HeaderURL}
	for _, fl := range a.Fields {
		f.Fields = append(f.Fields, store.Field{Name: fl.Name, Value: html.UnescapeString(fl.Value)})
	}
	return f, nil
}

// HandleProfileForm shows GET /settings/profile.
func (s *Web) HandleProfileForm(w http.ResponseWriter, r *http.Request) error {
	form, err := s.currentProfile(r.Context())
	if err != nil {
		return err
	}
	s.renderProfileForm(w, r, http.StatusOK, ProfileSettingsPage{Form: form, Saved: r.URL.Query().Get("saved") == "1"})
	return nil
}

func (s *Web) renderProfileForm(w http.ResponseWriter, r *http.Request, status int, view ProfileSettingsPage) {
	view.Site = s.Site(r)
	s.Render(w, r, status, "settings_profile", view)
}

// HandleSaveProfile answers POST /settings/profile (multipart, for the
// images). Images are checked and stored before the profile changes, and
// removed again if it cannot.
func (s *Web) HandleSaveProfile(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseMultipartForm(core.MaxMultipartMemory); err != nil && err != http.ErrNotMultipart {
		return err
	}
	if err := core.CheckCSRF(r); err != nil {
		return err
	}
	ctx := r.Context()
	form, err := s.currentProfile(ctx)
	if err != nil {
		return err
	}
	form.DisplayName, form.Note = r.PostFormValue("display_name"), r.PostFormValue("note")
	form.Locked, form.Bot = r.PostFormValue("locked") == "1", r.PostFormValue("bot") == "1"
	form.Discoverable, form.HideNetwork = r.PostFormValue("discoverable") == "1", r.PostFormValue("hide_network") == "1"
	form.Fields = nil
	for i := range maxProfileFields {
		n := strconv.Itoa(i)
		form.Fields = append(form.Fields, store.Field{Name: r.PostFormValue("field_name_" + n), Value: r.PostFormValue("field_value_" + n)})
	}
	var saved []string
	for _, name := range []string{"avatar", "header"} {
		fh := core.UploadedFile(r, name)
		if fh == nil || fh.Size == 0 {
			continue // a form sent without choosing a file
		}
		file, err := s.SaveProfileImage(r.Context(), fh, name)
		if err != nil {
			s.RemoveMedia(saved)
			return s.refuseProfile(w, r, form, err)
		}
		saved = append(saved, file)
		url := s.Config().Server.URL + "/media/" + file
		if name == "avatar" {
			form.AvatarURL = url
		} else {
			form.HeaderURL = url
		}
	}
	prof := federation.Profile{DisplayName: form.DisplayName, Summary: form.Note, SummaryType: store.TextMarkdown, Locked: form.Locked, Bot: form.Bot,
		Discoverable: form.Discoverable, AvatarURL: form.AvatarURL, HeaderURL: form.HeaderURL}
	for _, f := range form.Fields {
		if f.Name != "" || f.Value != "" {
			prof.Fields = append(prof.Fields, f)
		}
	}
	if err := s.Fed.UpdateProfile(ctx, prof); err != nil {
		s.RemoveMedia(saved)
		return s.refuseProfile(w, r, form, err)
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetSetting(ctx, core.SettingNoteSource, form.Note); err != nil {
			return err
		}
		if err := tx.SetSetting(ctx, core.SettingNoteType, store.TextMarkdown); err != nil {
			return err
		}
		return tx.SetSetting(ctx, SettingHideNetwork, strconv.FormatBool(form.HideNetwork))
	})
	if err != nil {
		return err
	}
	s.Logger.Info("profile updated")
	http.Redirect(w, r, "/settings/profile?saved=1", http.StatusSeeOther)
	return nil
}

// refuseProfile shows the form again with what was typed and why it was
// refused; unexpected errors get the error page.
func (s *Web) refuseProfile(w http.ResponseWriter, r *http.Request, form profileForm, err error) error {
	status, msg := core.StatusOf(webFederationError(err))
	if status >= 500 {
		return err
	}
	s.renderProfileForm(w, r, status, ProfileSettingsPage{Form: form, Error: msg})
	return nil
}

package api

import (
	"cmp"
	"context"
	"html"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"kith/media"
	"kith/server/core"
	"kith/store"
)

// mastodonVersion is the Mastodon API level kith answers as. Apps decide
// from it which endpoints to call: 4.3 brings the v2 instance, v2 filters,
// the notification policy and grouped notifications; 4.5 quote posts
// (status.quote, quoted_status_id, quote_approval_policy, the quotes list
// and revocation, quote notifications), all of which kith serves.
// The "(compatible; kith …)" suffix is how other servers say the same.
const mastodonVersion = "4.5.0"

// Limits kith enforces and announces.
const (
	maxStatusChars      = 5000
	maxStatusMedia      = 4
	charsPerURL         = 23
	maxPollOptions      = 4
	maxPollOptionChars  = 50
	minPollExpiration   = 300
	maxPollExpiration   = 2678400
	instanceDescription = "A single-person fediverse server running kith."
	// sourceURL is where kith's source is published; there is no public
	// address yet, and a made-up one would send people nowhere.
	sourceURL = ""
)

// supportedMediaTypes are the upload formats kith accepts (see
// api_media.go): still and animated images only, no video or audio.
var supportedMediaTypes = []string{"image/jpeg", "image/png", "image/gif", "image/webp"}

func (s *API) versionString() string {
	return mastodonVersion + " (compatible; kith " + s.Opts.Version + ")"
}

// streamingURL is the WebSocket base apps connect to for streaming.
func (s *API) streamingURL() string {
	u := s.Config().BaseURL()
	if u.Scheme == "https" {
		u.Scheme = "wss"
	} else {
		u.Scheme = "ws"
	}
	return u.String()
}

// instanceFacts are what both instance versions report.
type instanceFacts struct {
	title, description, short string
	email                     string
	rules                     []apiRule
	owner                     apiAccount
	statuses, domains         int
}

func (s *API) instanceFacts(ctx context.Context) (instanceFacts, error) {
	owner, err := s.DB.ActorByID(ctx, s.DB.OwnerID())
	if err != nil {
		return instanceFacts{}, err
	}
	acct, err := s.renderAccount(ctx, owner)
	if err != nil {
		return instanceFacts{}, err
	}
	domains, err := s.DB.KnownDomains(ctx)
	if err != nil {
		return instanceFacts{}, err
	}
	in := s.Config().Instance
	f := instanceFacts{title: s.Config().Domain(), description: instanceDescription, owner: acct,
		statuses: acct.StatusesCount, domains: len(domains), email: in.ContactEmail, rules: rulesOf(in.Rules)}
	if bio := strings.TrimSpace(store.PlainText(owner.Summary)); bio != "" {
		f.description = bio
	}
	if d := strings.TrimSpace(in.Description); d != "" {
		f.description = d
	}
	f.short = cmp.Or(strings.TrimSpace(in.ShortDescription), f.description)
	return f, nil
}

// apiRule is Mastodon's Rule. kith's rules come from the config, numbered
// in their order; they have no hint.
type apiRule struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	Hint string `json:"hint"`
}

func rulesOf(rules []string) []apiRule {
	out := make([]apiRule, 0, len(rules))
	for i, r := range rules {
		out = append(out, apiRule{ID: strconv.Itoa(i + 1), Text: strings.TrimSpace(r)})
	}
	return out
}

// HandleInstanceRules answers GET /api/v1/instance/rules.
func (s *API) HandleInstanceRules(w http.ResponseWriter, r *http.Request) error {
	core.WriteAPI(w, http.StatusOK, rulesOf(s.Config().Instance.Rules))
	return nil
}

// activityWeeks is how many weeks /api/v1/instance/activity reports, as
// Mastodon.
const activityWeeks = 12

// apiWeek is one week of Mastodon's instance activity; the numbers are
// strings, as Mastodon sends them.
type apiWeek struct {
	Week          string `json:"week"` // its Monday 00:00 UTC, Unix seconds
	Statuses      string `json:"statuses"`
	Logins        string `json:"logins"`
	Registrations string `json:"registrations"`
}

// HandleInstanceActivity answers GET /api/v1/instance/activity: twelve
// weeks, this one first. statuses counts the owner's posts; logins is 1
// for a week the owner was seen in (store.WeekActivity says how that is
// known) and 0 otherwise; nobody registers on a single-person server.
func (s *API) HandleInstanceActivity(w http.ResponseWriter, r *http.Request) error {
	weeks, err := s.DB.WeeklyActivity(r.Context(), s.Opts.Now(), activityWeeks)
	if err != nil {
		return err
	}
	out := make([]apiWeek, 0, len(weeks))
	for _, wk := range weeks {
		logins := "0"
		if wk.SignedIn {
			logins = "1"
		}
		out = append(out, apiWeek{Week: strconv.FormatInt(wk.Start.Unix(), 10), Statuses: strconv.Itoa(wk.Statuses),
			Logins: logins, Registrations: "0"})
	}
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}

type instanceStatusesConfig struct {
	MaxCharacters            int `json:"max_characters"`
	MaxMediaAttachments      int `json:"max_media_attachments"`
	CharactersReservedPerURL int `json:"characters_reserved_per_url"`
}

type instanceMediaConfig struct {
	SupportedMimeTypes  []string `json:"supported_mime_types"`
	ImageSizeLimit      int      `json:"image_size_limit"`
	ImageMatrixLimit    int      `json:"image_matrix_limit"`
	VideoSizeLimit      int      `json:"video_size_limit"`
	VideoFrameRateLimit int      `json:"video_frame_rate_limit"`
	VideoMatrixLimit    int      `json:"video_matrix_limit"`
	DescriptionLimit    int      `json:"description_limit"`
}

type instancePollsConfig struct {
	MaxOptions             int `json:"max_options"`
	MaxCharactersPerOption int `json:"max_characters_per_option"`
	MinExpiration          int `json:"min_expiration"`
	MaxExpiration          int `json:"max_expiration"`
}

func statusesConfig() instanceStatusesConfig {
	return instanceStatusesConfig{MaxCharacters: maxStatusChars, MaxMediaAttachments: maxStatusMedia, CharactersReservedPerURL: charsPerURL}
}

// mediaConfig announces kith's upload limits. Mastodon has one size
// limit for video and audio: the video one is given.
func (s *API) mediaConfig() instanceMediaConfig {
	return instanceMediaConfig{SupportedMimeTypes: append(slices.Clone(supportedMediaTypes), media.AVTypes...),
		ImageSizeLimit: core.MaxUploadBytes, ImageMatrixLimit: core.MaxUploadPixels, DescriptionLimit: core.MaxMediaDescription,
		VideoSizeLimit: int(s.AVLimits().VideoMaxBytes), VideoFrameRateLimit: media.MaxVideoFrameRate, VideoMatrixLimit: media.MaxVideoPixels}
}

func pollsConfig() instancePollsConfig {
	return instancePollsConfig{MaxOptions: maxPollOptions, MaxCharactersPerOption: maxPollOptionChars,
		MinExpiration: minPollExpiration, MaxExpiration: maxPollExpiration}
}

// apiInstanceV1 is Mastodon's V1::Instance.
type apiInstanceV1 struct {
	URI              string            `json:"uri"`
	Title            string            `json:"title"`
	ShortDescription string            `json:"short_description"`
	Description      string            `json:"description"`
	Email            string            `json:"email"`
	Version          string            `json:"version"`
	URLs             map[string]string `json:"urls"`
	Stats            map[string]int    `json:"stats"`
	Thumbnail        *string           `json:"thumbnail"`
	Languages        []string          `json:"languages"`
	Registrations    bool              `json:"registrations"`
	ApprovalRequired bool              `json:"approval_required"`
	InvitesEnabled   bool              `json:"invites_enabled"`
	Configuration    struct {
		Accounts         map[string]int         `json:"accounts"`
		Statuses         instanceStatusesConfig `json:"statuses"`
		MediaAttachments instanceMediaConfig    `json:"media_attachments"`
		Polls            instancePollsConfig    `json:"polls"`
	} `json:"configuration"`
	ContactAccount apiAccount `json:"contact_account"`
	Rules          []apiRule  `json:"rules"`
}

// HandleInstanceV1 answers GET /api/v1/instance.
func (s *API) HandleInstanceV1(w http.ResponseWriter, r *http.Request) error {
	f, err := s.instanceFacts(r.Context())
	if err != nil {
		return err
	}
	out := apiInstanceV1{
		URI: s.Config().Domain(), Title: f.title, ShortDescription: f.short, Description: f.description, Email: f.email,
		Version: s.versionString(), URLs: map[string]string{"streaming_api": s.streamingURL()},
		Stats:     map[string]int{"user_count": 1, "status_count": f.statuses, "domain_count": f.domains},
		Thumbnail: &f.owner.Header, Languages: []string{}, ContactAccount: f.owner, Rules: f.rules,
	}
	out.Configuration.Accounts = map[string]int{"max_featured_tags": store.MaxFeaturedTags}
	out.Configuration.Statuses = statusesConfig()
	out.Configuration.MediaAttachments = s.mediaConfig()
	out.Configuration.Polls = pollsConfig()
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}

// apiInstanceV2 is Mastodon's Instance (GET /api/v2/instance).
type apiInstanceV2 struct {
	Domain      string         `json:"domain"`
	Title       string         `json:"title"`
	Version     string         `json:"version"`
	SourceURL   string         `json:"source_url"`
	Description string         `json:"description"`
	Usage       map[string]any `json:"usage"`
	Thumbnail   struct {
		URL string `json:"url"`
	} `json:"thumbnail"`
	Icon          []any             `json:"icon"`
	Languages     []string          `json:"languages"`
	APIVersions   map[string]int    `json:"api_versions"`
	Configuration instanceV2Config  `json:"configuration"`
	Registrations instanceV2Signups `json:"registrations"`
	Contact       struct {
		Email   string     `json:"email"`
		Account apiAccount `json:"account"`
	} `json:"contact"`
	Rules []apiRule `json:"rules"`
}

type instanceV2Config struct {
	URLs             map[string]string      `json:"urls"`
	Vapid            map[string]string      `json:"vapid"`
	Accounts         map[string]int         `json:"accounts"`
	Statuses         instanceStatusesConfig `json:"statuses"`
	MediaAttachments instanceMediaConfig    `json:"media_attachments"`
	Polls            instancePollsConfig    `json:"polls"`
	Translation      map[string]bool        `json:"translation"`
}

type instanceV2Signups struct {
	Enabled          bool    `json:"enabled"`
	ApprovalRequired bool    `json:"approval_required"`
	Message          *string `json:"message"`
	URL              *string `json:"url"`
}

// HandleInstanceV2 answers GET /api/v2/instance. configuration.vapid
// carries the key apps subscribe to Web Push with; apps hide their push
// settings without it.
func (s *API) HandleInstanceV2(w http.ResponseWriter, r *http.Request) error {
	f, err := s.instanceFacts(r.Context())
	if err != nil {
		return err
	}
	out := apiInstanceV2{
		Domain: s.Config().Domain(), Title: f.title, Version: s.versionString(), SourceURL: sourceURL,
		Description: f.short, Usage: map[string]any{"users": map[string]int{"active_month": 1}},
		Icon: []any{}, Languages: []string{}, APIVersions: map[string]int{"mastodon": 2}, Rules: f.rules,
		Configuration: instanceV2Config{
			URLs:             map[string]string{"streaming": s.streamingURL()},
			Vapid:            map[string]string{"public_key": s.Fed.VAPIDPublicKey()},
			Accounts:         map[string]int{"max_featured_tags": store.MaxFeaturedTags, "max_pinned_statuses": 5},
			Statuses:         statusesConfig(),
			MediaAttachments: s.mediaConfig(),
			Polls:            pollsConfig(),
			Translation:      map[string]bool{"enabled": false},
		},
	}
	out.Thumbnail.URL = f.owner.Header
	out.Contact.Account = f.owner
	out.Contact.Email = f.email
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}

// HandleInstancePeers answers GET /api/v1/instance/peers: the domains kith
// has met.
func (s *API) HandleInstancePeers(w http.ResponseWriter, r *http.Request) error {
	domains, err := s.DB.KnownDomains(r.Context())
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, nonNilStrings(domains))
	return nil
}

// HandleExtendedDescription answers GET /api/v1/instance/extended_description.
func (s *API) HandleExtendedDescription(w http.ResponseWriter, r *http.Request) error {
	f, err := s.instanceFacts(r.Context())
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, map[string]any{"updated_at": core.APITime(s.Opts.Now()), "content": paragraphs(f.description)})
	return nil
}

// HandlePreferences answers GET /api/v1/preferences. kith keeps no
// posting defaults yet, so these are Mastodon's own defaults.
func (s *API) HandlePreferences(w http.ResponseWriter, r *http.Request) {
	core.WriteAPI(w, http.StatusOK, map[string]any{
		"posting:default:visibility": "public",
		"posting:default:sensitive":  false,
		"posting:default:language":   nil,
		"reading:expand:media":       "default",
		"reading:expand:spoilers":    false,
	})
}

// paragraphs writes plain text as HTML: a paragraph for each block
// between blank lines, a line break for each other newline.
func paragraphs(text string) string {
	var b strings.Builder
	for _, p := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			b.WriteString("<p>" + strings.ReplaceAll(html.EscapeString(p), "\n", "<br>") + "</p>")
		}
	}
	return b.String()
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

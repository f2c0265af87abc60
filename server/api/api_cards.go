package api

import (
	"net/http"

	"kith/server/core"
	"kith/store"
)

// apiCard is Mastodon's PreviewCard entity. Every text field was
// normalised when the page was read; image is kith's cached copy.
type apiCard struct {
	URL              string          `json:"url"`
	Title            string          `json:"title"`
	Description      string          `json:"description"`
	Language         *string         `json:"language"`
	Type             string          `json:"type"`
	AuthorName       string          `json:"author_name"`
	AuthorURL        string          `json:"author_url"`
	ProviderName     string          `json:"provider_name"`
	ProviderURL      string          `json:"provider_url"`
	HTML             string          `json:"html"`
	Width            int             `json:"width"`
	Height           int             `json:"height"`
	Image            *string         `json:"image"`
	ImageDescription string          `json:"image_description"`
	EmbedURL         string          `json:"embed_url"`
	Blurhash         *string         `json:"blurhash"`
	PublishedAt      *string         `json:"published_at"`
	Authors          []apiCardAuthor `json:"authors"`
}

// apiCardAuthor is Mastodon's PreviewCardAuthor: who wrote the page, with
// their account when the page names one kith knows (fediverse:creator).
type apiCardAuthor struct {
	Name    string      `json:"name"`
	URL     string      `json:"url"`
	Account *apiAccount `json:"account"`
}

// apiCardOf renders a stored card, with the account its page names
// (fediverse:creator), nil when none.
func (s *API) apiCardOf(c store.Card, account *apiAccount) *apiCard {
	out := &apiCard{
		URL: c.CardURL, Title: c.Title, Description: c.Description, Type: c.Type, AuthorName: c.AuthorName,
		AuthorURL: c.AuthorURL, ProviderName: c.ProviderName, ProviderURL: c.ProviderURL, HTML: c.HTML,
		Width: c.Width, Height: c.Height, ImageDescription: c.ImageDescription, EmbedURL: c.EmbedURL,
		PublishedAt: core.APITimePtr(c.PublishedAt), Authors: []apiCardAuthor{},
	}
	if out.URL == "" {
		out.URL = c.URL
	}
	if img := s.MediaURL(c.ImageURL); img != "" {
		out.Image = &img
	}
	author := apiCardAuthor{Name: c.AuthorName, URL: c.AuthorURL, Account: account}
	if account != nil {
		if author.Name == "" {
			author.Name = account.DisplayName
		}
		if author.URL == "" {
			author.URL = account.URL
		}
	}
	if author.Name != "" || author.URL != "" || author.Account != nil {
		out.Authors = append(out.Authors, author)
	}
	return out
}

// HandleStatusCard answers GET /api/v1/statuses/:id/card, which Mastodon
// has deprecated for the status's card field: the card, or {} when the
// post has none.
func (s *API) HandleStatusCard(w http.ResponseWriter, r *http.Request) error {
	p, err := s.postByPath(r)
	if err != nil {
		return err
	}
	cards, err := s.DB.PostCards(r.Context(), []int64{p.ID})
	if err != nil {
		return err
	}
	c, ok := cards[p.ID]
	if !ok {
		core.WriteAPI(w, http.StatusOK, struct{}{})
		return nil
	}
	var account *apiAccount
	if a, ok := s.Fed.CardAccount(r.Context(), c); ok {
		acct, err := s.renderAccount(r.Context(), a)
		if err != nil {
			return err
		}
		account = &acct
	}
	core.WriteAPI(w, http.StatusOK, s.apiCardOf(c, account))
	return nil
}

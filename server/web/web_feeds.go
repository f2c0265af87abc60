package web

import (
	"encoding/xml"
	"net/http"
	"strings"
	"time"

	"kith/store"
)

const (
	feedRSS  = "rss"
	feedAtom = "atom"
	// feedSize is the number of posts in a feed.
	feedSize = 20
)

// feed is what both formats are written from.
type feed struct {
	Title       string
	Description string
	URL         string // the HTML page the feed is about
	Self        string // the feed's own URL
	Image       string
	AuthorName  string
	AuthorURL   string
	Updated     time.Time
	Items       []feedItem
}

type feedItem struct {
	ID        string // the post's ActivityPub id
	URL       string // its page
	Title     string
	Summary   string // the content warning
	Content   string // sanitized HTML
	Published time.Time
	Updated   time.Time
	Tags      []string
	Media     []store.Attachment
}

func (s *Web) serveProfileFeed(w http.ResponseWriter, r *http.Request, format string) error {
	ctx := r.Context()
	owner, err := s.DB.LocalActor(ctx)
	if err != nil {
		return err
	}
	posts, err := s.DB.AccountStatuses(ctx, owner.ID, store.Page{Limit: feedSize},
		store.AccountOptions{Visibilities: []string{store.Public}, ExcludeReblogs: true})
	if err != nil {
		return err
	}
	urls := s.Fed.URLs()
	name := owner.DisplayName
	if name == "" {
		name = owner.Username
	}
	f := feed{Title: name + " (@" + owner.Handle() + ")", Description: excerpt(store.PlainText(owner.Summary), 500),
		URL: urls.Profile(), Self: urls.Profile() + "." + format, Image: s.absoluteURL(owner.AvatarURL),
		AuthorName: name, AuthorURL: urls.Profile()}
	if f.Image == "" {
		f.Image = s.absoluteURL(defaultAvatar)
	}
	s.writeFeed(w, format, f, posts)
	return nil
}

func (s *Web) serveTagFeed(w http.ResponseWriter, r *http.Request, tag, format string) error {
	posts, err := s.DB.TagTimeline(r.Context(), tag, store.Page{Limit: feedSize}, true)
	if err != nil {
		return err
	}
	page := s.Fed.URLs().Base() + "/tags/" + tag
	f := feed{Title: "#" + tag, Description: "Public posts tagged #" + tag + " on " + s.Config().Domain(),
		URL: page, Self: page + "." + format}
	s.writeFeed(w, format, f, posts)
	return nil
}

func (s *Web) writeFeed(w http.ResponseWriter, format string, f feed, posts []store.Post) {
	for _, p := range posts {
		if !p.Local || p.ReblogOfID != 0 || p.Visibility != store.Public {
			continue
		}
		it := feedItem{ID: p.URI, URL: s.Fed.URLs().PostPage(p.ID), Summary: p.Summary, Content: p.Content,
			Published: p.PublishedAt, Updated: p.PublishedAt, Tags: p.Tags, Media: p.Attachments}
		if !p.EditedAt.IsZero() {
			it.Updated = p.EditedAt
		}
		it.Title = p.Summary
		if it.Title == "" {
			it.Title = excerpt(store.PlainText(p.Content), 80)
		}
		if it.Updated.After(f.Updated) {
			f.Updated = it.Updated
		}
		f.Items = append(f.Items, it)
	}
	if f.Updated.IsZero() {
		f.Updated = s.Opts.Now()
	}
	var doc any
	contentType := "application/rss+xml; charset=utf-8"
	if format == feedAtom {
		doc, contentType = atomFeedOf(f, s.absoluteURL), "application/atom+xml; charset=utf-8"
	} else {
		doc = rssFeedOf(f, s.absoluteURL)
	}
	out, err := xml.MarshalIndent(doc, "", " ")
	if err != nil {
		s.Logger.Error("feed failed", "err", err)
		http.Error(w, "Something went wrong.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write([]byte(xml.Header))
	w.Write(out)
}

// feedContent is an item's HTML: its content warning, then its content.
func feedContent(it feedItem) string {
	if it.Summary == "" {
		return it.Content
	}
	return "<p><strong>" + xmlText(it.Summary) + "</strong></p>" + it.Content
}

func xmlText(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

type rssDoc struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	Atom    string     `xml:"xmlns:atom,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Description   string    `xml:"description"`
	Self          rssLink   `xml:"atom:link"`
	LastBuildDate string    `xml:"lastBuildDate"`
	Generator     string    `xml:"generator"`
	Image         *rssImage `xml:"image,omitempty"`
	Items         []rssItem `xml:"item"`
}

type rssLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

type rssImage struct {
	URL   string `xml:"url"`
	Title string `xml:"title"`
	Link  string `xml:"link"`
}

type rssItem struct {
	Title       string         `xml:"title"`
	Link        string         `xml:"link"`
	GUID        rssGUID        `xml:"guid"`
	PubDate     string         `xml:"pubDate"`
	Description string         `xml:"description"`
	Categories  []string       `xml:"category"`
	Enclosures  []rssEnclosure `xml:"enclosure"`
}

type rssGUID struct {
	IsPermaLink bool   `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

type rssEnclosure struct {
	URL    string `xml:"url,attr"`
	Type   string `xml:"type,attr"`
	Length int    `xml:"length,attr"`
}

func rssFeedOf(f feed, abs func(string) string) rssDoc {
	ch := rssChannel{Title: f.Title, Link: f.URL, Description: f.Description,
		Self:          rssLink{Href: f.Self, Rel: "self", Type: "application/rss+xml"},
		LastBuildDate: f.Updated.UTC().Format(time.RFC1123Z), Generator: "kith"}
	if f.Image != "" {
		ch.Image = &rssImage{URL: f.Image, Title: f.Title, Link: f.URL}
	}
	for _, it := range f.Items {
		item := rssItem{Title: it.Title, Link: it.URL, GUID: rssGUID{IsPermaLink: false, Value: it.ID},
			PubDate: it.Published.UTC().Format(time.RFC1123Z), Description: feedContent(it), Categories: it.Tags}
		for _, m := range it.Media {
			// Note: RSS requires a length; 0 is what readers accept for "unknown".
			item.Enclosures = append(item.Enclosures, rssEnclosure{URL: abs(m.URL), Type: m.MediaType})
		}
		ch.Items = append(ch.Items, item)
	}
	return rssDoc{Version: "2.0", Atom: "http://www.w3.org/2005/Atom", Channel: ch}
}

type atomDoc struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  *atomAuthor `xml:"author,omitempty"`
	Icon    string      `xml:"icon,omitempty"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomAuthor struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomText struct {
	Type  string `xml:"type,attr"`
	Value string `xml:",chardata"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      string         `xml:"title"`
	Published  string         `xml:"published"`
	Updated    string         `xml:"updated"`
	Links      []atomLink     `xml:"link"`
	Summary    *atomText      `xml:"summary,omitempty"`
	Content    atomText       `xml:"content"`
	Categories []atomCategory `xml:"category"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

func atomFeedOf(f feed, abs func(string) string) atomDoc {
	doc := atomDoc{ID: f.Self, Title: f.Title, Updated: f.Updated.UTC().Format(time.RFC3339), Icon: f.Image,
		Links: []atomLink{{Rel: "alternate", Type: "text/html", Href: f.URL}, {Rel: "self", Type: "application/atom+xml", Href: f.Self}}}
	if f.AuthorName != "" {
		doc.Author = &atomAuthor{Name: f.AuthorName, URI: f.AuthorURL}
	} else {
		// Note: Atom requires an author for every entry; a tag feed names the server.
		doc.Author = &atomAuthor{Name: f.Title}
	}
	for _, it := range f.Items {
		e := atomEntry{ID: it.ID, Title: it.Title, Published: it.Published.UTC().Format(time.RFC3339),
			Updated: it.Updated.UTC().Format(time.RFC3339), Content: atomText{Type: "html", Value: it.Content},
			Links: []atomLink{{Rel: "alternate", Type: "text/html", Href: it.URL}}}
		if it.Summary != "" {
			e.Summary = &atomText{Type: "text", Value: it.Summary}
		}
		for _, t := range it.Tags {
			e.Categories = append(e.Categories, atomCategory{Term: t})
		}
		for _, m := range it.Media {
			e.Links = append(e.Links, atomLink{Rel: "enclosure", Type: m.MediaType, Href: abs(m.URL)})
		}
		doc.Entries = append(doc.Entries, e)
	}
	return doc
}

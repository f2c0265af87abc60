package federation

import (
	"context"
	"crypto/rand"
	"encoding/xml"
	"fmt"
	"net/url"
	"strings"

	"kith/store"
)

// randReader is where keys and activity ids get their randomness.
var randReader = rand.Reader

// Media types of ActivityPub documents.
const (
	ActivityJSON = "application/activity+json"
	LDJSON       = `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`
)

// JRD is a WebFinger answer.
type JRD struct {
	Subject string    `json:"subject"`
	Aliases []string  `json:"aliases,omitempty"`
	Links   []JRDLink `json:"links"`
}

// JRDLink is one link of a JRD.
type JRDLink struct {
	Rel      string `json:"rel"`
	Type     string `json:"type,omitempty"`
	Href     string `json:"href,omitempty"`
	Template string `json:"template,omitempty"`
}

// WebFinger answers a resource query for the owner or the instance actor.
// It accepts acct:user@host (any case), the actor URL and the profile URL.
func (f *Federation) WebFinger(resource string) (JRD, error) {
	u := f.urls
	acct := "acct:" + u.Username() + "@" + u.Host()
	instanceAcct := "acct:" + hostOnly(u.Host()) + "@" + u.Host()
	res := strings.TrimSpace(resource)
	switch {
	case strings.EqualFold(res, acct), strings.EqualFold("acct:"+res, acct), res == u.Actor(), res == u.Profile():
		return JRD{
			Subject: acct,
			Aliases: []string{u.Profile(), u.Actor()},
			Links: []JRDLink{
				{Rel: "http://webfinger.net/rel/profile-page", Type: "text/html", Href: u.Profile()},
				{Rel: "self", Type: ActivityJSON, Href: u.Actor()},
				{Rel: "self", Type: LDJSON, Href: u.Actor()},
				// Note: Mastodon's remote-follow flow reads this template.
				{Rel: SubscribeRel, Template: u.Base() + "/authorize_interaction?uri={uri}"},
			},
		}, nil
	case strings.EqualFold(res, instanceAcct), res == u.InstanceActor():
		return JRD{
			Subject: instanceAcct,
			Aliases: []string{u.InstanceActor()},
			Links:   []JRDLink{{Rel: "self", Type: ActivityJSON, Href: u.InstanceActor()}},
		}, nil
	}
	return JRD{}, fmt.Errorf("webfinger %q: %w", resource, ErrNotFound)
}

// HostMetaXML is the host-meta document pointing at WebFinger.
func (f *Federation) HostMetaXML() []byte {
	type link struct {
		Rel      string `xml:"rel,attr"`
		Type     string `xml:"type,attr"`
		Template string `xml:"template,attr"`
	}
	doc := struct {
		XMLName xml.Name `xml:"http://docs.oasis-open.org/ns/xri/xrd-1.0 XRD"`
		Link    link     `xml:"Link"`
	}{Link: link{Rel: "lrdd", Type: "application/jrd+json", Template: f.urls.Base() + "/.well-known/webfinger?resource={uri}"}}
	out, _ := xml.MarshalIndent(doc, "", "  ")
	return append([]byte(xml.Header), out...)
}

// HostMetaJSON is host-meta in its JSON form.
func (f *Federation) HostMetaJSON() JRD {
	return JRD{Links: []JRDLink{{Rel: "lrdd", Type: "application/jrd+json", Template: f.urls.Base() + "/.well-known/webfinger?resource={uri}"}}}
}

// NodeInfoLinks is /.well-known/nodeinfo.
func (f *Federation) NodeInfoLinks() map[string][]JRDLink {
	return map[string][]JRDLink{"links": {
		{Rel: "http://nodeinfo.diaspora.software/ns/schema/2.0", Href: f.urls.Base() + "/nodeinfo/2.0"},
		{Rel: "http://nodeinfo.diaspora.software/ns/schema/2.1", Href: f.urls.Base() + "/nodeinfo/2.1"},
	}}
}

// NodeInfo is a NodeInfo document (version "2.0" or "2.1").
type NodeInfo struct {
	Version           string           `json:"version"`
	Software          NodeInfoSoftware `json:"software"`
	Protocols         []string         `json:"protocols"`
	Services          NodeInfoServices `json:"services"`
	OpenRegistrations bool             `json:"openRegistrations"`
	Usage             NodeInfoUsage    `json:"usage"`
	Metadata          map[string]any   `json:"metadata"`
}

// NodeInfoSoftware names the server software.
type NodeInfoSoftware struct {
	Name       string `json:"name"`
	Version    string `json:"version"`
	Repository string `json:"repository,omitempty"`
	Homepage   string `json:"homepage,omitempty"`
}

// NodeInfoServices lists third-party services; kith bridges none.
type NodeInfoServices struct {
	Inbound  []string `json:"inbound"`
	Outbound []string `json:"outbound"`
}

// NodeInfoUsage holds the usage counts.
type NodeInfoUsage struct {
	Users      NodeInfoUsers `json:"users"`
	LocalPosts int           `json:"localPosts"`
}

// NodeInfoUsers counts accounts: kith has one.
type NodeInfoUsers struct {
	Total          int `json:"total"`
	ActiveMonth    int `json:"activeMonth"`
	ActiveHalfyear int `json:"activeHalfyear"`
}

// NodeInfo builds the document for version "2.0" or "2.1".
func (f *Federation) NodeInfo(ctx context.Context, version string) (NodeInfo, error) {
	if version != "2.0" && version != "2.1" {
		return NodeInfo{}, fmt.Errorf("nodeinfo %s: %w", version, ErrNotFound)
	}
	posts, err := f.db.CountPostsByAuthor(ctx, f.db.OwnerID(), store.Public, store.Unlisted, store.Private, store.Direct)
	if err != nil {
		return NodeInfo{}, err
	}
	// Note: the NodeInfo schema allows only [a-z0-9-] in software.name and
	// a plain version; 2.0 has no repository or homepage.
	version2 := strings.SplitN(f.opts.Version, "+", 2)[0]
	return NodeInfo{
		Version:   version,
		Software:  NodeInfoSoftware{Name: "kith", Version: version2},
		Protocols: []string{"activitypub"},
		Services:  NodeInfoServices{Inbound: []string{}, Outbound: []string{}},
		Usage:     NodeInfoUsage{Users: NodeInfoUsers{Total: 1, ActiveMonth: 1, ActiveHalfyear: 1}, LocalPosts: posts},
		Metadata:  map[string]any{"nodeName": f.urls.Host(), "singleUser": true},
	}, nil
}

// ParseAcct splits "@user@host", "user@host" or "acct:user@host".
func ParseAcct(s string) (user, host string, ok bool) {
	s = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "acct:"), "@")
	user, host, ok = strings.Cut(s, "@")
	if !ok || user == "" || host == "" || strings.ContainsAny(user, "/:@ ") || strings.ContainsAny(host, "/@ ") {
		return "", "", false
	}
	if _, err := url.Parse("https://" + host); err != nil {
		return "", "", false
	}
	return user, strings.ToLower(host), true
}

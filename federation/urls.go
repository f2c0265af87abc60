package federation

import (
	"net/url"
	"strconv"
	"strings"
)

// URLs builds every ActivityPub id and URL kith publishes. They are part of
// the federated record: once a peer has stored one, it must keep working,
// so their shapes never change.
type URLs struct {
	base     string // "https://social.example.org", no trailing slash
	username string
}

// NewURLs returns the URL shapes for an instance at base (server.url) whose
// owner is username.
func NewURLs(base, username string) URLs {
	return URLs{base: strings.TrimRight(base, "/"), username: username}
}

// Base is server.url.
func (u URLs) Base() string { return u.base }

// Host is the host (with port, if any) of server.url: the domain of the
// owner's handle.
func (u URLs) Host() string {
	p, err := url.Parse(u.base)
	if err != nil {
		return ""
	}
	return p.Host
}

// Username is the owner's username.
func (u URLs) Username() string { return u.username }

// Actor is the owner's actor id; the same URL shows the profile page to a
// browser.
func (u URLs) Actor() string { return u.base + "/users/" + u.username }

// Key is the id of the owner's public key.
func (u URLs) Key() string { return u.Actor() + "#main-key" }

// Inbox is the owner's inbox.
func (u URLs) Inbox() string { return u.Actor() + "/inbox" }

// SharedInbox is the instance's shared inbox.
func (u URLs) SharedInbox() string { return u.base + "/inbox" }

// Outbox is the owner's outbox collection.
func (u URLs) Outbox() string { return u.Actor() + "/outbox" }

// Followers is the owner's followers collection.
func (u URLs) Followers() string { return u.Actor() + "/followers" }

// Following is the owner's following collection.
func (u URLs) Following() string { return u.Actor() + "/following" }

// FollowersSync is the partial followers collection a server asks for when
// its copy of the owner's followers drifted (FEP-8fcf): the followers
// that live on the signed requester's server.
func (u URLs) FollowersSync() string { return u.Actor() + "/followers_synchronization" }

// Featured is the owner's pinned posts collection.
func (u URLs) Featured() string { return u.Actor() + "/collections/featured" }

// FeaturedTags is the owner's featured hashtags collection (Mastodon's
// path for it).
func (u URLs) FeaturedTags() string { return u.Actor() + "/collections/tags" }

// Profile is the owner's HTML profile page.
func (u URLs) Profile() string { return u.base + "/@" + u.username }

// Post is the id of a local post.
func (u URLs) Post(id int64) string { return u.Actor() + "/statuses/" + strconv.FormatInt(id, 10) }

// Replies is the collection of replies to a local post.
func (u URLs) Replies(id int64) string { return u.Post(id) + "/replies" }

// RepliesPage is one page of the replies collection of a local post, in
// Mastodon's URL shape: the owner's own replies first, paged by min_id
// (a row id), then everyone else's (only_other_accounts).
func (u URLs) RepliesPage(id int64, others bool, minID int64) string {
	q := url.Values{"page": {"true"}}
	if others {
		q.Set("only_other_accounts", "true")
	}
	if minID > 0 {
		q.Set("min_id", strconv.FormatInt(minID, 10))
	}
	return u.Replies(id) + "?" + q.Encode()
}

// PostPage is the HTML page of a local post.
func (u URLs) PostPage(id int64) string { return u.Profile() + "/" + strconv.FormatInt(id, 10) }

// Activity is the id of an activity kith sent that has no object of its
// own to hang from (Follow, Like, Block, Undo, Accept, ...); token is
// random, so ids can be made before anything is stored.
func (u URLs) Activity(token string) string { return u.base + "/activities/" + token }

// CreateActivity is the id of the Create (or, with a suffix, the Update)
// that published a local post.
func (u URLs) CreateActivity(postID int64) string { return u.Post(postID) + "/activity" }

// InstanceActor is the instance's own actor, which signs fetches that are
// not made on the owner's behalf.
func (u URLs) InstanceActor() string { return u.base + "/actor" }

// InstanceKey is the id of the instance actor's key.
func (u URLs) InstanceKey() string { return u.InstanceActor() + "#main-key" }

// InstanceInbox is the instance actor's inbox.
func (u URLs) InstanceInbox() string { return u.InstanceActor() + "/inbox" }

// InstanceCollection is one of the instance actor's collections (which is
// "outbox", "followers", "following" or "featured"); each is served, and
// always empty.
func (u URLs) InstanceCollection(which string) string {
	if which == "featured" {
		return u.InstanceActor() + "/collections/featured"
	}
	return u.InstanceActor() + "/" + which
}

// Tag is the HTML page of a hashtag.
func (u URLs) Tag(name string) string {
	return u.base + "/tags/" + url.PathEscape(strings.ToLower(name))
}

// Emoji is the document of one of the owner's custom emoji.
func (u URLs) Emoji(shortcode string) string { return u.base + "/emojis/" + url.PathEscape(shortcode) }

// Media is the URL of a file under the media directory.
func (u URLs) Media(path string) string { return u.base + "/media/" + path }

// LocalPostID returns the id of a local post from its URI, if it is one.
func (u URLs) LocalPostID(uri string) (int64, bool) {
	rest, ok := strings.CutPrefix(uri, u.Actor()+"/statuses/")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	return id, err == nil && id > 0
}

// IsLocal reports whether uri names something on this instance.
func (u URLs) IsLocal(uri string) bool {
	return uri == u.base || strings.HasPrefix(uri, u.base+"/") || strings.HasPrefix(uri, u.base+"#")
}

// QuoteAuthorization is the id of a stamp the owner gave a remote post
// to quote one of theirs (Mastodon's path for it).
func (u URLs) QuoteAuthorization(id int64) string {
	return u.Actor() + "/quote_authorizations/" + strconv.FormatInt(id, 10)
}

// LocalQuoteAuthorizationID returns the id of a stamp from its URI, if it
// is one of this instance's.
func (u URLs) LocalQuoteAuthorizationID(uri string) (int64, bool) {
	rest, ok := strings.CutPrefix(uri, u.Actor()+"/quote_authorizations/")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	return id, err == nil && id > 0
}

// publicMedia is the URL documents give for a media URL: kith's own
// file at Options.MediaPublicURL when that is set, anything else as it
// is.
func (f *Federation) publicMedia(u string) string {
	if f.opts.MediaPublicURL == "" {
		return u
	}
	name, ok := strings.CutPrefix(u, f.urls.Media(""))
	if !ok || name == "" || strings.HasPrefix(name, "remote/") {
		return u
	}
	return f.opts.MediaPublicURL + name
}

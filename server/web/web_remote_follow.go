package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"kith/federation"
	"kith/server/core"
	"kith/store"
)

const (
	RemoteFollowBurst  = 10
	RemoteFollowRefill = 6 * time.Second
)

type RemoteFollowPage struct {
	Site    core.Site
	Account AccountView
	Status  *StatusView // the post to interact with; nil for a follow
	Type    string      // follow, reply, reblog or favourite
	Verb    string      // the type as the page words it: "reply to", "boost", …
	Action  string      // the form's own URL
	Acct    string
	Error   string
}

// interactionVerb is what the page calls an /interact/{id}?type= value;
// empty for an unknown type.
func interactionVerb(typ string) string {
	switch typ {
	case "reply":
		return "reply to"
	case "reblog":
		return "boost"
	case "favourite":
		return "favourite"
	}
	return ""
}

// HandleRemoteFollow serves /remote_follow: the form, and with ?acct= the
// redirect to the visitor's server.
func (s *Web) HandleRemoteFollow(limit *core.RateLimiter) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, ok := s.remoteFollowView(w, r)
		if !ok {
			return
		}
		v.Type, v.Action = "follow", "/remote_follow"
		s.remoteInteract(w, r, limit, v, s.Fed.URLs().Actor())
	}
}

// HandleInteract serves /interact/{id}?type=reply|reblog|favourite for a
// post visitors may see.
func (s *Web) HandleInteract(limit *core.RateLimiter) core.Failing {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := strconv.ParseInt(core.PathParam(r, "id"), 10, 64)
		if err != nil {
			return store.ErrNotFound
		}
		p, err := s.DB.PostByID(r.Context(), id)
		if err == nil && (!p.Local || p.ReblogOfID != 0 || !publicVisibility(p.Visibility)) {
			err = store.ErrNotFound // the same answer for hidden and missing posts
		}
		if err != nil {
			return err
		}
		v, ok := s.remoteFollowView(w, r)
		if !ok {
			return nil
		}
		// Render the post as a visitor sees it, whoever asks.
		views, err := s.statusViews(withoutSession(r).Context(), []store.Post{p})
		if err == nil && len(views) == 0 {
			err = store.ErrNotFound
		}
		if err != nil {
			return err
		}
		v.Status = &views[0]
		v.Type = r.URL.Query().Get("type")
		if v.Verb = interactionVerb(v.Type); v.Verb == "" {
			v.Type, v.Verb = "reply", interactionVerb("reply")
		}
		v.Action = "/interact/" + strconv.FormatInt(id, 10)
		s.remoteInteract(w, r, limit, v, p.URI)
		return nil
	}
}

func (s *Web) remoteFollowView(w http.ResponseWriter, r *http.Request) (RemoteFollowPage, bool) {
	owner, err := s.DB.LocalActor(r.Context())
	if err != nil {
		s.RenderError(w, r, err)
		return RemoteFollowPage{}, false
	}
	return RemoteFollowPage{Site: s.Site(r), Account: s.accountViewOf(r.Context(), owner),
		Acct: strings.TrimSpace(r.URL.Query().Get("acct"))}, true
}

// remoteInteract shows the form, or sends the visitor to their server's
// page for uri when they gave their handle.
func (s *Web) remoteInteract(w http.ResponseWriter, r *http.Request, limit *core.RateLimiter, v RemoteFollowPage, uri string) {
	if v.Acct == "" {
		s.Render(w, r, http.StatusOK, "remote_follow", v)
		return
	}
	if !limit.Allow(core.ClientIP(r)) {
		v.Error = "Too many attempts. Wait a minute and try again."
		s.Render(w, r, http.StatusTooManyRequests, "remote_follow", v)
		return
	}
	if _, _, ok := federation.ParseAcct(v.Acct); !ok {
		v.Error = "Type your handle like @you@your.server."
		s.Render(w, r, http.StatusUnprocessableEntity, "remote_follow", v)
		return
	}
	tmpl, err := s.Fed.SubscribeTemplate(r.Context(), v.Acct)
	if err != nil {
		s.Logger.Debug("remote follow lookup failed", "acct", v.Acct, "err", err)
		v.Error = "Your server could not be asked, or it does not offer following from elsewhere. Check the handle, or search for " + s.Fed.URLs().Profile() + " on your server."
		if errors.Is(err, federation.ErrInvalid) {
			v.Error = "Type your handle like @you@your.server."
		}
		s.Render(w, r, http.StatusUnprocessableEntity, "remote_follow", v)
		return
	}
	http.Redirect(w, r, federation.FillSubscribeTemplate(tmpl, uri), http.StatusSeeOther)
}

// withoutSession is r as a visitor would send it.
func withoutSession(r *http.Request) *http.Request {
	return r.WithContext(core.ContextWithoutSession(r.Context()))
}

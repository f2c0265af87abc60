package web_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"kith/config"
	"kith/federation"
	"kith/server/core"
	"kith/server/servertest"
	"kith/store"
)

// webOwner is a test instance with a browser signed in as the owner and
// the session's CSRF token.
type webOwner struct {
	*servertest.Instance
	c     *http.Client
	token string
}

func newWebOwner(t *testing.T) *webOwner {
	t.Helper()
	return newWebOwnerWith(t, nil)
}

// newWebOwnerWith is newWebOwner on an instance whose config edit changes.
func newWebOwnerWith(t *testing.T, edit func(*config.Config)) *webOwner {
	t.Helper()
	in := servertest.New(t, edit)
	c := in.Browser(t)
	_, page := servertest.Get(t, c, in.HTTP.URL+"/login")
	resp, _ := servertest.Post(t, c, in.HTTP.URL+"/login", url.Values{
		"csrf_token": {servertest.CSRFToken(t, page)}, "username": {"admin"}, "password": {servertest.Password},
	})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: status %d, want 303", resp.StatusCode)
	}
	resp, page = servertest.Get(t, c, in.HTTP.URL+"/compose")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /compose: status %d, want 200", resp.StatusCode)
	}
	return &webOwner{Instance: in, c: c, token: servertest.CSRFToken(t, page)}
}

// post sends a form with the session's CSRF token.
func (o *webOwner) post(t *testing.T, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", o.token)
	return servertest.Post(t, o.c, o.HTTP.URL+path, form)
}

func (o *webOwner) get(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	return servertest.Get(t, o.c, o.HTTP.URL+path)
}

// ownPost publishes a post straight through federation.
func (o *webOwner) ownPost(t *testing.T, np federation.NewPost) store.Post {
	t.Helper()
	p, err := o.Srv.Fed.Post(context.Background(), np)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// latestPost is the newest post in the database.
func latestPost(t *testing.T, db *store.DB) store.Post {
	t.Helper()
	owner := mustOwnerID(t, db)
	posts, err := db.AccountStatuses(context.Background(), owner, store.Page{Limit: 1}, store.AccountOptions{ViewerID: owner})
	if err != nil || len(posts) == 0 {
		t.Fatalf("no post stored: %v", err)
	}
	return posts[0]
}

func mustOwnerID(t *testing.T, db *store.DB) int64 {
	t.Helper()
	a, err := db.LocalActor(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

func countPosts(t *testing.T, db *store.DB) int {
	t.Helper()
	owner := mustOwnerID(t, db)
	posts, err := db.AccountStatuses(context.Background(), owner, store.Page{Limit: store.MaxLimit}, store.AccountOptions{ViewerID: owner})
	if err != nil {
		t.Fatal(err)
	}
	return len(posts)
}

func TestWebComposePostReachesHomeAndFederation(t *testing.T) {
	for _, vis := range []string{store.Public, store.Unlisted, store.Private, store.Direct} {
		t.Run(vis, func(t *testing.T) {
			o := newWebOwner(t)
			resp, body := o.post(t, "/compose", url.Values{"status": {"Hello from the **web** " + vis}, "visibility": {vis},
				"spoiler_text": {"bread talk"}, "language": {"de"}, "action": {"publish"}})
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/home" {
				t.Fatalf("POST /compose: status %d to %q, want 303 to /home:\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
			}
			p := latestPost(t, o.DB)
			if p.Visibility != vis || p.Summary != "bread talk" || p.Language != "de" || !strings.Contains(p.Content, "<strong>web</strong>") {
				t.Errorf("stored post: visibility %q, summary %q, language %q, content %q", p.Visibility, p.Summary, p.Language, p.Content)
			}
			if want := o.Srv.Fed.URLs().Post(p.ID); p.URI != want {
				t.Errorf("post URI %q, want %q (federation's)", p.URI, want)
			}
			act, err := o.DB.ActivityByURI(context.Background(), o.Srv.Fed.URLs().CreateActivity(p.ID))
			if err != nil || act.Type != "Create" || act.Public != (vis == store.Public || vis == store.Unlisted) {
				t.Errorf("Create activity %+v (%v), want one, public only when listed", act, err)
			}
			_, home := o.get(t, "/home")
			if !strings.Contains(home, `id="status-`+strconv.FormatInt(p.ID, 10)+`"`) || !strings.Contains(home, "bread talk") {
				t.Errorf("the post is not on /home:\n%s", home)
			}
			// What a visitor's client sees follows the visibility.
			_, public := servertest.Get(t, http.DefaultClient, o.HTTP.URL+"/api/v1/timelines/public")
			if got, want := strings.Contains(public, "Hello from the"), vis == store.Public; got != want {
				t.Errorf("post in the anonymous public timeline: %v, want %v", got, want)
			}
		})
	}
}

func TestWebComposeUsesDefaultsForTheShortForm(t *testing.T) {
	o := newWebOwner(t)
	err := o.DB.InTx(context.Background(), func(tx *store.Tx) error {
		return tx.SetSetting(context.Background(), core.SettingDefaultPrivacy, store.Unlisted)
	})
	if err != nil {
		t.Fatal(err)
	}
	resp, _ := o.post(t, "/compose", url.Values{"status": {"quick one"}, "action": {"publish"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d, want 303", resp.StatusCode)
	}
	if p := latestPost(t, o.DB); p.Visibility != store.Unlisted {
		t.Errorf("visibility %q, want the default %q", p.Visibility, store.Unlisted)
	}
}

func TestWebComposePreviewStoresNothing(t *testing.T) {
	o := newWebOwner(t)
	resp, body := o.post(t, "/compose", url.Values{"status": {"some **bold** words #bread"}, "spoiler_text": {"cw here"}, "action": {"preview"}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	for _, want := range []string{`class="preview`, "<strong>bold</strong>", `class="mention hashtag"`, "some **bold** words #bread</textarea>", `value="cw here"`} {
		if !strings.Contains(body, want) {
			t.Errorf("preview page lacks %q:\n%s", want, body)
		}
	}
	if n := countPosts(t, o.DB); n != 0 {
		t.Errorf("%d posts stored by a preview, want 0", n)
	}
}

func TestWebComposeRefusals(t *testing.T) {
	o := newWebOwner(t)
	tests := []struct {
		name   string
		form   url.Values
		status int
		says   string
	}{
		{"empty", url.Values{"status": {"  "}}, http.StatusUnprocessableEntity, "The post is empty"},
		{"too long", url.Values{"status": {strings.Repeat("a", 5001)}}, http.StatusUnprocessableEntity, "more than 5000"},
		{"one poll option", url.Values{"status": {"q"}, "poll_option": {"yes", "", "", ""}, "poll_expires_in": {"3600"}}, http.StatusUnprocessableEntity, "2 to 4 options"},
		{"bad visibility", url.Values{"status": {"q"}, "visibility": {"everyone"}}, http.StatusUnprocessableEntity, "Unknown visibility"},
		{"bad focus", url.Values{"status": {"q"}, "media_id_0": {"1"}, "focus_0": {"3,3"}}, http.StatusUnprocessableEntity, "focal point"},
		{"unknown upload", url.Values{"status": {"q"}, "media_id_0": {"999"}}, http.StatusUnprocessableEntity, "no longer available"},
		{"reply to nothing", url.Values{"status": {"q"}, "in_reply_to": {"999"}}, http.StatusNotFound, "nothing here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.form.Set("action", "publish")
			resp, body := o.post(t, "/compose", tt.form)
			if resp.StatusCode != tt.status || !strings.Contains(body, tt.says) {
				t.Errorf("status %d, want %d saying %q:\n%s", resp.StatusCode, tt.status, tt.says, body)
			}
			if tt.status == http.StatusUnprocessableEntity && !strings.Contains(body, `role="alert"`) {
				t.Errorf("the form is not shown again with the error")
			}
		})
	}
	if n := countPosts(t, o.DB); n != 0 {
		t.Errorf("%d posts stored, want 0", n)
	}
}

func TestWebComposeReplyAndEdit(t *testing.T) {
	o := newWebOwner(t)
	parent := o.ownPost(t, federation.NewPost{Text: "the parent", Visibility: store.Private})
	resp, page := o.get(t, "/compose?in_reply_to="+strconv.FormatInt(parent.ID, 10))
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "the parent") ||
		!strings.Contains(page, `<option value="private" selected>`) {
		t.Fatalf("reply form: status %d, want 200 showing the parent, followers-only:\n%s", resp.StatusCode, page)
	}
	resp, body := o.post(t, "/compose", url.Values{"status": {"the reply"}, "visibility": {store.Private},
		"in_reply_to": {strconv.FormatInt(parent.ID, 10)}, "action": {"publish"}})
	reply := latestPost(t, o.DB)
	wantLoc := "/thread/" + strconv.FormatInt(parent.ID, 10) + "#status-" + strconv.FormatInt(reply.ID, 10)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != wantLoc {
		t.Fatalf("reply: status %d to %q, want 303 to %q:\n%s", resp.StatusCode, resp.Header.Get("Location"), wantLoc, body)
	}
	if reply.InReplyToID != parent.ID || reply.InReplyToURI != parent.URI {
		t.Errorf("reply in reply to %d %q, want %d %q", reply.InReplyToID, reply.InReplyToURI, parent.ID, parent.URI)
	}

	id := strconv.FormatInt(reply.ID, 10)
	resp, page = o.get(t, "/compose?edit="+id)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, ">the reply</textarea>") || !strings.Contains(page, `name="edit" value="`+id+`"`) {
		t.Fatalf("edit form: status %d, want 200 with the text:\n%s", resp.StatusCode, page)
	}
	resp, _ = o.post(t, "/compose", url.Values{"status": {"the reply, edited"}, "edit": {id}, "action": {"publish"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/thread/"+id {
		t.Fatalf("edit: status %d to %q, want 303 to the thread", resp.StatusCode, resp.Header.Get("Location"))
	}
	edited, err := o.DB.PostByID(context.Background(), reply.ID)
	if err != nil || edited.Source != "the reply, edited" || edited.EditedAt.IsZero() || edited.Visibility != store.Private {
		t.Errorf("after edit: source %q, edited at %v, visibility %q, err %v", edited.Source, edited.EditedAt, edited.Visibility, err)
	}

	// Others' posts cannot be edited.
	remote := o.remotePost(t, "not yours")
	if resp, _ := o.get(t, "/compose?edit="+strconv.FormatInt(remote.ID, 10)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("edit form of a remote post: status %d, want 404", resp.StatusCode)
	}
	resp, _ = o.post(t, "/compose", url.Values{"status": {"x"}, "edit": {strconv.FormatInt(remote.ID, 10)}, "action": {"publish"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("editing a remote post: status %d, want 403", resp.StatusCode)
	}
}

// remotePost stores a public post by a remote account.
func (o *webOwner) remotePost(t *testing.T, text string) store.Post {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := o.DB.InTx(ctx, func(tx *store.Tx) error {
		author, err := tx.UpsertActor(ctx, store.Actor{URI: "https://remote.example/users/bob", Type: "Person", Username: "bob",
			Domain: "remote.example", Inbox: "https://remote.example/users/bob/inbox", URL: "https://remote.example/@bob"})
		if err != nil {
			return err
		}
		id, err = tx.InsertPost(ctx, store.Post{URI: "https://remote.example/notes/" + strconv.Itoa(len(text)) + text[:1], AuthorID: author,
			Visibility: store.Public, Type: "Note", Content: "<p>" + text + "</p>", PublishedAt: o.Clock.Now()})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := o.DB.PostByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestWebComposePoll(t *testing.T) {
	o := newWebOwner(t)
	resp, body := o.post(t, "/compose", url.Values{"status": {"tea or coffee?"}, "poll_option": {"tea", "coffee", "", ""},
		"poll_multiple": {"1"}, "poll_expires_in": {"3600"}, "action": {"publish"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d, want 303:\n%s", resp.StatusCode, body)
	}
	p := latestPost(t, o.DB)
	if p.Poll == nil || len(p.Poll.Options) != 2 || p.Poll.Options[1].Title != "coffee" || !p.Poll.Multiple ||
		p.Poll.ExpiresAt.Sub(p.PublishedAt).Round(1e9).Seconds() != 3600 {
		t.Fatalf("poll %+v, want tea/coffee, multiple, an hour", p.Poll)
	}
	_, home := o.get(t, "/home")
	if !strings.Contains(home, `class="status-poll"`) {
		t.Errorf("the poll is not shown on /home")
	}
}

var mediaIDRE = regexp.MustCompile(`name="media_id_0" value="(\d+)"`)

// pngBytes is a small PNG image.
func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := range 40 {
		for y := range 30 {
			img.Set(x, y, color.RGBA{uint8(x * 6), uint8(y * 8), 90, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// postMultipart sends the compose form with files by field name.
func (o *webOwner) postMultipart(t *testing.T, fields url.Values, files map[string][]byte) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fields.Set("csrf_token", o.token)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for name, data := range files {
		fw, err := mw.CreateFormFile(name, name+".png")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	mw.Close()
	resp, err := o.c.Post(o.HTTP.URL+"/compose", mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	return resp, servertest.ReadBody(t, resp)
}

func TestWebComposeImageWithAltTextAndFocus(t *testing.T) {
	o := newWebOwner(t)
	// A preview stores the image and carries it in the form.
	resp, page := o.postMultipart(t, url.Values{"status": {"look"}, "alt_0": {"a gradient"}, "focus_0": {"0.5,-0.25"}, "action": {"preview"}},
		map[string][]byte{"file_0": pngBytes(t)})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("preview: status %d, want 200:\n%s", resp.StatusCode, page)
	}
	m := mediaIDRE.FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, `alt="a gradient"`) || !strings.Contains(page, `value="0.5,-0.25"`) {
		t.Fatalf("preview does not carry the image:\n%s", page)
	}
	// Publishing with a changed description keeps the change.
	resp, body := o.post(t, "/compose", url.Values{"status": {"look"}, "media_id_0": {m[1]}, "alt_0": {"a blue gradient"},
		"focus_0": {"0.5,-0.25"}, "action": {"publish"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: status %d, want 303:\n%s", resp.StatusCode, body)
	}
	p := latestPost(t, o.DB)
	if len(p.Attachments) != 1 {
		t.Fatalf("%d attachments, want 1", len(p.Attachments))
	}
	a := p.Attachments[0]
	if a.Description != "a blue gradient" || a.FocusX != 0.5 || a.FocusY != -0.25 || a.MediaType != "image/png" || a.Width != 40 {
		t.Errorf("attachment %+v, want the PNG described, focus 0.5,-0.25", a)
	}
	_, home := o.get(t, "/home")
	if !strings.Contains(home, `alt="a blue gradient"`) || !strings.Contains(home, `<figcaption aria-hidden="true">a blue gradient</figcaption>`) {
		t.Errorf("the image and its alt text are not on /home")
	}
	// An image and a poll together are refused; the image stays in the form.
	resp, body = o.postMultipart(t, url.Values{"status": {"both"}, "poll_option": {"a", "b"}, "poll_expires_in": {"3600"}, "action": {"publish"}},
		map[string][]byte{"file_0": pngBytes(t)})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "both images and a poll") || !mediaIDRE.MatchString(body) {
		t.Errorf("image and poll: status %d, want 422 keeping the image:\n%s", resp.StatusCode, body)
	}
	// Not an image.
	resp, body = o.postMultipart(t, url.Values{"status": {"x"}, "action": {"publish"}}, map[string][]byte{"file_1": []byte("plain text")})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "must be a JPEG, PNG, GIF or WebP image") {
		t.Errorf("a text file: status %d, want 422:\n%s", resp.StatusCode, body)
	}
}

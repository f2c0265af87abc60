package api_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"kith/account"
	"kith/events"
	"kith/server/core"
	"kith/server/oauth"
	"kith/server/servertest"
	"kith/store"
)

// revokeWait bounds how long a test waits for a revoked stream to end.
// Revocation closes streams at once (in this process) or within
// credentialRecheck (from another); the bound is only there so that a
// stream that stays open fails the test instead of hanging it.
const revokeWait = 3 * time.Second

// openEndingSSE opens a server-sent-events stream with c and returns a
// channel closed when the server ends it.
func openEndingSSE(t *testing.T, c *http.Client, u string, prepare func(*http.Request)) <-chan struct{} {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	prepare(req)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Fatalf("GET %s: status %d %s, want an event stream: %s", u, resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
	}()
	return ended
}

// openEndingSocket opens the streaming WebSocket on the user stream and
// returns a channel closed when the server ends it, and the close status
// it gave, to read once ended is closed.
func openEndingSocket(t *testing.T, base, token string) (<-chan struct{}, *websocket.StatusCode) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	u := "ws" + strings.TrimPrefix(base, "http") + "/api/v1/streaming?stream=user"
	dctx, dcancel := context.WithTimeout(ctx, servertest.StreamWait)
	defer dcancel()
	conn, _, err := websocket.Dial(dctx, u, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + token}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	ended, status := make(chan struct{}), new(websocket.StatusCode)
	go func() {
		defer close(ended)
		for {
			if _, _, err := conn.Read(ctx); err != nil {
				*status = websocket.CloseStatus(err)
				return
			}
		}
	}()
	return ended, status
}

func requireEnded(t *testing.T, what string, ended <-chan struct{}) bool {
	t.Helper()
	select {
	case <-ended:
		return true
	case <-time.After(revokeWait):
		t.Errorf("%s still open %v after the revocation", what, revokeWait)
		return false
	}
}

func requireOpen(t *testing.T, what string, ended <-chan struct{}) {
	t.Helper()
	select {
	case <-ended:
		t.Fatalf("%s ended before the revocation", what)
	default:
	}
}

// watchCredential subscribes to the server's hub as a stream opened with
// cred would, to see the Revoked event an in-process revocation publishes.
func watchCredential(t *testing.T, in *servertest.Instance, cred string) *events.Subscription {
	t.Helper()
	sub, err := in.Srv.Opts.Events.SubscribeAs(cred)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sub.Cancel)
	return sub
}

func revoked(sub *events.Subscription) bool {
	select {
	case <-sub.Revoked():
		return true
	default:
		return false
	}
}

// otherProcess opens the instance's database as a second handle, as a
// kith command run beside kith serve does: what it changes publishes
// nothing to the server's hub.
func otherProcess(t *testing.T, in *servertest.Instance) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(in.Srv.Config().Server.DataDir, "kith.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Every way of revoking an access token ends its open streams, SSE and
// WebSocket alike: at once when the server makes the revocation (through
// the hub), within a second when another process does (in the
// database).
func TestRevokedTokenEndsStreams(t *testing.T) {
	ctx := context.Background()
	type fixture struct {
		in    *servertest.Instance
		owner *http.Client
		csrf  string
		app   store.OAuthApp
		token string
	}
	tests := []struct {
		name      string
		inProcess bool
		allTokens bool // revokes the bystander's token too
		revoke    func(t *testing.T, f fixture)
	}{
		{"POST /oauth/revoke", true, false, func(t *testing.T, f fixture) {
			resp, body := servertest.Post(t, http.DefaultClient, f.in.HTTP.URL+"/oauth/revoke", url.Values{
				"client_id": {f.app.ClientID}, "client_secret": {f.app.ClientSecret}, "token": {f.token}})
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("revoke: status %d %s", resp.StatusCode, body)
			}
		}},
		{"Settings → Applications: revoke", true, false, func(t *testing.T, f fixture) {
			resp, _ := servertest.Post(t, f.owner, f.in.HTTP.URL+"/settings/applications/revoke", url.Values{"csrf_token": {f.csrf}, "id": {strconv.FormatInt(f.app.ID, 10)}})
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("revoke app: status %d", resp.StatusCode)
			}
		}},
		{"Settings → Applications: new token", true, false, func(t *testing.T, f fixture) {
			resp, _ := servertest.Post(t, f.owner, f.in.HTTP.URL+"/settings/applications/"+strconv.FormatInt(f.app.ID, 10)+"/token", url.Values{"csrf_token": {f.csrf}})
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("regenerate: status %d", resp.StatusCode)
			}
		}},
		{"Settings → Password", true, true, func(t *testing.T, f fixture) {
			changePassword(t, f.in, f.owner, f.csrf)
		}},
		{"kith token revoke (another process)", false, false, func(t *testing.T, f fixture) {
			db := otherProcess(t, f.in)
			if err := db.InTx(ctx, func(tx *store.Tx) error { _, err := tx.DeleteOAuthApp(ctx, f.app.ID); return err }); err != nil {
				t.Fatal(err)
			}
		}},
		{"kith account password (another process)", false, true, func(t *testing.T, f fixture) {
			if _, err := account.SetPassword(ctx, otherProcess(t, f.in), "a brand new password"); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := servertest.New(t, nil)
			owner := in.Browser(t)
			f := fixture{in: in, owner: owner, csrf: in.SignIn(t, owner)}
			var err error
			if f.app, f.token, err = oauth.CreateAppToken(ctx, in.DB, "bot", "", "", "read"); err != nil {
				t.Fatal(err)
			}
			_, bystander, err := oauth.CreateAppToken(ctx, in.DB, "another bot", "", "", "read")
			if err != nil {
				t.Fatal(err)
			}
			bearer := func(token string) func(*http.Request) {
				return func(req *http.Request) { req.Header.Set("Authorization", "Bearer "+token) }
			}
			sse := openEndingSSE(t, http.DefaultClient, in.HTTP.URL+"/api/v1/streaming/user", bearer(f.token))
			ws, status := openEndingSocket(t, in.HTTP.URL, f.token)
			requireOpen(t, "the SSE stream", sse)
			requireOpen(t, "the WebSocket", ws)
			watch := watchCredential(t, in, events.TokenCredential(store.HashSessionToken(f.token)))
			watchBystander := watchCredential(t, in, events.TokenCredential(store.HashSessionToken(bystander)))

			tt.revoke(t, f)
			if tt.inProcess && !revoked(watch) {
				t.Errorf("no Revoked event for the token when the request returned")
			}
			if !tt.allTokens && revoked(watchBystander) {
				t.Errorf("another application's token was revoked too")
			}
			requireEnded(t, "the SSE stream", sse)
			if requireEnded(t, "the WebSocket", ws) && *status != websocket.StatusPolicyViolation {
				t.Errorf("WebSocket closed with %v, want %v", *status, websocket.StatusPolicyViolation)
			}
		})
	}
}

// changePassword changes the owner's password on the settings page and
// returns the page it lands on.
func changePassword(t *testing.T, in *servertest.Instance, c *http.Client, csrf string) string {
	t.Helper()
	resp, body := servertest.Post(t, c, in.HTTP.URL+"/settings/password", url.Values{"csrf_token": {csrf},
		"current_password": {servertest.Password}, "password": {"a brand new password"}, "password_confirmation": {"a brand new password"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("change password: status %d %s", resp.StatusCode, body)
	}
	_, page := servertest.Get(t, c, in.HTTP.URL+resp.Header.Get("Location"))
	return page
}

// Signing a browser out, in any of the ways there are, ends the live
// updates of its pages (/home/events).
func TestSignOutEndsWebEvents(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		inProcess bool
		revoke    func(t *testing.T, in *servertest.Instance, a *http.Client, csrfA string)
	}{
		{"sign out", true, func(t *testing.T, in *servertest.Instance, a *http.Client, csrfA string) {
			if resp, _ := servertest.Post(t, a, in.HTTP.URL+"/logout", url.Values{"csrf_token": {csrfA}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("logout: status %d", resp.StatusCode)
			}
		}},
		{"Settings → Sessions: revoke, from another browser", true, func(t *testing.T, in *servertest.Instance, a *http.Client, csrfA string) {
			b := in.Browser(t)
			csrfB := in.SignIn(t, b)
			_, page := servertest.Get(t, b, in.HTTP.URL+"/settings/sessions")
			var id string
			for _, row := range strings.Split(page, "<tr>") {
				if m := servertest.IDRE.FindStringSubmatch(row); m != nil && !strings.Contains(row, "(this browser)") {
					id = m[1]
				}
			}
			if resp, _ := servertest.Post(t, b, in.HTTP.URL+"/settings/sessions/revoke", url.Values{"csrf_token": {csrfB}, "id": {id}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("revoke session: status %d", resp.StatusCode)
			}
		}},
		{"Settings → Password, from another browser", true, func(t *testing.T, in *servertest.Instance, a *http.Client, csrfA string) {
			b := in.Browser(t)
			changePassword(t, in, b, in.SignIn(t, b))
		}},
		{"kith account password (another process)", false, func(t *testing.T, in *servertest.Instance, a *http.Client, csrfA string) {
			if _, err := account.SetPassword(ctx, otherProcess(t, in), "a brand new password"); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := servertest.New(t, nil)
			a := in.Browser(t)
			csrfA := in.SignIn(t, a)
			sess, err := in.DB.Sessions(ctx, in.Now())
			if err != nil || len(sess) != 1 {
				t.Fatalf("sessions %d (%v), want 1", len(sess), err)
			}
			live := openEndingSSE(t, a, in.HTTP.URL+"/home/events", func(*http.Request) {})
			requireOpen(t, "/home/events", live)
			watch := watchCredential(t, in, events.SessionCredential(sess[0].TokenHash))
			tt.revoke(t, in, a, csrfA)
			if tt.inProcess && !revoked(watch) {
				t.Errorf("no Revoked event for the session when the request returned")
			}
			requireEnded(t, "/home/events", live)
		})
	}
}

// A new password set on the settings page signs out every other browser
// and revokes every token that acts as the owner, and the page says how
// many; this browser stays signed in.
func TestPasswordChangeRevokesSessionsAndTokens(t *testing.T) {
	ctx := context.Background()
	in := servertest.New(t, nil)
	a, b, c := in.Browser(t), in.Browser(t), in.Browser(t)
	csrfA := in.SignIn(t, a)
	in.SignIn(t, b)
	in.SignIn(t, c)
	var tokens []string
	for _, name := range []string{"phone", "bot"} {
		_, token, err := oauth.CreateAppToken(ctx, in.DB, name, "", "", "read")
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, token)
	}
	app := servertest.RegisterApp(t, in, url.Values{"client_name": {"reader"}, "redirect_uris": {core.OobRedirectURI}, "scopes": {"read"}})
	status, got := servertest.RequestToken(t, in, url.Values{"grant_type": {"client_credentials"}, "client_id": {app.ClientID}, "client_secret": {app.ClientSecret}})
	if status != http.StatusOK {
		t.Fatalf("client credentials: status %d %v", status, got)
	}
	appOnly := got["access_token"].(string)

	page := changePassword(t, in, a, csrfA)
	if want := "Signed out 2 other sessions and revoked 2 app tokens"; !strings.Contains(page, want) {
		t.Errorf("the page does not say %q:\n%s", want, page)
	}
	if r, _ := servertest.Get(t, a, in.HTTP.URL+"/settings/sessions"); r.StatusCode != http.StatusOK {
		t.Errorf("this browser was signed out: status %d", r.StatusCode)
	}
	for name, other := range map[string]*http.Client{"b": b, "c": c} {
		if r, _ := servertest.Get(t, other, in.HTTP.URL+"/settings/sessions"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("browser %s still signed in: status %d", name, r.StatusCode)
		}
	}
	for _, token := range tokens {
		if status, _ := servertest.BearerCall(t, in, "GET", "/api/v1/accounts/verify_credentials", token); status != http.StatusUnauthorized {
			t.Errorf("an app token survived the password change: status %d", status)
		}
	}
	if status, _ := servertest.BearerCall(t, in, "GET", "/api/v1/apps/verify_credentials", appOnly); status != http.StatusOK {
		t.Errorf("the app-only token (it never came from the password): status %d, want 200", status)
	}
	if sessions, err := in.DB.Sessions(ctx, in.Now()); err != nil || len(sessions) != 1 {
		t.Errorf("%d sessions (%v), want this browser's only", len(sessions), err)
	}
	if _, err := in.DB.OAuthTokenByToken(ctx, tokens[0]); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("token row: %v, want ErrNotFound", err)
	}
}

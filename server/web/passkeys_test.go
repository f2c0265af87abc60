package web_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"kith/server/core"
	"kith/server/servertest"
	"kith/server/web"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
)

// softAuthenticator is a platform authenticator in software, enough of
// one to answer WebAuthn ceremonies as a browser would pass them on: a
// P-256 key, "none" attestation, a sign count. origin is what the
// "browser" puts in the client data.
type softAuthenticator struct {
	t      *testing.T
	key    *ecdsa.PrivateKey
	id     []byte
	handle []byte // the user handle it stored with the credential
	origin string
	count  uint32
	flags  byte
}

const (
	flagUP = 0x01 // user present
	flagUV = 0x04 // user verified
	flagAT = 0x40 // attested credential data included
)

func newSoftAuthenticator(t *testing.T) *softAuthenticator {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 16)
	rand.Read(id)
	return &softAuthenticator{t: t, key: key, id: id, origin: "http://localhost:8080", flags: flagUP | flagUV}
}

var b64 = base64.RawURLEncoding

// ceremonyOptions is the part of the server's options the authenticator
// reads.
type ceremonyOptions struct {
	PublicKey struct {
		Challenge string
		RP        struct{ ID string }
		User      struct{ ID string }
		RPID      string `json:"rpId"`
		// AllowCredentials lists the credentials a second step accepts.
		AllowCredentials []struct{ ID string } `json:"allowCredentials"`
		UserVerification string                `json:"userVerification"`
		Selection        struct {
			ResidentKey string `json:"residentKey"`
		} `json:"authenticatorSelection"`
	} `json:"publicKey"`
}

func (a *softAuthenticator) clientData(typ, challenge string) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": a.origin, "crossOrigin": false})
	return b
}

func (a *softAuthenticator) authData(rpID string, flags byte, attested []byte) []byte {
	rpHash := sha256.Sum256([]byte(rpID))
	out := append(rpHash[:], flags)
	out = binary.BigEndian.AppendUint32(out, a.count)
	return append(out, attested...)
}

// create answers navigator.credentials.create: the credential as
// passkey.js posts it.
func (a *softAuthenticator) create(o ceremonyOptions) string {
	a.t.Helper()
	handle, err := b64.DecodeString(o.PublicKey.User.ID)
	if err != nil {
		a.t.Fatal(err)
	}
	a.handle = handle
	x, y := make([]byte, 32), make([]byte, 32)
	a.key.PublicKey.X.FillBytes(x)
	a.key.PublicKey.Y.FillBytes(y)
	cose, err := webauthncbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: x, -3: y}) // EC2, ES256, P-256
	if err != nil {
		a.t.Fatal(err)
	}
	attested := make([]byte, 16) // AAGUID: none
	attested = binary.BigEndian.AppendUint16(attested, uint16(len(a.id)))
	attested = append(append(attested, a.id...), cose...)
	obj, err := webauthncbor.Marshal(map[string]any{
		"fmt": "none", "attStmt": map[string]any{}, "authData": a.authData(o.PublicKey.RP.ID, a.flags|flagAT, attested),
	})
	if err != nil {
		a.t.Fatal(err)
	}
	return a.credential(map[string]any{
		"clientDataJSON":    b64.EncodeToString(a.clientData("webauthn.create", o.PublicKey.Challenge)),
		"attestationObject": b64.EncodeToString(obj),
		"transports":        []string{"internal"},
	})
}

// get answers navigator.credentials.get, signing the challenge.
func (a *softAuthenticator) get(o ceremonyOptions) string {
	a.t.Helper()
	a.count++
	auth := a.authData(o.PublicKey.RPID, a.flags, nil)
	clientData := a.clientData("webauthn.get", o.PublicKey.Challenge)
	hash := sha256.Sum256(clientData)
	digest := sha256.Sum256(append(append([]byte{}, auth...), hash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.key, digest[:])
	if err != nil {
		a.t.Fatal(err)
	}
	return a.credential(map[string]any{
		"clientDataJSON":    b64.EncodeToString(clientData),
		"authenticatorData": b64.EncodeToString(auth),
		"signature":         b64.EncodeToString(sig),
		"userHandle":        b64.EncodeToString(a.handle),
	})
}

func (a *softAuthenticator) credential(response map[string]any) string {
	b, _ := json.Marshal(map[string]any{
		"id": b64.EncodeToString(a.id), "rawId": b64.EncodeToString(a.id), "type": "public-key",
		"authenticatorAttachment": "platform", "clientExtensionResults": map[string]any{}, "response": response,
	})
	return string(b)
}

// postJSON posts a form to a ceremony endpoint and decodes its answer.
func postJSON(t *testing.T, c *http.Client, u string, form url.Values, v any) int {
	t.Helper()
	resp, body := servertest.Post(t, c, u, form)
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("POST %s: status %d, not JSON: %s", u, resp.StatusCode, body)
	}
	return resp.StatusCode
}

// addPasskey registers a's credential as the owner signed in on c.
func addPasskey(t *testing.T, in *servertest.Instance, c *http.Client, csrf string, a *softAuthenticator) {
	t.Helper()
	var o ceremonyOptions
	if status := postJSON(t, c, in.HTTP.URL+"/settings/2fa/passkeys/begin", url.Values{
		"csrf_token": {csrf}, "name": {"  test   key "}, "current_password": {servertest.Password},
	}, &o); status != http.StatusOK {
		t.Fatalf("register begin: status %d", status)
	}
	if o.PublicKey.RP.ID != "localhost" || o.PublicKey.Selection.ResidentKey != "required" {
		t.Errorf("creation options %+v: want RP localhost and a discoverable credential", o.PublicKey)
	}
	var done map[string]string
	if status := postJSON(t, c, in.HTTP.URL+"/settings/2fa/passkeys/finish", url.Values{
		"csrf_token": {csrf}, "credential": {a.create(o)},
	}, &done); status != http.StatusOK || done["redirect"] != "/settings/2fa?done=passkey-added" {
		t.Fatalf("register finish: %d %v", status, done)
	}
}

// passkeySignIn runs a sign-in ceremony on c's current page (whose form
// token is csrf) with form's extra fields, and returns the finish status
// and answer.
func passkeySignIn(t *testing.T, in *servertest.Instance, c *http.Client, csrf string, extra url.Values, a *softAuthenticator) (int, map[string]string, ceremonyOptions) {
	t.Helper()
	form := url.Values{"csrf_token": {csrf}}
	for k, v := range extra {
		form[k] = v
	}
	var o ceremonyOptions
	if status := postJSON(t, c, in.HTTP.URL+"/login/passkey/begin", form, &o); status != http.StatusOK {
		t.Fatalf("sign-in begin: status %d", status)
	}
	form.Set("credential", a.get(o))
	var done map[string]string
	status := postJSON(t, c, in.HTTP.URL+"/login/passkey/finish", form, &done)
	return status, done, o
}

func TestPasskeys(t *testing.T) {
	in := servertest.New(t, nil)
	owner := in.Browser(t)
	csrf := in.SignIn(t, owner)
	var refused map[string]string
	if status := postJSON(t, owner, in.HTTP.URL+"/settings/2fa/passkeys/begin", url.Values{
		"csrf_token": {csrf}, "current_password": {"not it"},
	}, &refused); status != http.StatusUnauthorized || refused["error"] == "" {
		t.Errorf("begin with a wrong password: %d %v, want 401 with an error", status, refused)
	}
	key := newSoftAuthenticator(t)
	addPasskey(t, in, owner, csrf, key)
	if _, page := servertest.Get(t, owner, in.HTTP.URL+"/settings/2fa"); !strings.Contains(page, "<td>test key</td>") {
		t.Errorf("settings page does not list the passkey:\n%s", page)
	}

	t.Run("alone", func(t *testing.T) {
		c := in.Browser(t)
		_, page := servertest.Get(t, c, in.HTTP.URL+"/login")
		if !strings.Contains(page, "Sign in with a passkey") || !strings.Contains(page, "/static/passkey.js") {
			t.Fatalf("login page offers no passkey:\n%s", page)
		}
		status, done, o := passkeySignIn(t, in, c, servertest.CSRFToken(t, page), url.Values{"next": {"/notifications"}}, key)
		if status != http.StatusOK || done["redirect"] != "/notifications" || !signedIn(t, in, c) {
			t.Fatalf("passkey sign-in: %d %v", status, done)
		}
		if o.PublicKey.UserVerification != "required" || len(o.PublicKey.AllowCredentials) != 0 {
			t.Errorf("request options %+v: want user verification required and no allow list (discoverable)", o.PublicKey)
		}
	})

	t.Run("refused", func(t *testing.T) {
		tests := []struct {
			name string
			edit func(a *softAuthenticator)
		}{
			{"no user verification", func(a *softAuthenticator) { a.flags = flagUP }},
			{"another origin", func(a *softAuthenticator) { a.origin = "http://evil.example" }},
			{"another key", func(a *softAuthenticator) {
				a.key, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			}},
			{"another user", func(a *softAuthenticator) { a.handle = []byte("someone else") }},
		}
		for _, tt := range tests {
			c := in.Browser(t)
			_, page := servertest.Get(t, c, in.HTTP.URL+"/login")
			a := *key
			tt.edit(&a)
			status, done, _ := passkeySignIn(t, in, c, servertest.CSRFToken(t, page), nil, &a)
			if status != http.StatusUnauthorized || signedIn(t, in, c) {
				t.Errorf("%s: %d %v, want 401 and no session", tt.name, status, done)
			}
		}
	})

	t.Run("second factor", func(t *testing.T) {
		in.Clock.Add(core.SignInWindow) // the refusals above drew on the limiter
		grant := url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {servertest.Password}}
		app := servertest.RegisterApp(t, in, url.Values{"client_name": {"App"}, "redirect_uris": {"urn:ietf:wg:oauth:2.0:oob"}})
		grant.Set("client_id", app.ClientID)
		grant.Set("client_secret", app.ClientSecret)
		if status, got := servertest.RequestToken(t, in, grant); status != http.StatusBadRequest || got["error"] != "invalid_grant" {
			t.Errorf("password grant with a passkey: %d %v, want invalid_grant", status, got)
		}

		c := in.Browser(t)
		if resp := passwordStep(t, in, c, "/home"); resp.Header.Get("Location") != "/login/2fa" {
			t.Fatalf("password step: to %q, want /login/2fa", resp.Header.Get("Location"))
		}
		_, page := servertest.Get(t, c, in.HTTP.URL+"/login/2fa")
		if !strings.Contains(page, "Use a passkey") || strings.Contains(page, `action="/login/2fa"`) {
			t.Errorf("second step with only a passkey: want the passkey and no code form:\n%s", page)
		}
		status, done, o := passkeySignIn(t, in, c, servertest.CSRFToken(t, page), url.Values{"step": {"second"}}, key)
		if status != http.StatusOK || done["redirect"] != "/home" || !signedIn(t, in, c) {
			t.Fatalf("passkey as the second factor: %d %v", status, done)
		}
		if len(o.PublicKey.AllowCredentials) != 1 || o.PublicKey.AllowCredentials[0].ID != b64.EncodeToString(key.id) {
			t.Errorf("second step allows %+v, want the one passkey", o.PublicKey.AllowCredentials)
		}
		// Without a password step first there is nothing to answer.
		c = in.Browser(t)
		_, page = servertest.Get(t, c, in.HTTP.URL+"/login")
		var failed map[string]string
		if status := postJSON(t, c, in.HTTP.URL+"/login/passkey/begin", url.Values{"csrf_token": {servertest.CSRFToken(t, page)}, "step": {"second"}}, &failed); status != http.StatusUnauthorized {
			t.Errorf("second step without a password: %d %v, want 401", status, failed)
		}
	})

	// Removing the last passkey turns two-factor sign-in off.
	resp, _ := servertest.Post(t, owner, in.HTTP.URL+"/settings/2fa/passkeys/1/remove", url.Values{"csrf_token": {csrf}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: status %d", resp.StatusCode)
	}
	if _, page := servertest.Get(t, in.Browser(t), in.HTTP.URL+"/login"); strings.Contains(page, "passkey") {
		t.Error("login page still offers a passkey")
	}
	if resp := passwordStep(t, in, in.Browser(t), "/home"); resp.Header.Get("Location") != "/home" {
		t.Errorf("password after removing the passkey: to %q, want /home", resp.Header.Get("Location"))
	}
}

// An assertion signs in once: sent again for a new challenge, its
// signature does not cover that challenge.
func TestPasskeyAssertionReplay(t *testing.T) {
	in := servertest.New(t, nil)
	owner := in.Browser(t)
	key := newSoftAuthenticator(t)
	addPasskey(t, in, owner, in.SignIn(t, owner), key)

	c := in.Browser(t)
	_, page := servertest.Get(t, c, in.HTTP.URL+"/login")
	csrf := servertest.CSRFToken(t, page)
	form := url.Values{"csrf_token": {csrf}}
	var o ceremonyOptions
	postJSON(t, c, in.HTTP.URL+"/login/passkey/begin", form, &o)
	form.Set("credential", key.get(o))
	var done map[string]string
	if status := postJSON(t, c, in.HTTP.URL+"/login/passkey/finish", form, &done); status != http.StatusOK {
		t.Fatalf("first use: %d %v", status, done)
	}

	d := in.Browser(t)
	_, page = servertest.Get(t, d, in.HTTP.URL+"/login")
	form.Set("csrf_token", servertest.CSRFToken(t, page))
	postJSON(t, d, in.HTTP.URL+"/login/passkey/begin", url.Values{"csrf_token": form["csrf_token"]}, &o)
	if status := postJSON(t, d, in.HTTP.URL+"/login/passkey/finish", form, &done); status != http.StatusUnauthorized || signedIn(t, in, d) {
		t.Errorf("replayed assertion: %d %v, want 401", status, done)
	}
}

// Beginning a sign-in with a passkey stores a challenge, and anyone may
// do it: it is throttled per address.
func TestPasskeyBeginThrottled(t *testing.T) {
	in := servertest.New(t, nil)
	c := in.Browser(t)
	_, page := servertest.Get(t, c, in.HTTP.URL+"/login")
	form := url.Values{"csrf_token": {servertest.CSRFToken(t, page)}}
	var got map[string]string
	for i := range web.PasskeyBegins {
		if status := postJSON(t, c, in.HTTP.URL+"/login/passkey/begin", form, &got); status != http.StatusNotFound {
			t.Fatalf("begin %d without passkeys: %d %v, want 404", i+1, status, got)
		}
	}
	if status := postJSON(t, c, in.HTTP.URL+"/login/passkey/begin", form, &got); status != http.StatusTooManyRequests {
		t.Errorf("begin %d: %d %v, want 429", web.PasskeyBegins+1, status, got)
	}
	in.Clock.Add(web.PasskeyBeginRefill)
	if status := postJSON(t, c, in.HTTP.URL+"/login/passkey/begin", form, &got); status != http.StatusNotFound {
		t.Errorf("begin after the refill: %d %v, want 404", status, got)
	}
}

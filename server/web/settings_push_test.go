package web_test

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"kith/server/servertest"
	"kith/store"
)

// subscribeForPush makes an app token with the push scope and subscribes
// it through the API.
func subscribeForPush(t *testing.T, in *servertest.Instance) string {
	t.Helper()
	ctx := context.Background()
	const token = "push-settings-token"
	err := in.DB.InTx(ctx, func(tx *store.Tx) error {
		id, err := tx.CreateOAuthApp(ctx, store.OAuthApp{Name: "test app", Scopes: "push", ClientID: "cid-push", ClientSecret: "secret"})
		if err != nil {
			return err
		}
		return tx.CreateOAuthToken(ctx, token, id, "push")
	})
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{
		"subscription[endpoint]": {"https://push.example/secret-path"}, "subscription[keys][p256dh]": {base64.RawURLEncoding.EncodeToString(key.PublicKey().Bytes())},
		"subscription[keys][auth]": {"tBHItJI5svbpez7KI4CCXg"}, "data[alerts][mention]": {"true"},
	}
	req, _ := http.NewRequest("POST", in.HTTP.URL+"/api/v1/push/subscription", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if body := servertest.ReadBody(t, resp); resp.StatusCode != http.StatusOK {
		t.Fatalf("subscribe: status %d: %s", resp.StatusCode, body)
	}
	return token
}

func TestPushSettingsPage(t *testing.T) {
	in := servertest.New(t, nil)
	token := subscribeForPush(t, in)
	b := in.Browser(t)
	csrf := in.SignIn(t, b)
	_, page := servertest.Get(t, b, in.HTTP.URL+"/settings/push")
	if !strings.Contains(page, "test app") || !strings.Contains(page, "push.example") || strings.Contains(page, "secret-path") {
		t.Errorf("the page does not list the app and its push service's host alone:\n%s", page)
	}
	id := regexp.MustCompile(`name="id" value="([0-9a-f]+)"`).FindStringSubmatch(page)
	if id == nil {
		t.Fatalf("no subscription row:\n%s", page)
	}

	for _, path := range []string{"/settings/push/test", "/settings/push/remove"} {
		if resp, _ := servertest.Post(t, b, in.HTTP.URL+path, url.Values{"id": {id[1]}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s without a CSRF token: status %d, want 403", path, resp.StatusCode)
		}
	}
	resp, _ := servertest.Post(t, b, in.HTTP.URL+"/settings/push/test", url.Values{"csrf_token": {csrf}})
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/settings/push?sent=1" {
		t.Errorf("test push: status %d, Location %q", resp.StatusCode, loc)
	}
	counts, err := in.DB.JobCounts(context.Background())
	if err != nil || counts["push"]["queued"] != 1 {
		t.Errorf("queued pushes: %v, %v; want one", counts["push"], err)
	}
	if _, page := servertest.Get(t, b, in.HTTP.URL+"/settings/push?sent=1"); !strings.Contains(page, "on its way to 1 app") {
		t.Errorf("no confirmation:\n%s", page)
	}

	resp, _ = servertest.Post(t, b, in.HTTP.URL+"/settings/push/remove", url.Values{"csrf_token": {csrf}, "id": {id[1]}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: status %d", resp.StatusCode)
	}
	if status, _ := servertest.BearerCall(t, in, "GET", "/api/v1/push/subscription", token); status != http.StatusNotFound {
		t.Errorf("after removal the app still has a subscription: status %d", status)
	}
	if status, _ := servertest.BearerCall(t, in, "GET", "/api/v1/apps/verify_credentials", token); status != http.StatusOK {
		t.Errorf("removing the subscription revoked the app's token: status %d", status)
	}
}

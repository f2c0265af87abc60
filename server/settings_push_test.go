package server

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
)

func TestPushSettingsPage(t *testing.T) {
	in := newInstance(t, nil)
	c := newTokenClient(t, in, "push")
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	c.mustCall(t, 200, "POST", "/api/v1/push/subscription", url.Values{
		"subscription[endpoint]": {"https://push.example/secret-path"}, "subscription[keys][p256dh]": {base64.RawURLEncoding.EncodeToString(key.PublicKey().Bytes())},
		"subscription[keys][auth]": {"tBHItJI5svbpez7KI4CCXg"}, "data[alerts][mention]": {"true"},
	})
	b := in.browser(t)
	csrf := in.signIn(t, b)
	_, page := get(t, b, in.http.URL+"/settings/push")
	if !strings.Contains(page, "test app") || !strings.Contains(page, "push.example") || strings.Contains(page, "secret-path") {
		t.Errorf("the page does not list the app and its push service's host alone:\n%s", page)
	}
	id := regexp.MustCompile(`name="id" value="([0-9a-f]+)"`).FindStringSubmatch(page)
	if id == nil {
		t.Fatalf("no subscription row:\n%s", page)
	}

	for _, path := range []string{"/settings/push/test", "/settings/push/remove"} {
		if resp, _ := post(t, b, in.http.URL+path, url.Values{"id": {id[1]}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s without a CSRF token: status %d, want 403", path, resp.StatusCode)
		}
	}
	resp, _ := post(t, b, in.http.URL+"/settings/push/test", url.Values{"csrf_token": {csrf}})
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/settings/push?sent=1" {
		t.Errorf("test push: status %d, Location %q", resp.StatusCode, loc)
	}
	counts, err := in.db.JobCounts(context.Background())
	if err != nil || counts["push"]["queued"] != 1 {
		t.Errorf("queued pushes: %v, %v; want one", counts["push"], err)
	}
	if _, page := get(t, b, in.http.URL+"/settings/push?sent=1"); !strings.Contains(page, "on its way to 1 app") {
		t.Errorf("no confirmation:\n%s", page)
	}

	resp, _ = post(t, b, in.http.URL+"/settings/push/remove", url.Values{"csrf_token": {csrf}, "id": {id[1]}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: status %d", resp.StatusCode)
	}
	if res := c.call(t, "GET", "/api/v1/push/subscription", nil); res.status != 404 {
		t.Errorf("after removal the app still has a subscription: status %d", res.status)
	}
	if res := c.call(t, "GET", "/api/v1/accounts/verify_credentials", nil); res.status == 401 {
		t.Error("removing the subscription revoked the app's token")
	}
}

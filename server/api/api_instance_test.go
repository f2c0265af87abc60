package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"kith/server/servertest"
)

// hasPath checks that a JSON object has a value at a dotted path.
func hasPath(t *testing.T, v map[string]any, path string) any {
	t.Helper()
	var cur any = v
	for _, k := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			t.Errorf("%s: %v is not an object", path, cur)
			return nil
		}
		if cur, ok = m[k]; !ok {
			t.Errorf("%s: key %q missing", path, k)
			return nil
		}
	}
	return cur
}

func TestInstanceV2(t *testing.T) {
	in := servertest.New(t, nil)
	servertest.AddRemoteActor(t, in, "bob", "bob.test")
	anon := tokenClient{in: in}
	v := anon.mustCall(t, 200, "GET", "/api/v2/instance", nil).object(t)
	for _, path := range []string{"domain", "title", "version", "source_url", "description", "usage.users.active_month",
		"thumbnail.url", "icon", "languages", "api_versions.mastodon", "configuration.urls.streaming", "configuration.vapid.public_key",
		"configuration.accounts.max_featured_tags", "configuration.statuses.max_characters",
		"configuration.statuses.max_media_attachments", "configuration.statuses.characters_reserved_per_url",
		"configuration.media_attachments.supported_mime_types", "configuration.media_attachments.image_size_limit",
		"configuration.media_attachments.image_matrix_limit", "configuration.media_attachments.video_size_limit",
		"configuration.polls.max_options", "configuration.polls.max_characters_per_option", "configuration.polls.min_expiration",
		"configuration.polls.max_expiration", "configuration.translation.enabled", "registrations.enabled",
		"registrations.approval_required", "registrations.message", "contact.email", "contact.account.id", "rules"} {
		hasPath(t, v, path)
	}
	if got := v["version"].(string); !strings.HasPrefix(got, "4.5.0 (compatible; kith ") {
		t.Errorf("version = %q", got)
	}
	if v["domain"] != in.Srv.Config().Domain() {
		t.Errorf("domain = %v", v["domain"])
	}
	if got := hasPath(t, v, "configuration.urls.streaming"); got != "ws://localhost:8080" {
		t.Errorf("streaming = %v", got)
	}
	if got := hasPath(t, v, "registrations.enabled"); got != false {
		t.Errorf("registrations.enabled = %v", got)
	}
	if got, _ := hasPath(t, v, "configuration.vapid.public_key").(string); len(got) != 87 || !strings.HasPrefix(got, "B") {
		t.Errorf("vapid key = %q, want an uncompressed P-256 point in base64url", got)
	}
	checkFields(t, "contact.account", v["contact"].(map[string]any)["account"].(map[string]any), accountKeys, []string{"id"}, []string{"created_at"})
}

func TestInstanceV1(t *testing.T) {
	in := servertest.New(t, nil)
	servertest.AddRemoteActor(t, in, "bob", "bob.test")
	servertest.AddRemoteActor(t, in, "carol", "carol.test")
	servertest.PostStatuses(t, in, 3)
	anon := tokenClient{in: in}
	v := anon.mustCall(t, 200, "GET", "/api/v1/instance", nil).object(t)
	for _, path := range []string{"uri", "title", "short_description", "description", "email", "version", "urls.streaming_api",
		"stats.user_count", "stats.status_count", "stats.domain_count", "thumbnail", "languages", "registrations",
		"approval_required", "invites_enabled", "configuration.statuses.max_characters",
		"configuration.media_attachments.supported_mime_types", "configuration.polls.max_expiration", "contact_account", "rules"} {
		hasPath(t, v, path)
	}
	stats := v["stats"].(map[string]any)
	if stats["user_count"] != 1.0 || stats["status_count"] != 3.0 || stats["domain_count"] != 2.0 {
		t.Errorf("stats = %v", stats)
	}
	if got := hasPath(t, v, "configuration.polls.max_expiration"); got != 2678400.0 {
		t.Errorf("max_expiration = %v", got)
	}

	var peers []string
	if err := json.Unmarshal([]byte(anon.mustCall(t, 200, "GET", "/api/v1/instance/peers", nil).body), &peers); err != nil ||
		strings.Join(peers, ",") != "bob.test,carol.test" {
		t.Errorf("peers = %v, %v", peers, err)
	}
	ext := anon.mustCall(t, 200, "GET", "/api/v1/instance/extended_description", nil).object(t)
	checkFields(t, "extended_description", ext, []string{"updated_at", "content"}, nil, []string{"updated_at"})
}

func TestEmptyListEndpoints(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read")
	for _, path := range []string{"/api/v1/instance/rules", "/api/v1/custom_emojis",
		"/api/v1/announcements", "/api/v1/trends", "/api/v1/trends/tags", "/api/v1/trends/statuses", "/api/v1/trends/links",
		"/api/v1/directory", "/api/v1/conversations", "/api/v1/suggestions", "/api/v2/suggestions", "/api/v1/featured_tags",
		"/api/v1/notifications/requests"} {
		if res := c.call(t, "GET", path, nil); res.status != 200 || strings.TrimSpace(res.body) != "[]" {
			t.Errorf("GET %s: %d %s, want 200 []", path, res.status, res.body)
		}
	}
}

func TestPreferences(t *testing.T) {
	in := servertest.New(t, nil)
	v := newTokenClient(t, in, "read:accounts").mustCall(t, 200, "GET", "/api/v1/preferences", nil).object(t)
	checkFields(t, "preferences", v, []string{"posting:default:visibility", "posting:default:sensitive", "posting:default:language",
		"reading:expand:media", "reading:expand:spoilers"}, nil, nil)
	if res := (tokenClient{in: in}).call(t, "GET", "/api/v1/preferences", nil); res.status != 401 {
		t.Errorf("no token: status %d, want 401", res.status)
	}
}

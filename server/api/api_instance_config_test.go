package api_test

import (
	"strconv"
	"strings"
	"testing"

	"kith/config"
	"kith/server/servertest"
	"kith/store"
)

// The [instance] table reaches the API: rules, description and contact
// in both instance versions and in their own endpoints.
func TestInstanceFromConfig(t *testing.T) {
	in := servertest.New(t, func(c *config.Config) {
		c.Instance = config.Instance{Description: "A quiet place.\n\nFor friends <and> family.", ShortDescription: "Quiet.",
			ContactEmail: "admin@example.org", Rules: []string{"Be kind.", " No advertising. "}}
	})
	anon := tokenClient{in: in}
	wantRules := []map[string]any{{"id": "1", "text": "Be kind.", "hint": ""}, {"id": "2", "text": "No advertising.", "hint": ""}}
	checkRules := func(what string, got any) {
		t.Helper()
		list, _ := got.([]any)
		if len(list) != len(wantRules) {
			t.Fatalf("%s: %v, want %v", what, got, wantRules)
		}
		for i, w := range wantRules {
			rule, _ := list[i].(map[string]any)
			for k, v := range w {
				if rule[k] != v {
					t.Errorf("%s[%d].%s = %#v, want %#v", what, i, k, rule[k], v)
				}
			}
			if len(rule) != len(w) {
				t.Errorf("%s[%d] = %v, want exactly the keys of %v", what, i, rule, w)
			}
		}
	}
	var rules []any
	for _, r := range anon.mustCall(t, 200, "GET", "/api/v1/instance/rules", nil).list(t) {
		rules = append(rules, r)
	}
	checkRules("rules", rules)

	v2 := anon.mustCall(t, 200, "GET", "/api/v2/instance", nil).object(t)
	checkRules("v2 rules", v2["rules"])
	if v2["description"] != "Quiet." {
		t.Errorf("v2 description = %q, want the short description", v2["description"])
	}
	if got := hasPath(t, v2, "contact.email"); got != "admin@example.org" {
		t.Errorf("v2 contact.email = %v", got)
	}
	if got := hasPath(t, v2, "contact.account.username"); got != "admin" {
		t.Errorf("v2 contact.account.username = %v, want the owner", got)
	}

	v1 := anon.mustCall(t, 200, "GET", "/api/v1/instance", nil).object(t)
	checkRules("v1 rules", v1["rules"])
	for key, want := range map[string]any{"short_description": "Quiet.", "description": "A quiet place.\n\nFor friends <and> family.",
		"email": "admin@example.org"} {
		if v1[key] != want {
			t.Errorf("v1 %s = %#v, want %#v", key, v1[key], want)
		}
	}
	ext := anon.mustCall(t, 200, "GET", "/api/v1/instance/extended_description", nil).object(t)
	if want := "<p>A quiet place.</p><p>For friends &lt;and&gt; family.</p>"; ext["content"] != want {
		t.Errorf("extended description = %q, want %q", ext["content"], want)
	}
}

// Without [instance], the description is the owner's bio (or kith's
// sentence), and there are no rules or contact address.
func TestInstanceDefaults(t *testing.T) {
	in := servertest.New(t, nil)
	anon := tokenClient{in: in}
	v2 := anon.mustCall(t, 200, "GET", "/api/v2/instance", nil).object(t)
	if d, _ := v2["description"].(string); d == "" || hasPath(t, v2, "contact.email") != "" {
		t.Errorf("v2 description %q contact.email %v, want a description and no address", d, hasPath(t, v2, "contact.email"))
	}
	if got := strings.TrimSpace(anon.mustCall(t, 200, "GET", "/api/v1/instance/rules", nil).body); got != "[]" {
		t.Errorf("rules = %s, want []", got)
	}
}

// /api/v1/instance/activity: twelve weeks, this one first, numbers as
// strings.
func TestInstanceActivity(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write") // made (and used) this week
	for range 3 {
		c.mustCall(t, 200, "POST", "/api/v1/statuses", map[string]any{"status": "hello"})
	}
	weeks := (tokenClient{in: in}).mustCall(t, 200, "GET", "/api/v1/instance/activity", nil).list(t)
	if len(weeks) != 12 {
		t.Fatalf("%d weeks, want 12", len(weeks))
	}
	start := store.WeekStart(in.Now())
	for i, w := range weeks {
		checkFields(t, "week", w, []string{"week", "statuses", "logins", "registrations"}, nil, nil)
		want := map[string]any{"week": strconv.FormatInt(start.AddDate(0, 0, -7*i).Unix(), 10), "statuses": "0", "logins": "0", "registrations": "0"}
		if i == 0 {
			want["statuses"], want["logins"] = "3", "1"
		}
		for k, v := range want {
			if w[k] != v {
				t.Errorf("week %d: %s = %#v, want %#v", i, k, w[k], v)
			}
		}
	}
}

package api_test

import (
	"fmt"
	"net/url"
	"testing"

	"kith/server/api"
	"kith/server/core"
	"kith/server/servertest"
)

var filterKeys = []string{"id", "title", "context", "expires_at", "filter_action", "keywords", "statuses"}

func TestFiltersV2RoundTrip(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write")
	post := servertest.PostStatuses(t, in, 1)[0]

	// JSON, as Ivory and Elk send it.
	created := c.mustCall(t, 200, "POST", "/api/v2/filters", map[string]any{
		"title": "Spoilers", "context": []string{"home", "public"}, "filter_action": "hide", "expires_in": 3600,
		"keywords_attributes": []map[string]any{{"keyword": "finale", "whole_word": false}, {"keyword": "ending"}},
	}).object(t)
	checkFields(t, "filter", created, filterKeys, []string{"id"}, []string{"expires_at"})
	if created["filter_action"] != "hide" || fmt.Sprint(created["context"]) != "[home public]" {
		t.Errorf("created = %v", created)
	}
	kws := created["keywords"].([]any)
	if len(kws) != 2 {
		t.Fatalf("keywords = %v", kws)
	}
	k0, k1 := kws[0].(map[string]any), kws[1].(map[string]any)
	checkFields(t, "keyword", k0, []string{"id", "keyword", "whole_word"}, []string{"id"}, nil)
	if k0["keyword"] != "finale" || k0["whole_word"] != false || k1["whole_word"] != true {
		t.Errorf("keywords = %v", kws)
	}
	id := created["id"].(string)

	// Form, Rails style: change one keyword, drop the other, add one.
	form := url.Values{
		"title": {"Show spoilers"}, "expires_in": {""},
		"keywords_attributes[][id]":       {k0["id"].(string), k1["id"].(string)},
		"keywords_attributes[][keyword]":  {"season finale", "ending"},
		"keywords_attributes[][_destroy]": {"false", "true"},
	}
	c.mustCall(t, 200, "PUT", "/api/v2/filters/"+id, form)
	c.mustCall(t, 200, "POST", "/api/v2/filters/"+id+"/keywords", url.Values{"keyword": {"epilogue"}, "whole_word": {"false"}})
	st := c.mustCall(t, 200, "POST", "/api/v2/filters/"+id+"/statuses", url.Values{"status_id": {core.APIID(post.ID)}}).object(t)
	checkFields(t, "filter status", st, []string{"id", "status_id"}, []string{"id", "status_id"}, nil)

	got := c.mustCall(t, 200, "GET", "/api/v2/filters/"+id, nil).object(t)
	if got["title"] != "Show spoilers" || got["expires_at"] != nil {
		t.Errorf("after update = %v", got)
	}
	var words []string
	for _, k := range got["keywords"].([]any) {
		words = append(words, k.(map[string]any)["keyword"].(string))
	}
	if fmt.Sprint(words) != "[season finale epilogue]" {
		t.Errorf("keywords after update = %v", words)
	}
	if sts := got["statuses"].([]any); len(sts) != 1 || sts[0].(map[string]any)["status_id"] != core.APIID(post.ID) {
		t.Errorf("statuses = %v", sts)
	}
	if all := c.mustCall(t, 200, "GET", "/api/v2/filters", nil).list(t); len(all) != 1 {
		t.Errorf("filters = %v", all)
	}
	kwID := got["keywords"].([]any)[1].(map[string]any)["id"].(string)
	if k := c.mustCall(t, 200, "PUT", "/api/v2/filters/keywords/"+kwID, url.Values{"keyword": {"coda"}}).object(t); k["keyword"] != "coda" {
		t.Errorf("keyword update = %v", k)
	}
	if k := c.mustCall(t, 200, "GET", "/api/v2/filters/keywords/"+kwID, nil).object(t); k["keyword"] != "coda" {
		t.Errorf("keyword = %v", k)
	}
	c.mustCall(t, 200, "DELETE", "/api/v2/filters/keywords/"+kwID, nil)
	c.mustCall(t, 200, "DELETE", "/api/v2/filters/statuses/"+st["id"].(string), nil)
	if n := len(c.mustCall(t, 200, "GET", "/api/v2/filters/"+id+"/keywords", nil).list(t)); n != 1 {
		t.Errorf("%d keywords left, want 1", n)
	}
	if n := len(c.mustCall(t, 200, "GET", "/api/v2/filters/"+id+"/statuses", nil).list(t)); n != 0 {
		t.Errorf("%d statuses left, want 0", n)
	}

	for _, tt := range []struct {
		body any
		want int
	}{
		{url.Values{"title": {"x"}}, 422},                              // no context
		{url.Values{"title": {"x"}, "context[]": {"everywhere"}}, 422}, // bad context
		{url.Values{"title": {"x"}, "context[]": {"home"}, "filter_action": {"burn"}}, 422},
		{url.Values{"context[]": {"home"}}, 422}, // no title
	} {
		if res := c.call(t, "POST", "/api/v2/filters", tt.body); res.status != tt.want {
			t.Errorf("POST %v: status %d, want %d", tt.body, res.status, tt.want)
		}
	}
	c.mustCall(t, 200, "DELETE", "/api/v2/filters/"+id, nil)
	if res := c.call(t, "GET", "/api/v2/filters/"+id, nil); res.status != 404 {
		t.Errorf("deleted filter: status %d", res.status)
	}
	if res := newTokenClient(t, in, "read").call(t, "POST", "/api/v2/filters", url.Values{"title": {"x"}, "context[]": {"home"}}); res.status != 403 {
		t.Errorf("read token: status %d, want 403", res.status)
	}
}

func TestFiltersV1(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write")
	v1 := c.mustCall(t, 200, "POST", "/api/v1/filters", url.Values{"phrase": {"crypto"}, "context[]": {"home", "notifications"},
		"irreversible": {"true"}, "whole_word": {"false"}}).object(t)
	checkFields(t, "v1 filter", v1, []string{"id", "phrase", "context", "whole_word", "expires_at", "irreversible"}, []string{"id"}, nil)
	if v1["phrase"] != "crypto" || v1["irreversible"] != true || v1["whole_word"] != false {
		t.Errorf("v1 = %v", v1)
	}
	// The v2 view shows it as a filter named after the phrase.
	v2 := c.mustCall(t, 200, "GET", "/api/v2/filters", nil).list(t)
	if len(v2) != 1 || v2[0]["title"] != "crypto" || v2[0]["filter_action"] != "hide" {
		t.Errorf("v2 view = %v", v2)
	}
	c.mustCall(t, 200, "POST", "/api/v2/filters/"+v2[0]["id"].(string)+"/keywords", url.Values{"keyword": {"nft"}})
	if list := c.mustCall(t, 200, "GET", "/api/v1/filters", nil).list(t); len(list) != 2 {
		t.Errorf("v1 list = %v (one per keyword)", list)
	}
	id := v1["id"].(string)
	upd := c.mustCall(t, 200, "PUT", "/api/v1/filters/"+id, url.Values{"phrase": {"bitcoin"}, "context[]": {"public"}, "irreversible": {"false"}}).object(t)
	if upd["phrase"] != "bitcoin" || upd["irreversible"] != false || fmt.Sprint(upd["context"]) != "[public]" {
		t.Errorf("v1 update = %v", upd)
	}
	c.mustCall(t, 200, "DELETE", "/api/v1/filters/"+id, nil)
	if res := c.call(t, "GET", "/api/v1/filters/"+id, nil); res.status != 404 {
		t.Errorf("deleted v1 filter: status %d", res.status)
	}
	if list := c.mustCall(t, 200, "GET", "/api/v1/filters", nil).list(t); len(list) != 1 || list[0]["phrase"] != "nft" {
		t.Errorf("v1 list after delete = %v", list)
	}
}

func TestKeywordAttributes(t *testing.T) {
	p := core.APIParams{Values: url.Values{
		"keywords_attributes[1][keyword]":    {"b"},
		"keywords_attributes[0][keyword]":    {"a"},
		"keywords_attributes[0][whole_word]": {"false"},
		"keywords_attributes[1][_destroy]":   {"1"},
		"keywords_attributes[1][id]":         {"7"},
	}}
	got := api.KeywordAttributes(p)
	want := []api.KeywordAttr{{Keyword: "a"}, {ID: 7, Keyword: "b", WholeWord: true, Destroy: true}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

package api_test

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
	"time"

	"kith/server/core"
	"kith/server/servertest"
	"kith/store"
)

func TestMarkers(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write")
	if v := c.mustCall(t, 200, "GET", "/api/v1/markers?timeline[]=home", nil).object(t); len(v) != 0 {
		t.Errorf("markers before any save = %v", v)
	}
	saved := c.mustCall(t, 200, "POST", "/api/v1/markers", map[string]any{"home": map[string]string{"last_read_id": "105"}}).object(t)
	home := saved["home"].(map[string]any)
	checkFields(t, "marker", home, []string{"last_read_id", "version", "updated_at"}, []string{"last_read_id"}, []string{"updated_at"})
	c.mustCall(t, 200, "POST", "/api/v1/markers", url.Values{"home[last_read_id]": {"110"}, "notifications[last_read_id]": {"7"}})
	got := c.mustCall(t, 200, "GET", "/api/v1/markers?timeline[]=home&timeline[]=notifications", nil).object(t)
	if h := got["home"].(map[string]any); h["last_read_id"] != "110" || h["version"] != 2.0 {
		t.Errorf("home = %v", h)
	}
	if n := got["notifications"].(map[string]any); n["last_read_id"] != "7" || n["version"] != 1.0 {
		t.Errorf("notifications = %v", n)
	}
	if only := c.mustCall(t, 200, "GET", "/api/v1/markers?timeline[]=notifications", nil).object(t); len(only) != 1 {
		t.Errorf("one timeline asked, got %v", only)
	}
	if res := newTokenClient(t, in, "read").call(t, "POST", "/api/v1/markers", url.Values{"home[last_read_id]": {"1"}}); res.status != 403 {
		t.Errorf("read token saves a marker: status %d", res.status)
	}
}

func TestFollowRequests(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write follow")
	owner := in.DB.OwnerID()
	var ids []int64
	for i := range 45 {
		a := servertest.AddRemoteActor(t, in, fmt.Sprintf("fan%d", i), "fans.test")
		servertest.PutFollow(t, in, a.ID, owner, store.FollowPending)
		ids = append(ids, a.ID)
	}
	if seen := walkPages(t, c, "/api/v1/follow_requests?limit=20"); len(seen) != 45 {
		t.Errorf("paged through %d requests, want 45", len(seen))
	}
	rel := c.mustCall(t, 200, "POST", fmt.Sprintf("/api/v1/follow_requests/%d/authorize", ids[0]), nil).object(t)
	if rel["followed_by"] != true || rel["requested_by"] != false || rel["id"] != core.APIID(ids[0]) {
		t.Errorf("after authorize: %v", rel)
	}
	rel = c.mustCall(t, 200, "POST", fmt.Sprintf("/api/v1/follow_requests/%d/reject", ids[1]), nil).object(t)
	if rel["followed_by"] != false || rel["requested_by"] != false {
		t.Errorf("after reject: %v", rel)
	}
	if n := len(c.mustCall(t, 200, "GET", "/api/v1/follow_requests?limit=80", nil).list(t)); n != 40 {
		t.Errorf("page of requests: %d, want 40 (the cap)", n)
	}
	if res := c.call(t, "POST", "/api/v1/follow_requests/abc/authorize", nil); res.status != 404 {
		t.Errorf("bad id: status %d, want 404", res.status)
	}
}

func TestBlocksMutesDomainBlocks(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write follow")
	ctx := context.Background()
	bob := servertest.AddRemoteActor(t, in, "bob", "bob.test")
	carol := servertest.AddRemoteActor(t, in, "carol", "carol.test")
	if err := in.Srv.Fed.Block(ctx, bob.ID); err != nil {
		t.Fatal(err)
	}
	expires := in.Clock.Now().Add(time.Hour)
	err := in.DB.InTx(ctx, func(tx *store.Tx) error { return tx.PutMute(ctx, carol.ID, true, expires) })
	if err != nil {
		t.Fatal(err)
	}
	blocks := c.mustCall(t, 200, "GET", "/api/v1/blocks", nil).list(t)
	if len(blocks) != 1 || blocks[0]["id"] != core.APIID(bob.ID) {
		t.Errorf("blocks = %v", blocks)
	}
	mutes := c.mustCall(t, 200, "GET", "/api/v1/mutes", nil).list(t)
	if len(mutes) != 1 || mutes[0]["id"] != core.APIID(carol.ID) {
		t.Fatalf("mutes = %v", mutes)
	}
	checkFields(t, "muted account", mutes[0], append(accountKeys, "mute_expires_at"), []string{"id"}, []string{"created_at", "mute_expires_at"})

	c.mustCall(t, 200, "POST", "/api/v1/domain_blocks", url.Values{"domain": {"spam.test"}})
	c.mustCall(t, 200, "POST", "/api/v1/domain_blocks", map[string]string{"domain": "worse.test"})
	var domains []string
	json.Unmarshal([]byte(c.mustCall(t, 200, "GET", "/api/v1/domain_blocks", nil).body), &domains)
	if fmt.Sprint(domains) != "[spam.test worse.test]" {
		t.Errorf("domain blocks = %v", domains)
	}
	c.mustCall(t, 200, "DELETE", "/api/v1/domain_blocks?domain=spam.test", nil)
	json.Unmarshal([]byte(c.mustCall(t, 200, "GET", "/api/v1/domain_blocks", nil).body), &domains)
	if fmt.Sprint(domains) != "[worse.test]" {
		t.Errorf("after unblock = %v", domains)
	}
	for _, tt := range []struct {
		c            tokenClient
		method, path string
		body         any
		want         int
	}{
		{c, "POST", "/api/v1/domain_blocks", url.Values{"domain": {""}}, 422},
		{c, "POST", "/api/v1/domain_blocks", url.Values{"domain": {"localhost:8080"}}, 422}, // its own
		{newTokenClient(t, in, "read:statuses"), "GET", "/api/v1/blocks", nil, 403},
		{newTokenClient(t, in, "read:blocks"), "GET", "/api/v1/mutes", nil, 403},
		{newTokenClient(t, in, "read:blocks"), "POST", "/api/v1/domain_blocks", url.Values{"domain": {"x.test"}}, 403},
	} {
		if res := tt.c.call(t, tt.method, tt.path, tt.body); res.status != tt.want {
			t.Errorf("%s %s %v: status %d, want %d: %s", tt.method, tt.path, tt.body, res.status, tt.want, res.body)
		}
	}
}

func TestScheduledStatuses(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write")
	at := in.Clock.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
	created := c.mustCall(t, 200, "POST", "/api/v1/statuses", url.Values{"status": {"later"}, "scheduled_at": {at}}).object(t)
	id := created["id"].(string)
	list := c.mustCall(t, 200, "GET", "/api/v1/scheduled_statuses", nil).list(t)
	if len(list) != 1 || list[0]["id"] != id {
		t.Fatalf("scheduled = %v", list)
	}
	checkFields(t, "scheduled", list[0], []string{"id", "scheduled_at", "params", "media_attachments"}, []string{"id"}, []string{"scheduled_at"})
	if p := list[0]["params"].(map[string]any); p["text"] != "later" {
		t.Errorf("params = %v", p)
	}
	later := in.Clock.Now().Add(48 * time.Hour).UTC()
	got := c.mustCall(t, 200, "PUT", "/api/v1/scheduled_statuses/"+id, url.Values{"scheduled_at": {later.Format(time.RFC3339)}}).object(t)
	if got["scheduled_at"] != core.APITime(later) {
		t.Errorf("rescheduled to %v, want %s", got["scheduled_at"], core.APITime(later))
	}
	if res := c.call(t, "PUT", "/api/v1/scheduled_statuses/"+id, url.Values{"scheduled_at": {in.Clock.Now().Format(time.RFC3339)}}); res.status != 422 {
		t.Errorf("rescheduled to now: status %d, want 422", res.status)
	}
	if v := c.mustCall(t, 200, "GET", "/api/v1/scheduled_statuses/"+id, nil).object(t); v["scheduled_at"] != core.APITime(later) {
		t.Errorf("GET = %v", v)
	}
	c.mustCall(t, 200, "DELETE", "/api/v1/scheduled_statuses/"+id, nil)
	if res := c.call(t, "GET", "/api/v1/scheduled_statuses/"+id, nil); res.status != 404 {
		t.Errorf("after cancel: status %d", res.status)
	}
}

func TestReports(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "write:reports")
	bob := servertest.AddRemoteActor(t, in, "bob", "bob.test")
	p := servertest.AddRemotePost(t, in, store.Post{URI: "https://bob.test/p/1", AuthorID: bob.ID, Content: "<p>spam</p>"})
	v := c.mustCall(t, 200, "POST", "/api/v1/reports", url.Values{"account_id": {core.APIID(bob.ID)}, "status_ids[]": {core.APIID(p.ID)},
		"comment": {"spam"}, "forward": {"true"}, "category": {"spam"}}).object(t)
	checkFields(t, "report", v, []string{"id", "action_taken", "action_taken_at", "category", "comment", "forwarded",
		"created_at", "status_ids", "rule_ids", "target_account"}, []string{"id"}, []string{"created_at"})
	if v["forwarded"] != false || v["category"] != "spam" || fmt.Sprint(v["status_ids"]) != "["+core.APIID(p.ID)+"]" {
		t.Errorf("report = %v (forwarding is not implemented, so never forwarded)", v)
	}
	if n, _ := in.DB.CountReports(context.Background()); n != 1 {
		t.Errorf("%d reports stored, want 1", n)
	}
	if res := c.call(t, "POST", "/api/v1/reports", url.Values{"account_id": {"99999"}}); res.status != 404 {
		t.Errorf("unknown account: status %d", res.status)
	}
	own := servertest.PostStatuses(t, in, 1)[0]
	if res := c.call(t, "POST", "/api/v1/reports", url.Values{"account_id": {core.APIID(bob.ID)}, "status_ids[]": {core.APIID(own.ID)}}); res.status != 404 {
		t.Errorf("a post by someone else: status %d, want 404", res.status)
	}
}

func TestPushSubscription(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "push")
	if res := c.call(t, "GET", "/api/v1/push/subscription", nil); res.status != 404 {
		t.Errorf("before subscribing: status %d", res.status)
	}
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p256dh, auth := base64.RawURLEncoding.EncodeToString(key.PublicKey().Bytes()), "tBHItJI5svbpez7KI4CCXg"
	if res := c.call(t, "POST", "/api/v1/push/subscription", map[string]any{
		"subscription": map[string]any{"endpoint": "https://push.example/abc", "keys": map[string]string{"p256dh": "BNc", "auth": auth}},
	}); res.status != 422 {
		t.Errorf("a p256dh that is no P-256 point: status %d, want 422", res.status)
	}
	sub := c.mustCall(t, 200, "POST", "/api/v1/push/subscription", map[string]any{
		"subscription": map[string]any{"endpoint": "https://push.example/abc", "keys": map[string]string{"p256dh": p256dh, "auth": auth},
			"standard": true},
		"data": map[string]any{"alerts": map[string]bool{"mention": true, "follow": true}, "policy": "followed"},
	}).object(t)
	checkFields(t, "push", sub, []string{"id", "endpoint", "standard", "alerts", "policy", "server_key"}, nil, nil)
	instance := c.mustCall(t, 200, "GET", "/api/v2/instance", nil).object(t)
	if want := instance["configuration"].(map[string]any)["vapid"].(map[string]any)["public_key"]; sub["server_key"] != want || sub["standard"] != true {
		t.Errorf("server_key %v, standard %v; want the instance's key %v and true", sub["server_key"], sub["standard"], want)
	}
	alerts := sub["alerts"].(map[string]any)
	if alerts["mention"] != true || alerts["favourite"] != false || sub["policy"] != "followed" {
		t.Errorf("subscription = %v", sub)
	}
	upd := c.mustCall(t, 200, "PUT", "/api/v1/push/subscription", url.Values{"data[alerts][favourite]": {"true"}}).object(t)
	if a := upd["alerts"].(map[string]any); a["favourite"] != true || a["mention"] != true {
		t.Errorf("after update = %v", upd)
	}
	if got := c.mustCall(t, 200, "GET", "/api/v1/push/subscription", nil).object(t); got["endpoint"] != "https://push.example/abc" {
		t.Errorf("GET = %v", got)
	}
	c.mustCall(t, 200, "DELETE", "/api/v1/push/subscription", nil)
	if res := c.call(t, "GET", "/api/v1/push/subscription", nil); res.status != 404 {
		t.Errorf("after delete: status %d", res.status)
	}
	if res := c.call(t, "POST", "/api/v1/push/subscription", url.Values{"subscription[endpoint]": {"http://plain.example"}}); res.status != 422 {
		t.Errorf("http endpoint without keys: status %d, want 422", res.status)
	}
	if res := newTokenClient(t, in, "read write").call(t, "GET", "/api/v1/push/subscription", nil); res.status != 403 {
		t.Errorf("token without push: status %d, want 403", res.status)
	}
}

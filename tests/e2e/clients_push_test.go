package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"
)

// The push test puts an independent push service on loopback
// (tests/clients/push_receiver.mjs: http_ece decrypts, node:crypto checks
// the VAPID token) where FCM or Apple's relay would stand, subscribes to
// alice's notifications through the API in both codings (Mastodon.py's
// subscription is legacy aesgcm, another is standard aes128gcm), and has
// bob, on a second instance, follow, mention, favourite and boost alice.

// pushReceiver is the running push_receiver.mjs.
type pushReceiver struct {
	base string // http://127.0.0.1:PORT
}

// pushEntry is one push as the receiver logged it.
type pushEntry struct {
	At       int64  `json:"at"` // Unix ms
	Status   int    `json:"status"`
	Encoding string `json:"encoding"`
	Payload  *struct {
		AccessToken      string `json:"access_token"`
		PreferredLocale  string `json:"preferred_locale"`
		NotificationID   int64  `json:"notification_id"`
		NotificationType string `json:"notification_type"`
		Icon             string `json:"icon"`
		Title            string `json:"title"`
		Body             string `json:"body"`
	} `json:"payload"`
	Problems []string `json:"problems"`
}

func startPushReceiver(t *testing.T) *pushReceiver {
	t.Helper()
	needTool(t, clientsDir(t)+"/node_modules/http_ece/package.json")
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "node", "push_receiver.mjs")
	cmd.Dir = clientsDir(t)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
		if t.Failed() {
			t.Logf("push receiver stderr:\n%s", stderr.String())
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	var ready struct{ Port int }
	if err != nil || json.Unmarshal([]byte(line), &ready) != nil || ready.Port == 0 {
		t.Fatalf("push receiver did not start: %q, %v\n%s", line, err, stderr.String())
	}
	return &pushReceiver{base: fmt.Sprintf("http://127.0.0.1:%d", ready.Port)}
}

type pushAnswer struct {
	Status     int `json:"status"`
	RetryAfter int `json:"retryAfter,omitempty"`
}

// subscriber makes a subscriber's keys on the receiver; plan lists the
// answers it gives before 201s. It returns the endpoint and keys.
func (p *pushReceiver) subscriber(t *testing.T, name, vapid, subject string, plan ...pushAnswer) (endpoint, p256dh, auth string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"name": name, "vapid": vapid, "subject": subject, "plan": plan})
	resp, err := http.Post(p.base+"/control/subscriber", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var keys struct{ P256dh, Auth string }
	if err := json.NewDecoder(resp.Body).Decode(&keys); err != nil || keys.P256dh == "" {
		t.Fatalf("receiver subscriber: %v", err)
	}
	return p.base + "/push/" + name, keys.P256dh, keys.Auth
}

func (p *pushReceiver) log(t *testing.T, name string) []pushEntry {
	t.Helper()
	var log []pushEntry
	apiGet(t, p.base, "", "/control/log?name="+name, &log)
	return log
}

// waitLog polls the receiver until name's log satisfies want.
func (p *pushReceiver) waitLog(t *testing.T, name, what string, want func([]pushEntry) bool) []pushEntry {
	t.Helper()
	deadline := time.Now().Add(fedDeadline)
	for {
		log := p.log(t, name)
		if want(log) {
			return log
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s: not within %v; log: %+v", name, what, fedDeadline, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// pushTypes lists the notification types of the accepted pushes, sorted.
func pushTypes(log []pushEntry) []string {
	var out []string
	for _, e := range log {
		if e.Payload != nil && e.Status == http.StatusCreated {
			out = append(out, e.Payload.NotificationType)
		}
	}
	sort.Strings(out)
	return out
}

// checkPushes fails on any problem the receiver found, and checks the
// payloads of accepted pushes.
func checkPushes(t *testing.T, name, encoding, token string, log []pushEntry) {
	t.Helper()
	for _, e := range log {
		for _, p := range e.Problems {
			t.Errorf("%s: %s", name, p)
		}
		if e.Encoding != encoding {
			t.Errorf("%s: Content-Encoding %s, want %s", name, e.Encoding, encoding)
		}
		if p := e.Payload; p == nil || p.NotificationID == 0 || p.PreferredLocale == "" || p.Icon == "" || p.Title == "" ||
			(token != "" && p.AccessToken != token) || (token == "" && p.AccessToken == "") {
			t.Errorf("%s: payload %+v", name, e.Payload)
		}
	}
}

// apiStatusOf sends a form with a token and returns the status code.
func apiStatusOf(t *testing.T, method, base, token, path string, form url.Values) int {
	t.Helper()
	req, _ := http.NewRequest(method, base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestClientsPush(t *testing.T) {
	needTool(t, "/usr/lib/python3/dist-packages/mastodon/Mastodon.py")
	recv := startPushReceiver(t)
	nodes := startFedNetwork(t, "alice", "bob")
	alice, bob := nodes[0], nodes[1]
	var instance struct {
		Configuration struct {
			Vapid struct {
				PublicKey string `json:"public_key"`
			}
		}
	}
	apiGet(t, alice.base, "", "/api/v2/instance", &instance)
	vapid, subject := instance.Configuration.Vapid.PublicKey, "http://"+alice.host
	if len(vapid) != 87 {
		t.Fatalf("instance v2 announces VAPID key %q", vapid)
	}

	// Mastodon.py subscribes (legacy coding) and drives the CRUD calls.
	endpoint, p256dh, auth := recv.subscriber(t, "mastodonpy", vapid, subject)
	out := runClient(t, nil, "", "/usr/bin/python3", "mastodonpy_push.py", alice.base, "alice", clientsPassword, endpoint, p256dh, auth)
	s := parseSteps(t, out)
	type apiSub struct {
		ID, Endpoint, Policy string
		ServerKey            string `json:"server_key"`
		Alerts               map[string]bool
		Standard             bool
	}
	var created, read, updated, again apiSub
	var deleted struct {
		AfterDelete string `json:"after_delete"`
	}
	if s.get(t, "push_subscription_set", &created) && (created.Endpoint != endpoint || created.ServerKey != vapid ||
		created.Standard || !created.Alerts["mention"] || created.Alerts["poll"] || created.Policy != "all") {
		t.Errorf("push_subscription_set: %+v", created)
	}
	if s.get(t, "push_subscription", &read) && (read.ID != created.ID || read.Endpoint != endpoint) {
		t.Errorf("push_subscription: %+v, want %+v", read, created)
	}
	if s.get(t, "push_subscription_update", &updated) && (!updated.Alerts["poll"] || !updated.Alerts["follow_request"] || !updated.Alerts["mention"]) {
		t.Errorf("push_subscription_update: %+v", updated)
	}
	if s.get(t, "push_subscription_delete", &deleted) && !strings.Contains(deleted.AfterDelete, "404") {
		t.Errorf("push_subscription_delete: then %q, want a 404", deleted.AfterDelete)
	}
	if !s.get(t, "push_subscription_set_again", &again) || t.Failed() {
		t.Fatalf("Mastodon.py output:\n%s", out)
	}

	// A second app subscribes in the standard coding.
	stdToken := alice.token(t, "read write push")
	endpoint, p256dh, auth = recv.subscriber(t, "standard", vapid, subject)
	var std apiSub
	apiPostForm(t, alice.base, stdToken, "/api/v1/push/subscription", url.Values{
		"subscription[endpoint]": {endpoint}, "subscription[keys][p256dh]": {p256dh}, "subscription[keys][auth]": {auth},
		"subscription[standard]": {"true"}, "data[policy]": {"all"}, "data[alerts][follow]": {"true"}, "data[alerts][mention]": {"true"},
		"data[alerts][favourite]": {"true"}, "data[alerts][reblog]": {"true"},
	}, &std)
	if !std.Standard || std.ServerKey != vapid {
		t.Fatalf("standard subscription: %+v", std)
	}

	// bob follows, mentions, favourites and boosts alice.
	bobToken, aliceToken := bob.token(t, "read write follow"), alice.token(t, "read write follow")
	var found struct{ Accounts []struct{ ID string } }
	apiGet(t, bob.base, bobToken, "/api/v2/search?resolve=true&type=accounts&q="+url.QueryEscape(alice.handle()), &found)
	if len(found.Accounts) != 1 {
		t.Fatalf("bob cannot find alice: %+v", found)
	}
	var rel map[string]any
	apiPostForm(t, bob.base, bobToken, "/api/v1/accounts/"+found.Accounts[0].ID+"/follow", nil, &rel)
	var status struct{ ID, URI string }
	apiPostForm(t, bob.base, bobToken, "/api/v1/statuses", url.Values{"status": {"hello " + alice.handle()}}, &status)
	apiPostForm(t, alice.base, aliceToken, "/api/v1/statuses", url.Values{"status": {"a post to favourite"}}, &status)
	var onBob struct{ Statuses []struct{ ID string } }
	apiGet(t, bob.base, bobToken, "/api/v2/search?resolve=true&type=statuses&q="+url.QueryEscape(status.URI), &onBob)
	if len(onBob.Statuses) != 1 {
		t.Fatalf("bob cannot find alice's post %s: %+v", status.URI, onBob)
	}
	var st map[string]any
	apiPostForm(t, bob.base, bobToken, "/api/v1/statuses/"+onBob.Statuses[0].ID+"/favourite", nil, &st)
	apiPostForm(t, bob.base, bobToken, "/api/v1/statuses/"+onBob.Statuses[0].ID+"/reblog", nil, &st)

	four := func(log []pushEntry) bool { return len(pushTypes(log)) >= 4 }
	want := "favourite follow mention reblog"
	for _, sub := range []struct{ name, encoding, token string }{{"mastodonpy", "aesgcm", ""}, {"standard", "aes128gcm", stdToken}} {
		log := recv.waitLog(t, sub.name, "four pushes", four)
		checkPushes(t, sub.name, sub.encoding, sub.token, log)
		if got := strings.Join(pushTypes(log), " "); got != want {
			t.Errorf("%s: pushes %q, want %q", sub.name, got, want)
		}
		for _, e := range log {
			if e.Payload != nil && e.Payload.NotificationType == "mention" && (e.Payload.Title != "bob mentioned you" || !strings.Contains(e.Payload.Body, "hello")) {
				t.Errorf("%s: mention push %+v", sub.name, e.Payload)
			}
		}
	}

	// Policy "followed": alice does not follow bob, so the standard app
	// hears nothing of him; muted with notifications, bob reaches nobody.
	if code := apiStatusOf(t, "PUT", alice.base, stdToken, "/api/v1/push/subscription", url.Values{"data[policy]": {"followed"}}); code != 200 {
		t.Fatalf("PUT policy: status %d", code)
	}
	apiPostForm(t, bob.base, bobToken, "/api/v1/statuses", url.Values{"status": {"policy check " + alice.handle()}}, &status)
	recv.waitLog(t, "mastodonpy", "the policy-check mention", func(log []pushEntry) bool { return len(pushTypes(log)) >= 5 })
	var bobOnAlice struct{ Accounts []struct{ ID string } }
	apiGet(t, alice.base, aliceToken, "/api/v2/search?resolve=true&type=accounts&q="+url.QueryEscape(bob.handle()), &bobOnAlice)
	if len(bobOnAlice.Accounts) != 1 {
		t.Fatalf("alice cannot find bob: %+v", bobOnAlice)
	}
	bobID := bobOnAlice.Accounts[0].ID
	apiPostForm(t, alice.base, aliceToken, "/api/v1/accounts/"+bobID+"/mute", url.Values{"notifications": {"true"}}, &rel)
	apiPostForm(t, bob.base, bobToken, "/api/v1/statuses", url.Values{"status": {"muted check " + alice.handle()}}, &status)
	// Wait for alice to store the muted mention, then unmute and have bob
	// mention her once more: once that push arrives, the muted one would
	// have too.
	waitNotifications(t, alice, aliceToken, "the muted mention is stored", func([]fedNotification) bool {
		var got []map[string]any
		apiGet(t, alice.base, aliceToken, "/api/v1/accounts/"+bobID+"/statuses", &got)
		for _, g := range got {
			if strings.Contains(fmt.Sprint(g["content"]), "muted check") {
				return true
			}
		}
		return false
	})
	apiPostForm(t, alice.base, aliceToken, "/api/v1/accounts/"+bobID+"/unmute", nil, &rel)
	apiPostForm(t, bob.base, bobToken, "/api/v1/statuses", url.Values{"status": {"after unmute " + alice.handle()}}, &status)
	log := recv.waitLog(t, "mastodonpy", "the mention after unmuting", func(log []pushEntry) bool { return len(pushTypes(log)) >= 6 })
	for _, e := range append(log, recv.log(t, "standard")...) {
		if e.Payload != nil && strings.Contains(e.Payload.Body, "muted check") {
			t.Errorf("a muted account's mention was pushed: %+v", e.Payload)
		}
	}
	for _, e := range recv.log(t, "standard") {
		if e.Payload != nil && (strings.Contains(e.Payload.Body, "policy check") || strings.Contains(e.Payload.Body, "after unmute")) {
			t.Errorf("policy followed: a mention from a not-followed account was pushed: %+v", e.Payload)
		}
	}
	if got := len(recv.log(t, "standard")); got != 4 {
		t.Errorf("standard app: %d pushes, want the first 4 only", got)
	}

	testPushRetries(t, recv, alice, bob, bobToken, vapid, subject)
}

// testPushRetries: the receiver answers 500 (retried after the first
// backoff, 5 s), then 429 with Retry-After: 2 (retried after 2 s, not the
// table's 30 s), then 410 (the subscription is gone).
func testPushRetries(t *testing.T, recv *pushReceiver, alice, bob *fedInstance, bobToken, vapid, subject string) {
	token := alice.token(t, "read push")
	endpoint, p256dh, auth := recv.subscriber(t, "flaky", vapid, subject,
		pushAnswer{Status: 500}, pushAnswer{Status: 429, RetryAfter: 2}, pushAnswer{Status: 410})
	var sub map[string]any
	apiPostForm(t, alice.base, token, "/api/v1/push/subscription", url.Values{
		"subscription[endpoint]": {endpoint}, "subscription[keys][p256dh]": {p256dh}, "subscription[keys][auth]": {auth},
		"subscription[standard]": {"true"}, "data[alerts][mention]": {"true"},
	}, &sub)
	var status map[string]any
	apiPostForm(t, bob.base, bobToken, "/api/v1/statuses", url.Values{"status": {"retry check " + alice.handle()}}, &status)
	deadline := time.Now().Add(fedDeadline)
	var log []pushEntry
	for {
		log = recv.log(t, "flaky")
		if len(log) >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("flaky: %d attempts within %v: %+v", len(log), fedDeadline, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	checkPushes(t, "flaky", "aes128gcm", token, log)
	if log[0].Status != 500 || log[1].Status != 429 || log[2].Status != 410 {
		t.Errorf("answers %d %d %d", log[0].Status, log[1].Status, log[2].Status)
	}
	if gap := time.Duration(log[1].At-log[0].At) * time.Millisecond; gap < 4*time.Second || gap > 9*time.Second {
		t.Errorf("retry after a 500 came %v later, want the first backoff, about 5 s", gap)
	}
	if gap := time.Duration(log[2].At-log[1].At) * time.Millisecond; gap < 1900*time.Millisecond || gap > 10*time.Second {
		t.Errorf("retry after a 429 with Retry-After: 2 came %v later", gap)
	}
	for {
		code := apiStatusOf(t, "GET", alice.base, token, "/api/v1/push/subscription", nil)
		if code == http.StatusNotFound {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a 410 the subscription is still there: status %d", code)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

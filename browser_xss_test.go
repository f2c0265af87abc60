package main

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kith/federation/httpsig"
)

// xssCase is one hostile post body of tests/browser/xss-corpus.json: html
// tries to run script (setting window.__xss, calling alert, retitling the
// page) or to restyle the page; text is the harmless part that must still
// be shown.
type xssCase struct {
	Name, HTML, Text string
}

// hostileActor plays a remote server at http://evil.test (mapped to its
// loopback listener in alice's [federation.hosts]) with one actor,
// mallory, whose display name, bio and profile URL are hostile too. It
// answers 202 to every inbox POST and signs what it sends to alice.
type hostileActor struct {
	addr string // 127.0.0.1:port
	key  *rsa.PrivateKey
	pem  string
}

const (
	evilActor = "http://evil.test/users/mallory"
	evilKeyID = evilActor + "#main-key"
)

func newHostileActor(t *testing.T) *hostileActor {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	h := &hostileActor{key: key, pem: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.addr = ln.Addr().String()
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return h
}

// ServeHTTP serves mallory's actor document and accepts inbox POSTs.
func (h *hostileActor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodPost:
		io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
		w.WriteHeader(http.StatusAccepted)
	case r.URL.Path == "/users/mallory":
		w.Header().Set("Content-Type", "application/activity+json")
		json.NewEncoder(w).Encode(map[string]any{
			"@context":          []string{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
			"id":                evilActor,
			"type":              "Person",
			"preferredUsername": "mallory",
			"name":              `Mallory<img src=x onerror="window.__xss='name'"><script>alert('name')</script>`,
			"summary":           `<p>bio<script>window.__xss='bio'</script><a href="javascript:alert('bio')">link</a></p>`,
			"url":               "javascript:window.__xss='url'",
			"inbox":             evilActor + "/inbox",
			"outbox":            evilActor + "/outbox",
			"followers":         evilActor + "/followers",
			"following":         evilActor + "/following",
			"endpoints":         map[string]string{"sharedInbox": "http://evil.test/inbox"},
			"publicKey":         map[string]string{"id": evilKeyID, "owner": evilActor, "publicKeyPem": h.pem},
		})
	default:
		http.NotFound(w, r)
	}
}

// deliver signs act as mallory and posts it to alice's inbox, which must
// answer 202.
func (h *hostileActor) deliver(t *testing.T, alice *fedInstance, act map[string]any) {
	t.Helper()
	body, err := json.Marshal(act)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, alice.base+"/users/alice/inbox", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/activity+json")
	if err := httpsig.SignRequest(req, body, evilKeyID, h.key, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("deliver %s: status %d: %s", act["type"], resp.StatusCode, msg)
	}
}

// hostileCreate is a public Create{Note} by mallory with content html and
// a hostile content warning when cw is set; a reply to inReplyTo if set.
func hostileCreate(n int, html string, cw bool, inReplyTo string) map[string]any {
	note := map[string]any{
		"id":           fmt.Sprintf("%s/statuses/%d", evilActor, n),
		"type":         "Note",
		"attributedTo": evilActor,
		"to":           []string{"https://www.w3.org/ns/activitystreams#Public"},
		"cc":           []string{evilActor + "/followers"},
		"content":      html,
		"published":    time.Now().UTC().Add(time.Duration(n) * time.Second).Format(time.RFC3339),
	}
	if cw {
		note["summary"] = `<b onmouseover="window.__xss='cw'">spoiler</b><script>alert('cw')</script>`
		note["sensitive"] = true
	}
	if inReplyTo != "" {
		note["inReplyTo"] = inReplyTo
	}
	return map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       note["id"].(string) + "/activity",
		"type":     "Create",
		"actor":    evilActor,
		"to":       note["to"],
		"cc":       note["cc"],
		"object":   note,
	}
}

// TestBrowserXSS delivers a corpus of hostile posts from a remote actor
// alice follows, then renders them in chromium on /home and on each post's
// thread page: nothing may run (no dialog, no window.__xss, no retitled
// page), nothing active may survive in the DOM, and the harmless text of
// each post must still show.
func TestBrowserXSS(t *testing.T) {
	t.Parallel()
	var corpus []xssCase
	raw, err := os.ReadFile(filepath.Join("tests", "browser", "xss-corpus.json"))
	if err == nil {
		err = json.Unmarshal(raw, &corpus)
	}
	if err != nil || len(corpus) == 0 {
		t.Fatalf("xss corpus: %v (%d cases)", err, len(corpus))
	}
	evil := newHostileActor(t)
	alice, _ := startAlice(t, map[string]string{"evil.test": evil.addr})
	b := startBrowser(t, "MAP alice.test 127.0.0.1")
	token := alice.token(t, "read write follow")

	var found struct{ Accounts []struct{ ID, Acct string } }
	apiGet(t, alice.base, token, "/api/v2/search?type=accounts&resolve=true&q="+url.QueryEscape(evilActor), &found)
	if len(found.Accounts) != 1 {
		t.Fatalf("search %s: accounts %+v, want mallory", evilActor, found.Accounts)
	}
	var rel struct{ Following, Requested bool }
	apiPostForm(t, alice.base, token, "/api/v1/accounts/"+found.Accounts[0].ID+"/follow", nil, &rel)
	evil.deliver(t, alice, map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       evilActor + "#accepts/1",
		"type":     "Accept",
		"actor":    evilActor,
		"object":   map[string]any{"type": "Follow", "actor": "http://" + alice.host + "/users/alice", "object": evilActor},
	})
	waitFollowing(t, alice, token, found.Accounts[0].Acct)

	for i, c := range corpus {
		parent := ""
		if i%2 == 1 { // every other post answers the one before, so threads show hostile ancestors
			parent = fmt.Sprintf("%s/statuses/%d", evilActor, i-1)
		}
		evil.deliver(t, alice, hostileCreate(i, c.HTML, i%3 == 0, parent))
	}
	waitHomeCount(t, alice, token, len(corpus))

	b.must("login", map[string]any{"base": "http://" + alice.host, "username": "alice", "password": clientsPassword}, nil)
	home := xssCheck(t, b, "/home", corpus)
	if len(home.Statuses) < len(corpus) {
		t.Fatalf("/home shows %d posts, want the %d of the corpus", len(home.Statuses), len(corpus))
	}
	// The owner's page of mallory: the hostile name, bio and profile URL,
	// and the posts again.
	xssCheck(t, b, "/accounts/"+found.Accounts[0].ID, nil)
	checked := map[string]bool{}
	for _, st := range home.Statuses {
		id := strings.TrimPrefix(st.ID, "status-")
		if checked[id] {
			continue
		}
		checked[id] = true
		var want []xssCase
		for _, c := range corpus {
			if strings.Contains(st.Text, c.Text) {
				want = append(want, c)
			}
		}
		xssCheck(t, b, "/thread/"+id, want)
	}
}

// xssReport is what steps.mjs's xss step found on a page.
type xssReport struct {
	XSS        *string
	Title      string
	Bad        []string
	Dialogs    []struct{ Type, Message, URL string }
	PageErrors []struct{ Message, URL string }
	CSP        []string
	Statuses   []struct{ ID, Text string }
}

// xssCheck renders path and fails the test on any sign that hostile markup
// ran or survived, or if the text of a case in want is not shown.
func xssCheck(t *testing.T, b *browser, path string, want []xssCase) xssReport {
	t.Helper()
	var r xssReport
	b.must("xss", map[string]any{"path": path}, &r)
	if r.XSS != nil {
		t.Errorf("%s: window.__xss = %q: a payload ran", path, *r.XSS)
	}
	if strings.Contains(r.Title, "pwned") {
		t.Errorf("%s: title %q: a payload ran", path, r.Title)
	}
	for _, d := range r.Dialogs {
		t.Errorf("%s: a %s dialog opened (%q): a payload ran", path, d.Type, d.Message)
	}
	for _, e := range r.PageErrors {
		t.Errorf("%s: page error %q", path, e.Message)
	}
	for _, c := range r.CSP {
		t.Errorf("%s: the content security policy had to block something: %s", path, c)
	}
	for _, bad := range r.Bad {
		t.Errorf("%s: hostile markup survived: %s", path, bad)
	}
	for _, c := range want {
		shown := false
		for _, st := range r.Statuses {
			shown = shown || strings.Contains(st.Text, c.Text)
		}
		if !shown {
			t.Errorf("%s: the text %q of case %q is not shown", path, c.Text, c.Name)
		}
	}
	return r
}

// waitHomeCount polls alice's home timeline API until it holds n posts:
// the inbox applies deliveries in the background.
func waitHomeCount(t *testing.T, f *fedInstance, token string, n int) {
	t.Helper()
	deadline := time.Now().Add(fedDeadline)
	for {
		var home []struct{ ID string }
		apiGet(t, f.base, token, "/api/v1/timelines/home?limit=40", &home)
		if len(home) >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("home timeline has %d posts, want %d within %v", len(home), n, fedDeadline)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

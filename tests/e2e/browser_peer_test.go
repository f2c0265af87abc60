package e2e

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"testing"
	"time"

	"kith/federation/httpsig"
)

// fakeActor plays a remote server at http://HOST (mapped to its loopback
// listener in alice's [federation.hosts], or the listener's address itself
// when HOST is "") with one actor, whose profile
// fields the test chooses. It answers 202 to every inbox POST and signs
// what it sends to alice with its own key, as a real server would.
type fakeActor struct {
	uri, keyID string // http://HOST/users/NAME and its #main-key
	host       string
	addr       string // 127.0.0.1:port
	username   string
	profile    map[string]any // name, summary, url, ...
	key        *rsa.PrivateKey
	pem        string
}

func newFakeActor(t *testing.T, host, username string, profile map[string]any) *fakeActor {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if host == "" { // no name to map: the actor lives at its loopback address
		host = ln.Addr().String()
	}
	a := &fakeActor{uri: "http://" + host + "/users/" + username, host: host, username: username, profile: profile,
		key: key, pem: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), addr: ln.Addr().String()}
	a.keyID = a.uri + "#main-key"
	srv := &http.Server{Handler: a, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return a
}

// ServeHTTP serves the actor document and accepts inbox POSTs.
func (a *fakeActor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodPost:
		io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
		w.WriteHeader(http.StatusAccepted)
	case r.URL.Path == "/users/"+a.username:
		doc := map[string]any{
			"@context":          []string{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
			"id":                a.uri,
			"type":              "Person",
			"preferredUsername": a.username,
			"inbox":             a.uri + "/inbox",
			"outbox":            a.uri + "/outbox",
			"followers":         a.uri + "/followers",
			"following":         a.uri + "/following",
			"endpoints":         map[string]string{"sharedInbox": "http://" + a.host + "/inbox"},
			"publicKey":         map[string]string{"id": a.keyID, "owner": a.uri, "publicKeyPem": a.pem},
		}
		maps.Copy(doc, a.profile)
		w.Header().Set("Content-Type", "application/activity+json")
		json.NewEncoder(w).Encode(doc)
	default:
		http.NotFound(w, r)
	}
}

// deliver signs act as the actor and posts it to alice's inbox, which must
// answer 202.
func (a *fakeActor) deliver(t *testing.T, alice *fedInstance, act map[string]any) {
	t.Helper()
	body, err := json.Marshal(act)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, alice.base+"/users/alice/inbox", bytes.NewReader(body))
	// Sent to 127.0.0.1 but signed for alice's host, as a peer that
	// resolved alice.test would: kith refuses a signature for another host.
	req.Host = alice.host
	req.Header.Set("Content-Type", "application/activity+json")
	if err := httpsig.SignRequest(req, body, a.keyID, a.key, time.Now()); err != nil {
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

// note is the actor's public Note number n with content html.
func (a *fakeActor) note(n int, html string) map[string]any {
	return map[string]any{
		"id":           fmt.Sprintf("%s/statuses/%d", a.uri, n),
		"type":         "Note",
		"attributedTo": a.uri,
		"to":           []string{"https://www.w3.org/ns/activitystreams#Public"},
		"cc":           []string{a.uri + "/followers"},
		"content":      html,
		"published":    time.Now().UTC().Add(time.Duration(n) * time.Second).Format(time.RFC3339),
	}
}

// create wraps note in the actor's Create, addressed as the note is.
func (a *fakeActor) create(note map[string]any) map[string]any {
	return map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       note["id"].(string) + "/activity",
		"type":     "Create",
		"actor":    a.uri,
		"to":       note["to"],
		"cc":       note["cc"],
		"object":   note,
	}
}

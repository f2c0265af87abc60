package bench

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"time"
)

// PushReceiver plays a Web Push service on loopback: it takes every POST,
// answers 201 Created as push services do, and counts them. It does not
// decrypt: what is measured is kith's side.
type PushReceiver struct {
	URL string // http://127.0.0.1:port

	srv    *http.Server
	pushes atomic.Int64
}

// NewPushReceiver starts a receiver on a free loopback port.
func NewPushReceiver() (*PushReceiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &PushReceiver{URL: "http://" + ln.Addr().String()}
	p.srv = &http.Server{Handler: http.HandlerFunc(p.serve), ReadHeaderTimeout: 10 * time.Second}
	go p.srv.Serve(ln)
	return p, nil
}

func (p *PushReceiver) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/push/") {
		http.NotFound(w, r)
		return
	}
	io.Copy(io.Discard, io.LimitReader(r.Body, 8<<10))
	p.pushes.Add(1)
	w.WriteHeader(http.StatusCreated)
}

// Pushes is how many pushes arrived.
func (p *PushReceiver) Pushes() int64 { return p.pushes.Load() }

// Close stops the receiver.
func (p *PushReceiver) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return p.srv.Shutdown(ctx)
}

// Token makes an access token for the owner with `kith token create`, as
// an operator scripting kith does; it works while kith serve runs.
func (in *Instance) Token(ctx context.Context, name, scopes string) (string, error) {
	cmd := exec.CommandContext(ctx, in.Bin, "token", "create", "--config", in.Config, "--name", name, "--scopes", scopes)
	cmd.Dir = in.Dir
	cmd.Env = append(os.Environ(), "KITH_CONFIG=")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("kith token create: %v\n%s", err, stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
}

// SubscribePush makes n push subscriptions to the receiver through the
// Mastodon API, each with its own token (a subscription belongs to a
// token), endpoint and keys, told of mentions from anyone.
func SubscribePush(ctx context.Context, in *Instance, recv *PushReceiver, n int) error {
	for i := range n {
		token, err := in.Token(ctx, fmt.Sprintf("bench push %d", i), "push")
		if err != nil {
			return err
		}
		key, err := ecdh.P256().GenerateKey(rand.Reader)
		if err != nil {
			return err
		}
		auth := make([]byte, 16)
		rand.Read(auth)
		form := url.Values{
			"subscription[endpoint]":     {fmt.Sprintf("%s/push/%d-%s", recv.URL, i, rand.Text())},
			"subscription[keys][p256dh]": {base64.RawURLEncoding.EncodeToString(key.PublicKey().Bytes())},
			"subscription[keys][auth]":   {base64.RawURLEncoding.EncodeToString(auth)},
			"subscription[standard]":     {"true"},
			"data[alerts][mention]":      {"true"},
			"data[policy]":               {"all"},
		}
		if err := subscribe(ctx, in.client, in.URL, token, form); err != nil {
			return fmt.Errorf("push subscription %d: %w", i, err)
		}
	}
	return nil
}

func subscribe(ctx context.Context, client *http.Client, base, token string, form url.Values) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/push/subscription", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var sub struct {
		Alerts map[string]bool `json:"alerts"`
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %s", resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, &sub); err != nil || !sub.Alerts["mention"] {
		return fmt.Errorf("the subscription does not alert on mentions: %s", body)
	}
	return nil
}

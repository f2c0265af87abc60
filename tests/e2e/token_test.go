package e2e

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// openRevocableStream opens the token's user stream (server-sent events) on a
// running kith and returns a channel closed when the server ends it.
func openRevocableStream(t *testing.T, base, token string) <-chan struct{} {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/streaming/user", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		t.Fatalf("user stream: status %d", resp.StatusCode)
	}
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
	}()
	return ended
}

// requireStreamEnds waits for a stream the server must close: kith serve
// re-checks a stream's token every second, so a revocation made by a
// command closes it within that; the wait is only a bound.
func requireStreamEnds(t *testing.T, ended <-chan struct{}) {
	t.Helper()
	select {
	case <-ended:
	case <-time.After(3 * time.Second):
		t.Errorf("the revoked token's stream is still open 3s later")
	}
}

func TestTokenCommands(t *testing.T) {
	dir, _, base := initInstance(t)
	r := kith(t, dir, "", "token", "create", "--scopes", "read write:statuses", "--name", "my bot")
	token := strings.TrimSpace(r.stdout)
	if r.code != 0 || token == "" || strings.Contains(token, "\n") || !strings.Contains(r.stderr, "shown only now") {
		t.Fatalf("token create: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}

	p := startServe(t, dir)
	p.waitHealthy(t, base)
	verify := func() (int, string) {
		req, _ := http.NewRequest("GET", base+"/api/v1/apps/verify_credentials", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if status, body := verify(); status != http.StatusOK || !strings.Contains(body, `"name":"my bot"`) || !strings.Contains(body, `"scopes":["read","write:statuses"]`) {
		t.Errorf("the CLI token: status %d %s", status, body)
	}

	r = kith(t, dir, "", "token", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "my bot") || !strings.Contains(r.stdout, "read write:statuses") {
		t.Errorf("token list: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout, token) {
		t.Errorf("token list shows the token")
	}
	fields := strings.Fields(strings.Split(r.stdout, "\n")[1])
	stream := openRevocableStream(t, base, token)
	r = kith(t, dir, "", "token", "revoke", fields[0])
	if r.code != 0 {
		t.Fatalf("token revoke %s: exit %d %s", fields[0], r.code, r.stderr)
	}
	requireStreamEnds(t, stream)
	if status, _ := verify(); status != http.StatusUnauthorized {
		t.Errorf("revoked token: status %d, want 401", status)
	}

	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"token", "create", "--scopes", "read everything"}, 1, "Scopes"},
		{[]string{"token", "revoke", "999"}, 1, "no application 999"},
		{[]string{"token", "revoke"}, 2, "APP_ID"},
		{[]string{"token"}, 2, "missing subcommand"},
		{[]string{"token", "frob"}, 2, "unknown subcommand"},
		{[]string{"help", "token"}, 0, "kith token create"},
	} {
		r := kith(t, dir, "", tt.args...)
		if r.code != tt.code || !strings.Contains(r.stdout+r.stderr, tt.want) {
			t.Errorf("kith %s: exit %d %s%s, want exit %d and %q", strings.Join(tt.args, " "), r.code, r.stdout, r.stderr, tt.code, tt.want)
		}
	}
	terminate(t, p)
}

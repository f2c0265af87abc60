package httpsig

import (
	"bytes"
	"crypto"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// verifyServer verifies every request it receives with lookup at now and
// answers the Result as JSON, or 401 with the error.
func verifyServer(t *testing.T, lookup KeyLookup, now time.Time) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if len(body) == 0 {
			body = nil
		}
		res, err := Verify(r, body, lookup, now)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		json.NewEncoder(w).Encode(res)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestRoundTrip(t *testing.T) {
	rsaPriv := rsaKey(t, "rsa2048.pem")
	edPriv := ed25519Key(1)
	body := []byte(`{"type":"Create","actor":"https://mastodon.example/users/a"}`)
	tests := []struct {
		name     string
		key      crypto.Signer
		method   string
		body     []byte
		wantAlg  string // algorithm parameter sent
		verified string // Result.Algorithm
		signed   []string
	}{
		{"rsa get", rsaPriv, http.MethodGet, nil, "rsa-sha256", "rsa-sha256", []string{"(request-target)", "host", "date"}},
		{"rsa post", rsaPriv, http.MethodPost, body, "rsa-sha256", "rsa-sha256", []string{"(request-target)", "host", "date", "digest"}},
		{"ed25519 get", edPriv, http.MethodGet, nil, "hs2019", "ed25519", []string{"(request-target)", "host", "date"}},
		{"ed25519 post", edPriv, http.MethodPost, body, "hs2019", "ed25519", []string{"(request-target)", "host", "date", "digest"}},
		{"rsa post, empty body", rsaPriv, http.MethodPost, []byte{}, "rsa-sha256", "rsa-sha256", []string{"(request-target)", "host", "date", "digest"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := time.Now()
			lookup := lookupOf(tt.key.Public())
			srv := verifyServer(t, lookup.lookup, now)
			// The query string and the test server's port are both part
			// of what is signed.
			r, err := http.NewRequest(tt.method, srv.URL+"/users/kith/outbox?page=true&min_id=1", bytes.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if err := SignRequest(r, tt.body, testKeyID, tt.key, now); err != nil {
				t.Fatal(err)
			}
			if got := r.Header.Get("Signature"); !strings.Contains(got, `algorithm="`+tt.wantAlg+`"`) {
				t.Errorf("Signature %q, want algorithm %q", got, tt.wantAlg)
			}
			resp, err := srv.Client().Do(r)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			msg, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("got %d %s, want 200", resp.StatusCode, msg)
			}
			var got Result
			if err := json.Unmarshal(msg, &got); err != nil {
				t.Fatal(err)
			}
			want := Result{KeyID: testKeyID, Owner: testOwner, Algorithm: tt.verified, Signed: tt.signed}
			if got.KeyID != want.KeyID || got.Owner != want.Owner || got.Algorithm != want.Algorithm || !slices.Equal(got.Signed, want.Signed) {
				t.Errorf("got %+v, want %+v", got, want)
			}
			if n := lookup.calls.Load(); n != 1 {
				t.Errorf("lookup called %d times, want 1", n)
			}
		})
	}
}

// The signed host must be what the server sees; a request sent to one
// host with a signature for another must fail.
func TestRoundTripHostMismatch(t *testing.T) {
	key := rsaKey(t, "rsa2048.pem")
	now := time.Now()
	srv := verifyServer(t, lookupOf(key.Public()).lookup, now)
	r, err := http.NewRequest(http.MethodGet, srv.URL+"/users/kith", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Host = "other.example"
	if err := SignRequest(r, nil, testKeyID, key, now); err != nil {
		t.Fatal(err)
	}
	r.Host = "" // sent to srv's own host:port
	resp, err := srv.Client().Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got, want := resp.StatusCode, http.StatusUnauthorized; got != want {
		t.Errorf("got %d, want %d", got, want)
	}
}

func TestSignRequestHeaders(t *testing.T) {
	r, _ := http.NewRequest(http.MethodPost, "https://kith.example:8443/inbox", nil)
	r.Header.Set("Signature", "stale")
	// A fixed instant, off UTC, to check the Date header letter by letter.
	at := time.Date(2026, 3, 3, 11, 0, 0, 0, time.FixedZone("CET", 3600))
	if err := SignRequest(r, []byte("{}"), testKeyID, ed25519Key(2), at); err != nil {
		t.Fatal(err)
	}
	if got, want := r.Header.Get("Date"), "Tue, 03 Mar 2026 10:00:00 GMT"; got != want {
		t.Errorf("Date %q, want %q", got, want)
	}
	if got, want := r.Header.Get("Digest"), "SHA-256=RBNvo1WzZ4oRRq0W9+hknpT7T8If536DEMBg9hyq/4o="; got != want {
		t.Errorf("Digest %q, want %q", got, want)
	}
	if got := r.Header.Values("Signature"); len(got) != 1 || !strings.HasPrefix(got[0], `keyId="`+testKeyID+`",algorithm="hs2019",headers="(request-target) host date digest",signature="`) {
		t.Errorf("Signature %q", got)
	}
	m := clientMessage(r)
	if got, want := m.host, "kith.example:8443"; got != want {
		t.Errorf("signed host %q, want %q", got, want)
	}
}

func TestSignRequestRejects(t *testing.T) {
	r, _ := http.NewRequest(http.MethodGet, "https://kith.example/", nil)
	if err := SignRequest(r, nil, `a"b`, ed25519Key(1), testNow); err == nil {
		t.Error("keyId with a quote: got nil error")
	}
	if err := SignRequest(r, nil, testKeyID, notAKey{}, testNow); err == nil {
		t.Error("unsupported key type: got nil error")
	}
}

type notAKey struct{}

func (notAKey) Public() crypto.PublicKey { return "not a key" }
func (notAKey) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, nil
}

package bench

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"kith/federation/httpsig"
)

// TestPeerSignsWhatItServes checks that a signed request verifies against
// the key in the actor document the peer serves, and that the sink counts
// and verifies POSTs.
func TestPeerSignsWhatItServes(t *testing.T) {
	ctx := context.Background()
	var peer *Peer
	lookup := func(ctx context.Context, keyID string, _ bool) (httpsig.Key, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+peer.Addr+strings.TrimPrefix(strings.SplitN(keyID, "#", 2)[0], "http://"+RemoteHost), nil)
		req.Host = RemoteHost
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return httpsig.Key{}, err
		}
		defer resp.Body.Close()
		var doc struct {
			ID        string `json:"id"`
			PublicKey struct {
				ID  string `json:"id"`
				PEM string `json:"publicKeyPem"`
			} `json:"publicKey"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
			return httpsig.Key{}, err
		}
		if doc.PublicKey.ID != keyID {
			t.Errorf("key id: got %s, want %s", doc.PublicKey.ID, keyID)
		}
		l, err := StaticKey(keyID, doc.ID, doc.PublicKey.PEM)
		if err != nil {
			return httpsig.Key{}, err
		}
		return l(ctx, keyID, false)
	}
	var err error
	peer, err = NewPeer(PeerOptions{Keys: 2, VerifyEvery: 1, Lookup: lookup})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()

	inbox := "http://" + peer.Addr + "/inbox"
	reqs, err := SignAll(3, func(i int) (Request, error) {
		return peer.Sign(inbox, RemoteHost, i, Create(RemoteHost, i, "n", "http://kith.test/users/owner"))
	})
	if err != nil {
		t.Fatal(err)
	}
	res := Fire(ctx, reqs, 2)
	if res.Accepted != 3 {
		t.Fatalf("accepted: got %v, want 3; stats %+v", res, peer.Stats())
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := peer.WaitPosts(wctx, 3); err != nil {
		t.Fatal(err)
	}
	st := peer.Stats()
	if st.Verified != 3 || st.BadSigs != 0 || st.Gets != 3 || st.MaxGetsPerActor != 1 {
		t.Errorf("stats: got %+v, want 3 verified, 0 bad, 3 GETs, 1 per actor", st)
	}
	if got := len(peer.Received()); got != 3 {
		t.Errorf("distinct activity ids received: got %d, want 3", got)
	}
}

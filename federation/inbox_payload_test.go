package federation

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestInboxPayload: what encodeInboxJob writes, and what older kith wrote
// with json.Marshal, decodes to the same job, escapes and all.
func TestInboxPayload(t *testing.T) {
	bodies := []string{
		`{"type":"Create","content":"<p>a \"quoted\" } brace</p>"}`,
		`{"id":"https://x.test/a","tag":[{"name":"#x"}]}`,
		"\n {\"type\":\"Like\"} ",
	}
	actors := []string{"https://remote.test/users/a", `https://remote.test/users/"odd"\name<>`}
	for _, body := range bodies {
		for _, actor := range actors {
			want := inboxJob{Actor: actor, Signer: actor + "#key", Body: json.RawMessage(body)}
			fresh, err := encodeInboxJob(want.Actor, want.Signer, want.Body)
			if err != nil {
				t.Fatal(err)
			}
			old, err := json.Marshal(want)
			if err != nil {
				t.Fatal(err)
			}
			for name, payload := range map[string][]byte{"fresh": fresh, "json.Marshal": old} {
				got, err := decodeInboxJob(payload)
				if err != nil {
					t.Fatalf("%s %s: %v", name, payload, err)
				}
				var a, b any
				json.Unmarshal(got.Body, &a)
				json.Unmarshal(want.Body, &b)
				if got.Actor != want.Actor || got.Signer != want.Signer || !jsonEqual(a, b) {
					t.Errorf("%s: decoded %q %q %s, want %q %q %s", name, got.Actor, got.Signer, got.Body, want.Actor, want.Signer, want.Body)
				}
			}
			if !json.Valid(fresh) {
				t.Errorf("encoded payload is not JSON: %s", fresh)
			}
		}
	}
	if _, err := decodeInboxJob([]byte(`{"actor":`)); err == nil {
		t.Error("a cut payload decoded")
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

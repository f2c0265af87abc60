package ap

import (
	"os"
	"path/filepath"
	"testing"
)

func TestPeekActivity(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		typ   Type
		actor string
		ok    bool
	}{
		{"plain", `{"type":"Delete","actor":"https://a.example/u","object":"https://a.example/u"}`, "Delete", "https://a.example/u", true},
		{"nested values skipped", `{"@context":["x",{"a":"b\"}"}],"object":{"id":"o","tag":[1,2.5e3,true,null]},"type":"as:Delete","actor":" https://a.example/u "}`, "Delete", "https://a.example/u", true},
		{"key case", `{"TYPE":"Like","Actor":"https://a.example/u"}`, "Like", "https://a.example/u", true},
		{"last duplicate wins", `{"type":"Like","actor":"https://a.example/u","type":"Delete"}`, "Delete", "https://a.example/u", true},
		{"embedded actor", `{"type":"Delete","actor":{"id":"https://a.example/u"}}`, "", "", false},
		{"type array", `{"type":["Delete"],"actor":"https://a.example/u"}`, "", "", false},
		{"escaped value", `{"type":"Del\u0065te","actor":"https://a.example/u"}`, "", "", false},
		{"escaped key", `{"typ\u0065":"Delete","actor":"https://a.example/u"}`, "", "", false},
		{"no actor", `{"type":"Delete"}`, "", "", false},
		{"trailing junk", `{"type":"Delete","actor":"https://a.example/u"} x`, "", "", false},
		{"unterminated", `{"type":"Delete","actor":"https://a.example/u","object":{"id":"x"`, "", "", false},
		{"not an object", `["type","Delete"]`, "", "", false},
		{"empty", ``, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ, actor, ok := PeekActivity([]byte(tt.doc))
			if typ != tt.typ || actor != tt.actor || ok != tt.ok {
				t.Errorf("got %q, %q, %v; want %q, %q, %v", typ, actor, ok, tt.typ, tt.actor, tt.ok)
			}
		})
	}
}

// BenchmarkPeekDelete compares the inbox's peek with the full parse on the
// Delete Mastodon sends when it removes an account.
func BenchmarkPeekDelete(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "delete-account.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("peek", func(b *testing.B) {
		for b.Loop() {
			PeekActivity(data)
		}
	})
	b.Run("parse", func(b *testing.B) {
		for b.Loop() {
			ParseActivity(data)
		}
	})
}

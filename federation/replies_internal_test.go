package federation

import (
	"context"
	"testing"

	"kith/federation/ap"
)

// BenchmarkCrawlIfRepliesInline is what every arriving post with an
// embedded replies collection costs the inbox: a Mastodon Note's
// replies, whose first page lists no self-replies, so nothing is queued.
//
//	go test -run '^$' -bench CrawlIfRepliesInline ./federation
func BenchmarkCrawlIfRepliesInline(b *testing.B) {
	obj, err := ap.ParseObject([]byte(`{"id":"https://m.example/users/a/statuses/1","type":"Note",
		"attributedTo":"https://m.example/users/a","content":"hi",
		"replies":{"id":"https://m.example/users/a/statuses/1/replies","type":"Collection",
		"first":{"type":"CollectionPage","next":"https://m.example/users/a/statuses/1/replies?only_other_accounts=true&page=true",
		"partOf":"https://m.example/users/a/statuses/1/replies","items":[]}}}`))
	if err != nil {
		b.Fatal(err)
	}
	f := &Federation{} // nothing is queued: the page is empty
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		f.crawlIfRepliesInline(ctx, obj)
	}
}

// TestListsItems: the byte scan that decides whether an arriving post's
// replies list any.
func TestListsItems(t *testing.T) {
	tests := []struct {
		raw  string
		want bool
	}{
		{`{"type":"Collection","first":{"type":"CollectionPage","items":[]}}`, false},
		{`{"type":"Collection","first":{"type":"CollectionPage","items":[ ] , "next":"x"}}`, false},
		{`{"type":"Collection","first":{"type":"CollectionPage","items":["https://m.example/1"]}}`, true},
		{`{"type":"OrderedCollection","orderedItems" : [ {"id":"https://m.example/1"} ]}`, true},
		{`{"type":"Collection","items":"https://m.example/1"}`, true},
		{`{"type":"Collection","items":null,"orderedItems":[]}`, false},
		{`{"type":"Collection","name":"items","summary":"orderedItems"}`, false},
		{`{"type":"Collection","content":"\"items\": [1]"}`, false},
		{`{"type":"Collection","first":"https://m.example/1/replies?page=true"}`, false},
		{`{"type":"Collection","items":`, false},
	}
	for _, tt := range tests {
		if got := listsItems([]byte(tt.raw)); got != tt.want {
			t.Errorf("listsItems(%s) = %v, want %v", tt.raw, got, tt.want)
		}
	}
}

package server

import "testing"

func TestIsActivityContentType(t *testing.T) {
	tests := []struct {
		ct   string
		want bool
	}{
		{"application/activity+json", true},
		{"application/activity+json; charset=utf-8", true},
		{`application/ld+json; profile="https://www.w3.org/ns/activitystreams"`, true},
		{"application/json", true},
		{"text/plain", false},
		{"application/x-www-form-urlencoded", false},
		{"", false},
		{"application/activity+json; profile=", false},
	}
	for _, tt := range tests {
		if got := isActivityContentType(tt.ct); got != tt.want {
			t.Errorf("%q: got %v, want %v", tt.ct, got, tt.want)
		}
	}
}

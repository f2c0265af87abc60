package fedify

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

const wait = 10 * time.Second

// TestTwoPeers drives two Fedify peers at each other: a follow answered by
// an Accept, a note delivered with a verified signature, and lookups by URL
// and by acct: handle (WebFinger, which Fedify does over https only).
func TestTwoPeers(t *testing.T) {
	t.Parallel()
	a := Start(t, Options{})
	b := Start(t, Options{Host: "other.test"})

	followID := a.Follow(t, b.ActorURL())
	accept := a.WaitFor(t, func(x Activity) bool { return x.Type == "Accept" }, wait)
	if accept.Object != followID || accept.Actor != b.ActorURL() {
		t.Errorf("Accept of %q by %q, want of %q by %q", accept.Object, accept.Actor, followID, b.ActorURL())
	}
	if got := a.Following(t)[b.ActorURL()]; got != "accepted" {
		t.Errorf("a follows b: %q, want accepted", got)
	}
	if got := b.Followers(t); len(got) != 1 || got[0] != a.ActorURL() {
		t.Errorf("b's followers = %q, want [%q]", got, a.ActorURL())
	}

	noteID := b.Note(t, Note{
		Content: "<p>hello from b</p>",
		To:      []string{a.ActorURL()},
		CC:      []string{"https://www.w3.org/ns/activitystreams#Public"},
	})
	create := a.WaitFor(t, func(x Activity) bool { return x.Type == "Create" && x.Object == noteID }, wait)
	if create.Signature != "rfc9421" || create.Actor != b.ActorURL() || create.ObjectType != "Note" {
		t.Errorf("Create: signature %q actor %q object type %q, want rfc9421, %q, Note",
			create.Signature, create.Actor, create.ObjectType, b.ActorURL())
	}
	var raw struct{ Object struct{ Content string } }
	if err := json.Unmarshal(create.Raw, &raw); err != nil || raw.Object.Content != "<p>hello from b</p>" {
		t.Errorf("raw Create content %q (%v)", raw.Object.Content, err)
	}

	if doc := a.Lookup(t, noteID); doc["id"] != noteID || doc["type"] != "Note" {
		t.Errorf("lookup note: id %v type %v", doc["id"], doc["type"])
	}
	handle := "acct:peer@" + strings.TrimPrefix(b.URL(), "http://")
	if doc := a.Lookup(t, handle); doc["id"] != b.ActorURL() {
		t.Errorf("lookup %s: id %v, want %s", handle, doc["id"], b.ActorURL())
	}

	likeID := a.Like(t, noteID, b.ActorURL())
	b.WaitFor(t, func(x Activity) bool { return x.Type == "Like" && x.ID == likeID }, wait)
	a.Undo(t, likeID)
	b.WaitFor(t, func(x Activity) bool { return x.Type == "Undo" && x.Object == likeID }, wait)

	b.UpdateNote(t, noteID, "<p>edited</p>")
	update := a.WaitFor(t, func(x Activity) bool { return x.Type == "Update" }, wait)
	b.DeleteNote(t, noteID)
	del := a.WaitFor(t, func(x Activity) bool { return x.Type == "Delete" }, wait)
	if update.Object != noteID || del.Object != noteID || del.ObjectType != "Tombstone" {
		t.Errorf("Update of %q, Delete of %s %q, want both of %q", update.Object, del.ObjectType, del.Object, noteID)
	}
	b.Announce(t, a.ActorURL(), a.ActorURL())
	a.WaitFor(t, func(x Activity) bool { return x.Type == "Announce" && x.Object == a.ActorURL() }, wait)

	if got := a.Rejected(t); len(got) != 0 {
		t.Errorf("a rejected %d activities: %+v", len(got), got)
	}
}

// TestDoubleKnock checks what Requests shows when the peer talks to a server
// that only speaks draft-cavage and answers 401 to RFC 9421. Fedify remembers
// the scheme that worked per origin, and the peer fetches the target actor
// before each delivery, so where the 401 shows up depends on whether the
// server also checks signatures on GETs.
func TestDoubleKnock(t *testing.T) {
	t.Parallel()
	p := Start(t, Options{})
	tests := []struct {
		name      string
		checkGETs bool
		want      []string
	}{
		{"signed GETs checked", true, []string{
			"GET /actor rfc9421 401",
			"GET /actor draft-cavage 200",
			"POST /inbox draft-cavage 202",
			"GET /actor draft-cavage 200",
			"POST /inbox draft-cavage 202",
		}},
		{"GETs public", false, []string{
			"GET /actor rfc9421 200",
			"POST /inbox rfc9421 401",
			"POST /inbox draft-cavage 202",
			"GET /actor draft-cavage 200",
			"POST /inbox draft-cavage 202",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := cavageServer(t, tt.checkGETs)
			p.Reset(t)
			p.Like(t, base+"/some-post", base+"/actor")
			p.Like(t, base+"/other-post", base+"/actor")
			var got []string
			for _, r := range p.Requests(t) {
				got = append(got, r.Method+" "+strings.TrimPrefix(r.URL, base)+" "+r.Signature+" "+strconv.Itoa(r.Status))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// cavageServer serves an actor and an inbox at http://cavage.test:PORT (the
// returned base) and answers 401 to RFC 9421 signatures. It checks no
// signature beyond that: the peer's side is under test.
func cavageServer(t *testing.T, checkGETs bool) string {
	var base string // set before the first request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Signature-Input") != "" && (checkGETs || r.Method == "POST") {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch {
		case r.Method == "GET" && r.URL.Path == "/actor":
			w.Header().Set("Content-Type", "application/activity+json")
			json.NewEncoder(w).Encode(map[string]any{
				"@context":          "https://www.w3.org/ns/activitystreams",
				"id":                base + "/actor",
				"type":              "Person",
				"preferredUsername": "cavage",
				"inbox":             base + "/inbox",
			})
		case r.Method == "POST" && r.URL.Path == "/inbox":
			w.WriteHeader(http.StatusAccepted)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	base = strings.Replace(srv.URL, "127.0.0.1", "cavage.test", 1)
	return base
}

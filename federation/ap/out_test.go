package ap

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// golden compares v, marshalled by Marshal and indented, to testdata/golden/name.
func golden(t *testing.T, name string, v any) []byte {
	t.Helper()
	data, err := Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var indented bytes.Buffer
	if err := json.Indent(&indented, data, "", "  "); err != nil {
		t.Fatal(err)
	}
	got := append(indented.Bytes(), '\n')
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n got:\n%s\nwant:\n%s", name, got, want)
	}
	return got
}

const actorID = "https://kith.example/users/ana"

// sent is data, not a clock: the published time the golden files carry.
var sent = time.Date(2025, 3, 1, 12, 30, 45, 123e6, time.UTC)

func sampleActor() OutActor {
	return OutActor{
		Context:                   Context(),
		ID:                        actorID,
		Type:                      "Person",
		Following:                 actorID + "/following",
		Followers:                 actorID + "/followers",
		Inbox:                     actorID + "/inbox",
		Outbox:                    actorID + "/outbox",
		Featured:                  actorID + "/collections/featured",
		PreferredUsername:         "ana",
		Name:                      "Ana",
		Summary:                   "<p>hello</p>",
		URL:                       "https://kith.example/@ana",
		ManuallyApprovesFollowers: true,
		Discoverable:              true,
		Published:                 FormatTime(sent),
		AlsoKnownAs:               []string{"https://old.example/users/ana"},
		PublicKey: OutPublicKey{
			ID: actorID + "#main-key", Owner: actorID,
			PublicKeyPem: "-----BEGIN PUBLIC KEY-----\n...\n-----END PUBLIC KEY-----\n",
		},
		Tag:        []OutTag{},
		Attachment: []OutField{{Type: "PropertyValue", Name: "Site", Value: `<a href="https://ana.example">ana.example</a>`}},
		Endpoints:  OutEndpoints{SharedInbox: "https://kith.example/inbox"},
		Icon:       &OutImage{Type: "Image", MediaType: "image/png", URL: "https://kith.example/media/avatar.png"},
	}
}

func TestGoldenActor(t *testing.T) {
	data := golden(t, "actor.json", sampleActor())
	// What kith sends must read back through its own lenient parser.
	a := mustActor(t, data)
	if !KeyOwnedByActor(a) || a.SharedInboxURL() == "" || !bool(a.ManuallyApprovesFollowers) || len(a.Fields()) != 1 {
		t.Errorf("round trip lost something: %+v", a)
	}
}

func sampleNote() OutNote {
	return OutNote{
		ID:           actorID + "/statuses/1",
		Type:         "Note",
		Summary:      "cw",
		InReplyTo:    "https://b.example/notes/9",
		Published:    FormatTime(sent),
		URL:          "https://kith.example/@ana/1",
		AttributedTo: actorID,
		To:           []string{Public},
		CC:           []string{actorID + "/followers", "https://b.example/users/bo"},
		Sensitive:    true,
		Content:      `<p>hi <span class="h-card"><a href="https://b.example/@bo" class="u-url mention">@<span>bo</span></a></span></p>`,
		ContentMap:   map[string]string{"en": "<p>hi</p>"},
		Attachment: []OutAttachment{{
			Type: "Document", MediaType: "image/jpeg", URL: "https://kith.example/media/1.jpg",
			Name: "a cat", Blurhash: "LEHV6nWB2yk8pyo0adR*.7kCMdnj", FocalPoint: []float64{0, 0.5}, Width: 800, Height: 600,
		}},
		Tag: []OutTag{
			{Type: "Mention", Href: "https://b.example/users/bo", Name: "@bo@b.example"},
			{Type: "Hashtag", Href: "https://kith.example/tags/cats", Name: "#cats"},
		},
	}
}

func TestGoldenCreateNote(t *testing.T) {
	note := sampleNote()
	create := OutActivity{
		Context: Context(), ID: note.ID + "/activity", Type: "Create", Actor: actorID,
		Published: note.Published, To: note.To, CC: note.CC, Object: note,
	}
	data := golden(t, "create-note.json", create)
	a := mustActivity(t, data)
	o, err := a.Object.Object()
	if err != nil {
		t.Fatal(err)
	}
	if !a.InlineObjectTrusted() || !o.IsSensitive() || o.Attachment[0].Name != "a cat" || o.Tag[1].Type != "Hashtag" {
		t.Errorf("round trip lost something: %+v", o)
	}
}

func TestGoldenQuestion(t *testing.T) {
	voters := 3
	q := OutNote{
		Context: Context(), ID: actorID + "/statuses/2", Type: "Question",
		Published: FormatTime(sent), AttributedTo: actorID, To: []string{Public}, CC: []string{actorID + "/followers"},
		Content:    "<p>tea or coffee?</p>",
		Attachment: []OutAttachment{}, Tag: []OutTag{},
		OneOf: []OutPollOption{
			{Type: "Note", Name: "tea", Replies: OutTotalItems{Type: "Collection", TotalItems: 2}},
			{Type: "Note", Name: "coffee", Replies: OutTotalItems{Type: "Collection", TotalItems: 1}},
		},
		EndTime:     FormatTime(sent.Add(24 * time.Hour)),
		VotersCount: &voters,
	}
	o := mustObject(t, golden(t, "question.json", q))
	opts, multiple := o.PollOptions()
	if len(opts) != 2 || multiple || opts[0].Replies != 2 || o.VotersCount != 3 {
		t.Errorf("round trip lost something: %+v", o)
	}
}

func TestGoldenUndoFollow(t *testing.T) {
	follow := OutActivity{ID: actorID + "#follows/7", Type: "Follow", Actor: actorID, Object: "https://b.example/users/bo"}
	undo := OutActivity{Context: Context(), ID: actorID + "#follows/7/undo", Type: "Undo", Actor: actorID, Object: follow}
	a := mustActivity(t, golden(t, "undo-follow.json", undo))
	inner, err := a.Object.Activity()
	if err != nil {
		t.Fatal(err)
	}
	if inner.Type != "Follow" || inner.Object.ID != "https://b.example/users/bo" {
		t.Errorf("round trip lost something: %+v", inner)
	}
}

func TestFormatTime(t *testing.T) {
	if got, want := FormatTime(sent.In(time.FixedZone("x", 3600))), "2025-03-01T12:30:45Z"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

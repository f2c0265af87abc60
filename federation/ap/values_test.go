package ap

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestBool(t *testing.T) {
	tests := []struct {
		in   string
		want Bool
	}{
		{`true`, true}, {`false`, false}, {`null`, false},
		{`"true"`, true}, {`"True"`, true}, {`"false"`, false}, {`"yes"`, false},
		{`1`, true}, {`0`, false},
		{`{"@value":"False","type":"xsd:boolean"}`, false},
		{`{"@value":"true","@type":"xsd:boolean"}`, true},
		{`{"@value":true}`, true},
		{`[true]`, true}, {`[]`, false}, {`{}`, false},
	}
	for _, tt := range tests {
		var got Bool
		if err := json.Unmarshal([]byte(tt.in), &got); err != nil || got != tt.want {
			t.Errorf("Bool %s: got %v (err %v), want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestTime(t *testing.T) {
	tests := []struct {
		in   string
		want string // RFC 3339 in UTC; "" for the zero time
	}{
		{`"2018-09-25T16:11:29Z"`, "2018-09-25T16:11:29Z"},
		{`"2022-08-01T11:06:49.568Z"`, "2022-08-01T11:06:49.568Z"},
		{`"2017-12-19T16:56:29.7576707+00:00"`, "2017-12-19T16:56:29.7576707Z"},
		{`"2021-03-01T10:00:00+02:00"`, "2021-03-01T08:00:00Z"},
		{`"2019-09-19T00:32:36.785333"`, "2019-09-19T00:32:36.785333Z"},
		{`"2019-09-19T00:32:36"`, "2019-09-19T00:32:36Z"},
		{`"2019-09-19 00:32:36"`, "2019-09-19T00:32:36Z"},
		{`"2019-09-19"`, "2019-09-19T00:00:00Z"},
		{`"yesterday"`, ""}, {`""`, ""}, {`null`, ""}, {`12345`, ""}, {`{}`, ""}, {`[]`, ""},
	}
	for _, tt := range tests {
		var got Time
		if err := json.Unmarshal([]byte(tt.in), &got); err != nil {
			t.Errorf("Time %s: got error %v", tt.in, err)
			continue
		}
		var want time.Time
		if tt.want != "" {
			want = utc(tt.want)
		}
		if !got.Equal(want) || got.IsZero() != want.IsZero() {
			t.Errorf("Time %s: got %v, want %v", tt.in, got.Time, want)
		}
	}
}

func TestStrAndInt(t *testing.T) {
	strs := []struct {
		in   string
		want Str
	}{
		{`"a"`, "a"}, {`null`, ""}, {`42`, "42"}, {`1.5`, "1.5"}, {`true`, "true"},
		{`{"@value":"x","@language":"en"}`, "x"}, {`["x","y"]`, "x"}, {`[{"a":1},"y"]`, "y"}, {`{}`, ""},
	}
	for _, tt := range strs {
		var got Str
		if err := json.Unmarshal([]byte(tt.in), &got); err != nil || got != tt.want {
			t.Errorf("Str %s: got %q (err %v), want %q", tt.in, got, err, tt.want)
		}
	}
	ints := []struct {
		in   string
		want Int
	}{
		{`5`, 5}, {`"5"`, 5}, {`5.9`, 5}, {`null`, 0}, {`"x"`, 0}, {`1e300`, 0}, {`-3`, -3},
	}
	for _, tt := range ints {
		var got Int
		if err := json.Unmarshal([]byte(tt.in), &got); err != nil || got != tt.want {
			t.Errorf("Int %s: got %d (err %v), want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestType(t *testing.T) {
	tests := []struct {
		in   string
		want Type
	}{
		{`"Note"`, "Note"}, {`["Person","vcard:individual"]`, "Person"},
		{`["vcard:individual","Person"]`, "Person"}, {`"as:Hashtag"`, "Hashtag"},
		{`"https://www.w3.org/ns/activitystreams#Note"`, "Note"},
		{`["schema:Thing"]`, "schema:Thing"}, {`[]`, ""}, {`null`, ""}, {`{"id":"x"}`, ""},
	}
	for _, tt := range tests {
		var got Type
		if err := json.Unmarshal([]byte(tt.in), &got); err != nil || got != tt.want {
			t.Errorf("Type %s: got %q (err %v), want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestIRIs(t *testing.T) {
	tests := []struct {
		in   string
		want IRIs
	}{
		{`"https://a.example/x"`, IRIs{"https://a.example/x"}},
		{`["https://a.example/x",{"id":"https://b.example/y"},{"type":"Link","href":"https://c.example/z"},"",null,7]`,
			IRIs{"https://a.example/x", "https://b.example/y", "https://c.example/z"}},
		{`{"id":"https://a.example/x","type":"Person"}`, IRIs{"https://a.example/x"}},
		{`null`, nil}, {`""`, nil}, {`[]`, nil}, {`[["nested"]]`, nil},
	}
	for _, tt := range tests {
		var got IRIs
		if err := json.Unmarshal([]byte(tt.in), &got); err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("IRIs %s: got %q (err %v), want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestRef(t *testing.T) {
	tests := []struct {
		in       string
		id       string
		typ      Type
		embedded bool
	}{
		{`"https://a.example/x"`, "https://a.example/x", "", false},
		{`{"id":"https://a.example/x","type":"Note"}`, "https://a.example/x", "Note", true},
		{`[{"id":"https://a.example/p","type":"Person"},{"id":"https://a.example/g"}]`, "https://a.example/p", "Person", true},
		{`[]`, "", "", false}, {`null`, "", "", false},
		{`{"type":"Note","content":"no id"}`, "", "Note", true},
	}
	for _, tt := range tests {
		var got Ref
		if err := json.Unmarshal([]byte(tt.in), &got); err != nil {
			t.Errorf("Ref %s: error %v", tt.in, err)
			continue
		}
		if got.ID != tt.id || got.Type != tt.typ || got.IsEmbedded() != tt.embedded {
			t.Errorf("Ref %s: got (%q, %q, %v), want (%q, %q, %v)", tt.in, got.ID, got.Type, got.IsEmbedded(), tt.id, tt.typ, tt.embedded)
		}
	}
}

func TestLangMapKeepsOrder(t *testing.T) {
	var m LangMap
	if err := json.Unmarshal([]byte(`{"ja":"日本","en":"English","de":null,"fr":{"x":1}}`), &m); err != nil {
		t.Fatal(err)
	}
	want := LangMap{{"ja", "日本"}, {"en", "English"}}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("got %q, want %q", m, want)
	}
	if got := m.Get("EN"); got != "English" {
		t.Errorf("Get: got %q, want %q", got, "English")
	}
}

func TestTopLevelSharedInbox(t *testing.T) {
	// Note: Misskey sends sharedInbox at the top level; here it is alone.
	a := mustActor(t, []byte(`{"id":"https://m.example/users/1","type":"Person","sharedInbox":"https://m.example/inbox"}`))
	if got, want := a.SharedInboxURL(), "https://m.example/inbox"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestPublicKeyArray(t *testing.T) {
	a := mustActor(t, []byte(`{"id":"https://a.example/u","type":"Person","publicKey":[
		"https://a.example/u#ed25519",
		{"id":"https://a.example/u#k0","owner":"https://a.example/u"},
		{"id":"https://a.example/u#k1","owner":"https://a.example/u","publicKeyPem":"PEM"}]}`))
	if got, want := string(a.Key().ID), "https://a.example/u#k1"; got != want {
		t.Errorf("Key: got %q, want %q", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name  string
		parse func([]byte) error
		in    string
		want  error
	}{
		{"array", parseActivityErr, `[{"id":"https://a.example/1"}]`, ErrNotObject},
		{"string", parseObjectErr, `"https://a.example/1"`, ErrNotObject},
		{"empty", parseObjectErr, ``, ErrNotObject},
		{"broken", parseObjectErr, `{"id":`, ErrNotObject},
		{"no id", parseObjectErr, `{"type":"Note"}`, ErrMissingID},
		{"empty id", parseObjectErr, `{"id":"","type":"Note"}`, ErrMissingID},
		{"numeric id", parseObjectErr, `{"id":5,"type":"Note"}`, ErrMissingID},
		{"relative id", parseObjectErr, `{"id":"/notes/1","type":"Note"}`, ErrBadID},
		{"ftp id", parseObjectErr, `{"id":"ftp://a.example/1","type":"Note"}`, ErrBadID},
		{"acct id", parseActorErr, `{"id":"acct:a@a.example","type":"Person"}`, ErrBadID},
		{"no type", parseObjectErr, `{"id":"https://a.example/1"}`, ErrMissingType},
		{"activity without actor", parseActivityErr, `{"id":"https://a.example/1","type":"Like","object":"https://b.example/2"}`, ErrMissingActor},
		{"activity with empty actor", parseActivityErr, `{"id":"https://a.example/1","type":"Like","actor":""}`, ErrMissingActor},
		{"activity without id", parseActivityErr, `{"type":"Create","actor":"https://a.example/u"}`, ErrMissingID},
		{"Note as actor", parseActorErr, `{"id":"https://a.example/1","type":"Note"}`, ErrWrongType},
		{"actor as object", parseObjectErr, `{"id":"https://a.example/1","type":"Person"}`, ErrWrongType},
		{"Note as collection", parseCollectionErr, `{"id":"https://a.example/1","type":"Note"}`, ErrWrongType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.parse([]byte(tt.in)); !errors.Is(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func parseActivityErr(b []byte) error   { _, err := ParseActivity(b); return err }
func parseObjectErr(b []byte) error     { _, err := ParseObject(b); return err }
func parseActorErr(b []byte) error      { _, err := ParseActor(b); return err }
func parseCollectionErr(b []byte) error { _, err := ParseCollection(b); return err }

func TestWrongShapesDoNotFailTheDocument(t *testing.T) {
	// Every property in the wrong shape at once: the document still parses
	// and the odd properties are zero.
	in := `{"id":"https://a.example/1","type":"Note","content":{"x":1},"to":5,"tag":"nope",
		"attachment":[1,"x",null,{"type":"Image","url":{"href":"https://a.example/i.png"},"focalPoint":"bad"}],
		"published":false,"sensitive":"maybe","inReplyTo":[[]],"url":7,"replies":[],"source":"text",
		"oneOf":{"name":"only"},"closed":true,"votersCount":"12"}`
	o := mustObject(t, []byte(in))
	if o.Content != "" || o.To != nil || len(o.Tag) != 0 || !o.Published.IsZero() || o.IsSensitive() || o.InReplyTo != "" {
		t.Errorf("odd properties not zero: %+v", o)
	}
	if len(o.Attachment) != 1 || o.Attachment[0].Href() != "https://a.example/i.png" {
		t.Errorf("attachment: got %+v", o.Attachment)
	}
	if len(o.OneOf) != 1 || !o.Closed.Closed || o.VotersCount != 12 {
		t.Errorf("poll: got oneOf %+v closed %+v voters %d", o.OneOf, o.Closed, o.VotersCount)
	}
}

func TestDeepNesting(t *testing.T) {
	// encoding/json refuses nesting beyond 10,000 levels before our code
	// runs; below that, nested values in any property are skipped cheaply.
	for _, depth := range []int{100, 9000, 20000} {
		nested := strings.Repeat("[", depth) + strings.Repeat("]", depth)
		doc := `{"id":"https://a.example/1","type":"Create","actor":` + nested + `,"to":` + nested + `,"object":` + nested + `}`
		_, err := ParseActivity([]byte(doc))
		if err == nil {
			t.Errorf("depth %d: got no error for an actor made of arrays", depth)
		}
	}
}

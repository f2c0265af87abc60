package proof

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzReadJSON: the canonicaliser's reader accepts exactly what
// encoding/json accepts and reads the same values, nesting deeper than
// maxDepth aside (refused).
func FuzzReadJSON(f *testing.F) {
	for _, name := range []string{"testdata/fedify-create.json", "testdata/w3c-eddsa-jcs-2022.json", "testdata/mastodon-reply-signed.json"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range readJSONCases {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !utf8.Valid(b) {
			return
		}
		compareWithStdlib(t, b)
	})
}

var readJSONCases = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `1.5e-7`, `1E+2`, `true`, `false`, `null`, ` {"a" : [1, 2 ,{"b":null}] } `,
	`{"a":1,"a":2}`, `"\ud83d\ude00"`, `"\ud800"`, `"\ud800\u0041"`, `"\udc00\ud800"`, `"\ud800\ud800\udc00"`,
	`"\"\\\/\b\f\n\r\t\u00e9x"`, `"é𝄞"`, `1e400`, `-1e400`, `01`, `1.`, `.5`, `-`, `1e`, `+1`, `{"a"}`, `{"a":}`,
	`{,}`, `[1,]`, `[1 2]`, `{"a":1,}`, `"\x"`, `"\u12"`, `"a` + "\n" + `"`, `tru`, `nul`, `[] []`, `{} x`, ``,
	`"\u0000"`, `{"\u0061":1}`, strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth),
}

func TestReadJSONAgreesWithStdlib(t *testing.T) {
	for _, s := range readJSONCases {
		compareWithStdlib(t, []byte(s))
	}
	deep := strings.Repeat("[", maxDepth+2) + strings.Repeat("]", maxDepth+2)
	if _, err := readJSON([]byte(deep)); err == nil {
		t.Error("nesting deeper than maxDepth was read")
	}
}

func compareWithStdlib(t *testing.T, b []byte) {
	t.Helper()
	got, err := readJSON(b)
	var want any
	werr := json.Unmarshal(b, &want)
	if err != nil && strings.Contains(err.Error(), "nested too deeply") {
		return
	}
	if (err == nil) != (werr == nil) {
		t.Fatalf("%q: readJSON err = %v, encoding/json err = %v", b, err, werr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: readJSON = %#v, encoding/json = %#v", b, got, want)
	}
}

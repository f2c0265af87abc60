package ap

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixturesDir finds the shared payload fixtures, which sit beside the
// repository clone (<repo>/../shared/fixtures), by walking up from the
// package directory.
func fixturesDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		candidate := filepath.Join(dir, "shared", "fixtures")
		if st, err := os.Stat(candidate); err == nil && st.IsDir() {
			return candidate
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("shared/fixtures not found in any parent directory of the package; CI provides it beside the repository clone")
		}
		dir = parent
	}
}

// readFixture returns the JSON body of a fixture. The .txt files are raw
// HTTP captures: their headers are cut off.
func readFixture(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(path, ".txt") {
		data = httpBody(data)
	}
	return data
}

// httpBody returns what follows the header block of an HTTP capture.
func httpBody(capture []byte) []byte {
	for _, sep := range []string{"\r\n\r\n", "\n\n"} {
		if i := bytes.Index(capture, []byte(sep)); i >= 0 {
			return capture[i+len(sep):]
		}
	}
	return nil
}

// fixtureFiles lists every fixture that may hold JSON: *.json, and the
// HTTP captures under mastodon/ whose body is JSON.
func fixtureFiles(t testing.TB, root string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		switch {
		case strings.HasSuffix(rel, ".json"):
			files = append(files, rel)
		case strings.HasPrefix(rel, "mastodon/") && strings.HasSuffix(rel, ".txt"):
			if firstByte(httpBody(mustRead(t, path))) == '{' {
				files = append(files, rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// parseAny picks the parser for a document by its type, as the fetcher
// and inbox do, and returns the parse error (nil on success) and which
// parser it used.
func parseAny(data []byte) (kind string, err error) {
	var head struct {
		Type Type `json:"type"`
	}
	_ = json.Unmarshal(data, &head)
	t := string(head.Type)
	switch {
	case t == "":
		return "none", ErrMissingType
	case IsActorType(t):
		_, err = ParseActor(data)
		return "actor", err
	case IsCollectionType(t):
		_, err = ParseCollection(data)
		return "collection", err
	case IsActivityType(t):
		a, err := ParseActivity(data)
		if err == nil && a.Object.IsEmbedded() {
			_, _ = a.Object.Object() // must not panic; validity judged elsewhere
		}
		return "activity", err
	default:
		_, err = ParseObject(data)
		return "object", err
	}
}

// rejected lists the fixtures the parsers refuse, with the reason.
// Reasons shared by several rejected fixtures.
const (
	notWebFinger = "a WebFinger JRD, not ActivityStreams: it has no type"
	notNodeInfo  = "a NodeInfo document, not ActivityStreams: it has no type"
	notContext   = "a JSON-LD context document, not ActivityStreams: it has no type"
	notSchema    = "a JSON Schema whose type is \"object\", which is no AS2 type"
	notTemplate  = "a test template: {{domain}} placeholders make the id no URL"
)

// rejected lists the fixtures the parsers refuse, with the reason.
var rejected = map[string]struct {
	err    error
	reason string
}{
	"mastodon/activitypub-webfinger-noncanonical.txt":     {ErrMissingType, notWebFinger},
	"mastodon/activitypub-webfinger.txt":                  {ErrMissingType, notWebFinger},
	"mastodon/broken-webfinger.txt":                       {ErrMissingType, notWebFinger},
	"mastodon/webfinger-hacker1.txt":                      {ErrMissingType, notWebFinger},
	"mastodon/webfinger-hacker2.txt":                      {ErrMissingType, notWebFinger},
	"mastodon/webfinger-hacker3.txt":                      {ErrMissingType, notWebFinger},
	"mastodon/webfinger-noncanonical.txt":                 {ErrMissingType, notWebFinger},
	"mastodon/webfinger.txt":                              {ErrMissingType, notWebFinger},
	"pleroma/tesla_mock/framasoft@framatube.org.json":     {ErrMissingType, notWebFinger},
	"pleroma/tesla_mock/kaniini@gerzilla.de.json":         {ErrMissingType, notWebFinger},
	"pleroma/tesla_mock/mike@osada.macgirvin.com.json":    {ErrMissingType, notWebFinger},
	"pleroma/tesla_mock/webfinger_emelie.json":            {ErrMissingType, notWebFinger},
	"pleroma/tesla_mock/webfinger_spoof.json":             {ErrMissingType, notWebFinger},
	"pleroma/webfinger/graf-imposter-webfinger.json":      {ErrMissingType, notWebFinger},
	"pleroma/webfinger/imposter-webfinger.json":           {ErrMissingType, notWebFinger},
	"pleroma/webfinger/masto-webfinger.json":              {ErrMissingType, notWebFinger},
	"pleroma/webfinger/pleroma-webfinger.json":            {ErrMissingType, notWebFinger},
	"nodeinfo/2.0/example.json":                           {ErrMissingType, notNodeInfo},
	"nodeinfo/2.1/example.json":                           {ErrMissingType, notNodeInfo},
	"pleroma/mastodon-nodeinfo20.json":                    {ErrMissingType, notNodeInfo},
	"pleroma/mastodon-well-known-nodeinfo.json":           {ErrMissingType, notNodeInfo},
	"pleroma/wildebeest-nodeinfo21.json":                  {ErrMissingType, notNodeInfo},
	"pleroma/wildebeest-well-known-nodeinfo.json":         {ErrMissingType, notNodeInfo},
	"mastodon/json-ld.activitystreams.txt":                {ErrMissingType, notContext},
	"mastodon/json-ld.identity.txt":                       {ErrMissingType, notContext},
	"mastodon/json-ld.security.txt":                       {ErrMissingType, notContext},
	"nodeinfo/2.0/schema.json":                            {ErrWrongType, notSchema},
	"nodeinfo/2.1/schema.json":                            {ErrWrongType, notSchema},
	"pleroma/mastodon/application_actor.json":             {ErrBadID, notTemplate},
	"pleroma/mastodon/collections/external_featured.json": {ErrBadID, notTemplate},
	"pleroma/mastodon/collections/featured.json":          {ErrBadID, notTemplate},
	"pleroma/users_mock/masto_featured.json":              {ErrBadID, notTemplate},
	"pleroma/webfinger/pleroma-user.json":                 {ErrBadID, notTemplate},
	"pleroma/fep-e232.json":                               {ErrMissingID, "a Create without id (a spec example): inbound activities are deduplicated by id"},
}

func TestFixturesParse(t *testing.T) {
	root := fixturesDir(t)
	for _, rel := range fixtureFiles(t, root) {
		t.Run(rel, func(t *testing.T) {
			kind, err := parseAny(readFixture(t, filepath.Join(root, rel)))
			want, isRejected := rejected[rel]
			switch {
			case isRejected && !errors.Is(err, want.err):
				t.Errorf("%s parser: got error %v, want %v (%s)", kind, err, want.err, want.reason)
			case !isRejected && err != nil:
				t.Errorf("%s parser: got error %v, want success", kind, err)
			}
		})
	}
}

package federation_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"kith/federation"
)

// getDoc GETs u through the network with an Accept header and returns the
// response (body read) and the body.
func (n *network) getDoc(t *testing.T, u, accept string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := n.client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestWebFinger(t *testing.T) {
	n := newNetwork(t, "alice")
	alice := n.nodes[0]
	u := alice.fed.URLs()
	host := u.Host() // alice.test:PORT
	acct := "acct:alice@" + host
	tests := []struct {
		name     string
		resource string
		want     int
		subject  string
	}{
		{"acct", acct, http.StatusOK, acct},
		{"acct in upper case", strings.ToUpper(acct), http.StatusOK, acct},
		{"mixed case user", "acct:Alice@" + host, http.StatusOK, acct},
		{"without scheme", "alice@" + host, http.StatusOK, acct},
		{"actor URL", u.Actor(), http.StatusOK, acct},
		{"profile URL", u.Profile(), http.StatusOK, acct},
		{"instance actor", "acct:alice.test@" + host, http.StatusOK, "acct:alice.test@" + host},
		{"instance actor URL", u.InstanceActor(), http.StatusOK, "acct:alice.test@" + host},
		{"unknown user", "acct:bob@" + host, http.StatusNotFound, ""},
		{"other host", "acct:alice@bob.test", http.StatusNotFound, ""},
		{"same host without port", "acct:alice@alice.test", http.StatusNotFound, ""},
		{"someone else's actor URL", "http://bob.test/users/alice", http.StatusNotFound, ""},
		{"missing resource", "", http.StatusBadRequest, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := u.Base() + "/.well-known/webfinger"
			if tt.resource != "" {
				q += "?" + url.Values{"resource": {tt.resource}}.Encode()
			}
			resp, body := n.getDoc(t, q, "application/jrd+json")
			if got := resp.StatusCode; got != tt.want {
				t.Fatalf("status %d, want %d: %s", got, tt.want, body)
			}
			if tt.want != http.StatusOK {
				return
			}
			if got, want := resp.Header.Get("Content-Type"), "application/jrd+json"; !strings.HasPrefix(got, want) {
				t.Errorf("Content-Type %q, want %s", got, want)
			}
			var jrd federation.JRD
			if err := json.Unmarshal(body, &jrd); err != nil {
				t.Fatalf("%v: %s", err, body)
			}
			if jrd.Subject != tt.subject {
				t.Errorf("subject %q, want %q", jrd.Subject, tt.subject)
			}
			if tt.subject != acct {
				if !hasLink(jrd, "self", federation.ActivityJSON, u.InstanceActor()) {
					t.Errorf("no self link to the instance actor: %+v", jrd.Links)
				}
				return
			}
			checkOwnerJRD(t, jrd, u)
		})
	}
}

func checkOwnerJRD(t *testing.T, jrd federation.JRD, u federation.URLs) {
	t.Helper()
	for _, alias := range []string{u.Actor(), u.Profile()} {
		if !slices.Contains(jrd.Aliases, alias) {
			t.Errorf("aliases %v lack %s", jrd.Aliases, alias)
		}
	}
	for _, l := range []federation.JRDLink{
		{Rel: "self", Type: "application/activity+json", Href: u.Actor()},
		{Rel: "self", Type: `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`, Href: u.Actor()},
		{Rel: "http://webfinger.net/rel/profile-page", Type: "text/html", Href: u.Profile()},
	} {
		if !hasLink(jrd, l.Rel, l.Type, l.Href) {
			t.Errorf("no link %+v in %+v", l, jrd.Links)
		}
	}
	var template string
	for _, l := range jrd.Links {
		if l.Rel == "http://ostatus.org/schema/1.0/subscribe" {
			template = l.Template
		}
	}
	if !strings.HasPrefix(template, u.Base()+"/") || !strings.Contains(template, "{uri}") {
		t.Errorf("subscribe template %q, want one on %s with {uri}", template, u.Base())
	}
}

func hasLink(jrd federation.JRD, rel, typ, href string) bool {
	for _, l := range jrd.Links {
		if l.Rel == rel && l.Type == typ && l.Href == href {
			return true
		}
	}
	return false
}

func TestHostMeta(t *testing.T) {
	n := newNetwork(t, "alice")
	u := n.nodes[0].fed.URLs()
	want := u.Base() + "/.well-known/webfinger?resource={uri}"

	t.Run("xml", func(t *testing.T) {
		resp, body := n.getDoc(t, u.Base()+"/.well-known/host-meta", "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if got := resp.Header.Get("Content-Type"); !strings.HasPrefix(got, "application/xrd+xml") {
			t.Errorf("Content-Type %q, want application/xrd+xml", got)
		}
		var xrd struct {
			XMLName xml.Name
			Links   []struct {
				Rel      string `xml:"rel,attr"`
				Type     string `xml:"type,attr"`
				Template string `xml:"template,attr"`
			} `xml:"Link"`
		}
		if err := xml.Unmarshal(body, &xrd); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		if got, want := xrd.XMLName, (xml.Name{Space: "http://docs.oasis-open.org/ns/xri/xrd-1.0", Local: "XRD"}); got != want {
			t.Errorf("root %v, want %v", got, want)
		}
		if len(xrd.Links) != 1 || xrd.Links[0].Rel != "lrdd" || xrd.Links[0].Template != want {
			t.Errorf("links %+v, want one lrdd with template %s", xrd.Links, want)
		}
	})
	for _, tt := range []struct{ name, path, accept string }{
		{"json by path", "/.well-known/host-meta.json", ""},
		{"json by Accept", "/.well-known/host-meta", "application/json"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := n.getDoc(t, u.Base()+tt.path, tt.accept)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			var jrd federation.JRD
			if err := json.Unmarshal(body, &jrd); err != nil {
				t.Fatalf("%v: %s", err, body)
			}
			if len(jrd.Links) != 1 || jrd.Links[0].Rel != "lrdd" || jrd.Links[0].Template != want {
				t.Errorf("links %+v, want one lrdd with template %s", jrd.Links, want)
			}
		})
	}
}

func TestNodeInfo(t *testing.T) {
	fixtures := sharedFixtures(t)
	n := newNetwork(t, "alice")
	alice := n.nodes[0]
	u := alice.fed.URLs()
	ctx := context.Background()
	for _, vis := range []string{"public", "unlisted", "private", "direct"} {
		if _, err := alice.fed.Post(ctx, federation.NewPost{Text: "a " + vis + " post", Visibility: vis}); err != nil {
			t.Fatal(err)
		}
	}

	resp, body := n.getDoc(t, u.Base()+"/.well-known/nodeinfo", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/.well-known/nodeinfo: status %d", resp.StatusCode)
	}
	var links struct {
		Links []federation.JRDLink `json:"links"`
	}
	if err := json.Unmarshal(body, &links); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	for _, version := range []string{"2.0", "2.1"} {
		t.Run(version, func(t *testing.T) {
			rel := "http://nodeinfo.diaspora.software/ns/schema/" + version
			var href string
			for _, l := range links.Links {
				if l.Rel == rel {
					href = l.Href
				}
			}
			if href != u.Base()+"/nodeinfo/"+version {
				t.Fatalf("link for %s is %q, want %s", rel, href, u.Base()+"/nodeinfo/"+version)
			}
			resp, body := n.getDoc(t, href, "application/json")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			if got := resp.Header.Get("Content-Type"); !strings.HasPrefix(got, "application/json") || !strings.Contains(got, rel) {
				t.Errorf("Content-Type %q, want application/json with profile %s#", got, rel)
			}
			schema := loadJSON(t, filepath.Join(fixtures, "nodeinfo", version, "schema.json"))
			if errs := validateSchema(schema, decodeJSON(t, body), "$"); len(errs) > 0 {
				t.Errorf("/nodeinfo/%s does not match the schema:\n%s\n%s", version, strings.Join(errs, "\n"), body)
			}
			var doc federation.NodeInfo
			json.Unmarshal(body, &doc)
			if doc.Software.Name != "kith" || doc.Usage.Users.Total != 1 {
				t.Errorf("software %+v, users %+v; want kith with one user", doc.Software, doc.Usage.Users)
			}
			if got, want := doc.Usage.LocalPosts, 4; got != want {
				t.Errorf("localPosts %d, want %d", got, want)
			}
		})
	}
	resp, _ = n.getDoc(t, u.Base()+"/nodeinfo/3.0", "")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("/nodeinfo/3.0: status %d, want 404", resp.StatusCode)
	}
}

// TestSchemaValidatorRejects makes sure the validator used above can fail:
// each broken variant of a valid document breaks one rule.
func TestSchemaValidatorRejects(t *testing.T) {
	fixtures := sharedFixtures(t)
	for _, version := range []string{"2.0", "2.1"} {
		schema := loadJSON(t, filepath.Join(fixtures, "nodeinfo", version, "schema.json"))
		example := filepath.Join(fixtures, "nodeinfo", version, "example.json")
		if errs := validateSchema(schema, loadJSON(t, example), "$"); len(errs) > 0 {
			t.Fatalf("%s example does not validate:\n%s", version, strings.Join(errs, "\n"))
		}
		tests := []struct {
			name  string
			spoil func(doc map[string]any)
		}{
			{"missing required", func(d map[string]any) { delete(d, "usage") }},
			{"unknown property", func(d map[string]any) { d["extra"] = true }},
			{"wrong version", func(d map[string]any) { d["version"] = "9.9" }},
			{"wrong type", func(d map[string]any) { d["openRegistrations"] = "yes" }},
			{"bad software name", func(d map[string]any) { d["software"].(map[string]any)["name"] = "Kith Server" }},
			{"unknown protocol", func(d map[string]any) { d["protocols"] = []any{"gopher"} }},
			{"empty protocols", func(d map[string]any) { d["protocols"] = []any{} }},
			{"negative count", func(d map[string]any) { d["usage"].(map[string]any)["localPosts"] = json.Number("-1") }},
			{"fractional count", func(d map[string]any) {
				d["usage"].(map[string]any)["users"] = map[string]any{"total": json.Number("1.5")}
			}},
			{"unknown nested property", func(d map[string]any) { d["services"].(map[string]any)["sideways"] = []any{} }},
		}
		for _, tt := range tests {
			t.Run(version+" "+tt.name, func(t *testing.T) {
				doc := loadJSON(t, example).(map[string]any)
				tt.spoil(doc)
				if errs := validateSchema(schema, doc, "$"); len(errs) == 0 {
					t.Errorf("broken document validates")
				}
			})
		}
	}
}

// sharedFixtures finds shared/fixtures, which sits beside the repository
// clone, by walking up from the package directory.
func sharedFixtures(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		p := filepath.Join(dir, "shared", "fixtures")
		if fi, err := os.Stat(filepath.Join(p, "nodeinfo")); err == nil && fi.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("shared/fixtures not found beside the repository (CI has it)")
		}
		dir = parent
	}
}

func loadJSON(t *testing.T, path string) any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return decodeJSON(t, b)
}

// decodeJSON keeps numbers as json.Number, so integers can be told apart.
func decodeJSON(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return v
}

// validateSchema checks v against a JSON Schema (draft-04), for the
// keywords the NodeInfo schemas use. An unknown keyword is reported as an
// error, so a schema the validator does not fully understand cannot pass.
func validateSchema(schema, v any, path string) []string {
	s, ok := schema.(map[string]any)
	if !ok {
		return []string{path + ": schema is not an object"}
	}
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, path+": "+fmt.Sprintf(format, args...)) }
	obj, isObj := v.(map[string]any)
	arr, isArr := v.([]any)
	num, isNum := v.(json.Number)
	for kw, arg := range s {
		switch kw {
		case "$schema", "id", "description":
		case "type":
			types, _ := arg.([]any)
			if t, ok := arg.(string); ok {
				types = []any{t}
			}
			if !slices.ContainsFunc(types, func(t any) bool { return jsonType(v, t.(string)) }) {
				fail("type %s, want %v", typeName(v), arg)
			}
		case "enum":
			if !slices.ContainsFunc(arg.([]any), func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(v) && typeName(e) == typeName(v) }) {
				fail("%v is not one of %v", v, arg)
			}
		case "pattern":
			if str, ok := v.(string); ok && !regexp.MustCompile(arg.(string)).MatchString(str) {
				fail("%q does not match %s", str, arg)
			}
		case "minimum":
			if isNum {
				f, _ := num.Float64()
				min, _ := arg.(json.Number).Float64()
				if f < min {
					fail("%v is less than %v", f, min)
				}
			}
		case "minItems":
			if min, _ := arg.(json.Number).Int64(); isArr && int64(len(arr)) < min {
				fail("%d items, want at least %d", len(arr), min)
			}
		case "minProperties":
			if min, _ := arg.(json.Number).Int64(); isObj && int64(len(obj)) < min {
				fail("%d properties, want at least %d", len(obj), min)
			}
		case "items":
			for i, item := range arr {
				errs = append(errs, validateSchema(arg, item, fmt.Sprintf("%s[%d]", path, i))...)
			}
		case "required":
			for _, name := range arg.([]any) {
				if _, ok := obj[name.(string)]; isObj && !ok {
					fail("%s is required", name)
				}
			}
		case "properties":
			props := arg.(map[string]any)
			for name, sub := range props {
				if pv, ok := obj[name]; ok {
					errs = append(errs, validateSchema(sub, pv, path+"."+name)...)
				}
			}
		case "additionalProperties":
			props, _ := s["properties"].(map[string]any)
			for name, pv := range obj {
				if _, declared := props[name]; declared {
					continue
				}
				switch ap := arg.(type) {
				case bool:
					if !ap {
						fail("property %s is not allowed", name)
					}
				default:
					errs = append(errs, validateSchema(ap, pv, path+"."+name)...)
				}
			}
		default:
			fail("schema keyword %q not supported by this validator", kw)
		}
	}
	return errs
}

func jsonType(v any, t string) bool {
	switch t {
	case "integer":
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		_, err := n.Int64()
		return err == nil
	case "number":
		_, ok := v.(json.Number)
		return ok
	}
	return typeName(v) == t
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// TestResolveHandle resolves the owner of another instance by WebFinger,
// in every handle form, and the owner's own handle without any request.
func TestResolveHandle(t *testing.T) {
	n := newNetwork(t, "alice", "bob")
	alice, bob := n.nodes[0], n.nodes[1]
	host := bob.fed.URLs().Host()
	for _, handle := range []string{"@bob@" + host, "bob@" + host, "acct:bob@" + host, "BOB@" + strings.ToUpper(host)} {
		t.Run(handle, func(t *testing.T) {
			a, err := alice.fed.ResolveHandle(context.Background(), handle)
			if err != nil {
				t.Fatal(err)
			}
			if a.URI != bob.fed.URLs().Actor() || a.Username != "bob" || a.Domain != host || a.Local {
				t.Errorf("got %s (%s@%s, local %v), want bob's actor %s", a.URI, a.Username, a.Domain, a.Local, bob.fed.URLs().Actor())
			}
		})
	}
	a, err := alice.fed.ResolveHandle(context.Background(), alice.handle())
	if err != nil || !a.Local {
		t.Errorf("own handle: %+v, %v; want the local actor", a, err)
	}
	for _, handle := range []string{"@carol@" + host, "bob", "@bob@", "https://" + host + "/users/bob"} {
		if _, err := alice.fed.ResolveHandle(context.Background(), handle); !errors.Is(err, federation.ErrNotFound) {
			t.Errorf("%q: err %v, want ErrNotFound", handle, err)
		}
	}
}

// TestResolveHandleSelfElsewhere: a WebFinger answer may point to an actor
// on another host. kith follows the link, but only believes a document
// served by its own id's host, and stores the actor under that host: a
// server can delegate to another, never speak for it.
func TestResolveHandleSelfElsewhere(t *testing.T) {
	_, alice, peer := newPeerNetwork(t, nil)
	keys := fakeKeys()
	bob := peer.addActor(t, "http://other.test/users/bob", keys[0])
	// remote.test serves a document claiming to be other.test's carol.
	peer.put(t, "http://remote.test/users/carol", federation.ActivityJSON, actorDoc("http://other.test/users/carol", "http://other.test/users/carol#main-key", &keys[1].PublicKey))
	webfinger := func(user, href, typ string) {
		peer.put(t, "http://remote.test/.well-known/webfinger", "application/jrd+json", federation.JRD{
			Subject: "acct:" + user + "@remote.test",
			Links:   []federation.JRDLink{{Rel: "self", Type: typ, Href: href}},
		})
	}
	ctx := context.Background()

	webfinger("bob", bob.id, federation.ActivityJSON)
	a, err := alice.fed.ResolveHandle(ctx, "bob@remote.test")
	if err != nil {
		t.Fatal(err)
	}
	if a.URI != bob.id || a.Domain != "other.test" {
		t.Errorf("got %s on %s, want %s on other.test", a.URI, a.Domain, bob.id)
	}

	webfinger("carol", "http://remote.test/users/carol", federation.ActivityJSON)
	if a, err := alice.fed.ResolveHandle(ctx, "carol@remote.test"); !errors.Is(err, federation.ErrForbidden) {
		t.Errorf("document whose id is on another host: got %s, %v; want ErrForbidden", a.URI, err)
	}
	if _, err := alice.db.ActorByURI(ctx, "http://other.test/users/carol"); err == nil {
		t.Errorf("the forged carol was stored")
	}

	webfinger("dave", "http://remote.test/@dave", "text/html")
	if _, err := alice.fed.ResolveHandle(ctx, "dave@remote.test"); !errors.Is(err, federation.ErrNotFound) {
		t.Errorf("no ActivityPub self link: err %v, want ErrNotFound", err)
	}

	// A link to alice's own actor resolves to the local owner (no fetch),
	// which cannot be followed.
	webfinger("self", alice.fed.URLs().Actor(), federation.ActivityJSON)
	if a, err := alice.fed.ResolveHandle(ctx, "self@remote.test"); err != nil || !a.Local {
		t.Errorf("link to the owner: got %s, %v; want the local actor", a.URI, err)
	}
	if _, err := alice.fed.Follow(ctx, "self@remote.test"); !errors.Is(err, federation.ErrInvalid) {
		t.Errorf("following a handle that points at the owner: err %v, want ErrBadRequest", err)
	}
}

// TestFetchActorChecks: a fetched actor must be served by the host of its
// own id and as ActivityPub JSON.
func TestFetchActorChecks(t *testing.T) {
	_, alice, peer := newPeerNetwork(t, nil)
	keys := fakeKeys()
	peer.put(t, "http://remote.test/users/liar", federation.ActivityJSON,
		actorDoc("http://other.test/users/victim", "http://other.test/users/victim#main-key", &keys[0].PublicKey))
	html := actorDoc("http://remote.test/users/page", "http://remote.test/users/page#main-key", &keys[0].PublicKey)
	peer.put(t, "http://remote.test/users/page", "text/html; charset=utf-8", html)
	ok := actorDoc("http://remote.test/users/plain", "http://remote.test/users/plain#main-key", &keys[0].PublicKey)
	// Note: some servers answer with plain application/json; kith takes it.
	peer.put(t, "http://remote.test/users/plain", "application/json", ok)

	tests := []struct {
		url  string
		want error
	}{
		{"http://remote.test/users/liar", federation.ErrForbidden},
		{"http://remote.test/users/page", federation.ErrNotFound},
		{"http://remote.test/users/plain", nil},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			a, err := alice.fed.FetchActor(ctx, tt.url)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
			if tt.want == nil && a.URI != tt.url {
				t.Errorf("got %s, want %s", a.URI, tt.url)
			}
		})
	}
	if _, err := alice.db.ActorByURI(ctx, "http://other.test/users/victim"); err == nil {
		t.Errorf("the victim's identity was stored from remote.test's document")
	}
}

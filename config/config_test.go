package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The example file documents every key with its default: decoding it must
// give exactly Default(), so the two cannot drift apart.
func TestExampleFileIsTheDefault(t *testing.T) {
	data, err := os.ReadFile("../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse("config.example.toml", data)
	if err != nil {
		t.Fatalf("example config does not parse: %v", err)
	}
	got.File = ""
	if want := Default(); !reflect.DeepEqual(got, want) {
		t.Errorf("example config = %+v\nwant Default() = %+v", got, want)
	}
	if err := Default().Check(); err != nil {
		t.Errorf("Default() does not pass Check: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		wantLine int
		wantKey  string
		wantMsg  string
	}{
		{"unknown key", "[server]\nurl = \"https://a.example\"\nlisten_addr = \":1\"\n", 3, "server.listen_addr", "unknown key"},
		{"unknown table", "[serverr]\nurl = \"x\"\n", 1, "serverr", "unknown key"},
		{"bad tls", "[server]\n\ntls = \"on\"\n", 3, "server.tls", `"on" is not one of`},
		{"bad url", "[server]\nurl = \"localhost:8080\"\n", 2, "server.url", "is not an http:// or https:// URL"},
		{"url with path", "[server]\nurl = \"https://a.example/kith\"\n", 2, "server.url", "bare origin"},
		{"auto needs https", "[server]\nurl = \"http://a.example\"\ntls = \"auto\"\n", 3, "server.tls", "needs an https://"},
		{"auto needs a dotted name", "[server]\nurl = \"https://localhost\"\ntls = \"auto\"\n", 2, "server.url", "DNS name with a dot"},
		{"auto refuses an IP", "[server]\nurl = \"https://192.0.2.1\"\ntls = \"auto\"\n", 2, "server.url", "DNS name with a dot"},
		{"files needs cert", "[server]\ntls = \"files\"\n", 0, "server.cert_file", "needs both"},
		{"bad username", "[owner]\nusername = \"no spaces\"\n", 2, "owner.username", "letters, digits"},
		{"bad proxy", "[server]\ntrusted_proxies = [\"10.0.0.0/33\"]\n", 2, "server.trusted_proxies", "not an IP address"},
		{"bad host map", "[federation.hosts]\n\"bob.test\" = \"nope\"\n", 1, "federation.hosts", "must be ip:port"},
		{"bad level", "[log]\nlevel = \"loud\"\n", 2, "log.level", "not a log level"},
		{"bad listen", "[server]\nlisten = \"8080\"\n", 2, "server.listen", "not a host:port"},
		{"replica scheme", "[replication]\nurl = \"sftp://host/kith\"\n", 2, "replication.url", "s3://bucket/path or file:///path"},
		{"relative file replica", "[replication]\nurl = \"file://backups/kith\"\n", 2, "replication.url", "absolute directory"},
		{"s3 replica without keys", "[replication]\nurl = \"s3://bucket/kith\"\n", 0, "replication.access_key", "needs access_key and secret_key"},
		{"s3 replica keys in the URL", "[replication]\nurl = \"s3://AK:SK@bucket/kith\"\naccess_key = \"AK\"\nsecret_key = \"SK\"\n", 2, "replication.url", "not in the URL"},
		{"bad sync interval", "[replication]\nsync_interval = \"1\"\n", 2, "replication.sync_interval", "between 10ms and 1h"},
		{"zero workers", "[jobs]\nconcurrency = 0\n", 2, "jobs.concurrency", "between 1 and 256"},
		{"tiny video limit", "[media]\nvideo_max_bytes = 1000\n", 2, "media.video_max_bytes", "between 1048576"},
		{"no audio time", "[media]\naudio_max_seconds = 0\n", 2, "media.audio_max_seconds", "at least 1"},
		{"bad storage", "[media]\nstorage = \"disk\"\n", 2, "media.storage", `"disk" is not "local" or "s3"`},
		{"s3 without bucket", "[media]\nstorage = \"s3\"\n[media.s3]\naccess_key = \"a\"\nsecret_key = \"s\"\n", 0, "media.s3.bucket", "needs a bucket"},
		{"s3 without secret", "[media]\nstorage = \"s3\"\n[media.s3]\nbucket = \"b\"\naccess_key = \"a\"\n", 0, "media.s3.secret_key", "secret_key or secret_key_file"},
		{"bad public url", "[media.s3]\npublic_url = \"cdn.example\"\n", 2, "media.s3.public_url", "not an http(s) URL"},
		{"syntax", "[server]\nurl = \"https://a.example\n", 2, "server.url", "cannot contain newlines"},
		{"wrong type", "[server]\nurl = 8080\n", 2, "server.url", "must be a string, not an integer"},
		{"table of the wrong type", "[federation.hosts]\n\"b.test\" = 9000\n", 1, "federation.hosts", "must be a table of strings: incompatible types"},
		{"not a table", "server = \"x\"\n", 1, "server", "must be a table ([server]), not a string"},
		{"dark without light", "[theme]\ndark = \"default\"\n", 2, "theme.dark", "go together"},
		{"bad variable name", "[theme.variables]\n\"$accent\" = \"red\"\n", 2, "theme.variables.$accent", "not an SCSS variable name"},
		{"variable injects a rule", "[theme.variables]\naccent = \"red; } body { display: none\"\n", 2, "theme.variables.accent", "one SCSS value"},
		{"variable with a comment", "[theme.variables]\naccent = \"red // x\"\n", 2, "theme.variables.accent", "one SCSS value"},
		{"empty variable", "[theme.variables]\nradius = \" \"\n", 2, "theme.variables.radius", "empty"},
		{"empty rule", "[instance]\nrules = [\"Be kind.\", \" \"]\n", 2, "instance.rules", "rule 2 is empty"},
		{"long rule", "[instance]\n\nrules = [\"" + strings.Repeat("é", MaxRuleChars+1) + "\"]\n", 3, "instance.rules", "rule 1 is 301 characters long; at most 300"},
		{"too many rules", "[instance]\nrules = [" + strings.Repeat("\"r\", ", MaxRules) + "\"r\"]\n", 2, "instance.rules", "has 51 rules; at most 50"},
		{"bad contact email", "[instance]\ncontact_email = \"admin at example.org\"\n", 2, "instance.contact_email", "not an email address"},
		{"email with two @", "[instance]\ncontact_email = \"a@b@example.org\"\n", 2, "instance.contact_email", "not an email address"},
		{"long description", "[instance]\ndescription = \"" + strings.Repeat("x", MaxDescriptionChars+1) + "\"\n", 2, "instance.description", "at most 5000"},
		{"long short description", "[instance]\nshort_description = \"" + strings.Repeat("x", MaxShortDescriptionChars+1) + "\"\n", 2, "instance.short_description", "at most 500"},
		{"rules not a list", "[instance]\nrules = \"Be kind.\"\n", 2, "instance.rules", "must be"},
		{"short metrics token", "[metrics]\ntoken = \"secret\"\n", 2, "metrics.token", "at least 16 characters"},
		{"metrics token with a space", "[metrics]\ntoken = \"0123456789 abcdefgh\"\n", 2, "metrics.token", "without spaces"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("kith.toml", []byte(tt.text))
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("Parse error = %v, want Errors", err)
			}
			e := errs[0]
			if e.Line != tt.wantLine || e.Key != tt.wantKey || !strings.Contains(e.Msg, tt.wantMsg) {
				t.Errorf("got line %d key %q msg %q; want line %d key %q msg containing %q",
					e.Line, e.Key, e.Msg, tt.wantLine, tt.wantKey, tt.wantMsg)
			}
			if !strings.HasPrefix(err.Error(), "kith.toml") {
				t.Errorf("error %q does not start with the file name", err)
			}
		})
	}
}

func TestParseCollectsAllErrors(t *testing.T) {
	_, err := Parse("k.toml", []byte("[server]\ntls = \"x\"\nbogus = 1\n[log]\nformat = \"xml\"\n"))
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 3 {
		t.Fatalf("got %v, want 3 errors", err)
	}
}

// Values of the wrong type, unknown keys and bad values are all reported
// at once, in the order of the file, and a mistyped key is not reported
// again for the default it keeps.
func TestParseReportsEveryTypeError(t *testing.T) {
	text := `[server]
url = 8080
tls = "on"
listen = [":443"]
[federation]
allow_private_addresses = "yes"
colour = "blue"
[jobs]
concurrency = "8"
[theme.variables]
accent = "#7a3cff"
main_width = "46rem"
link-colour = "red"
`
	_, err := Parse("k.toml", []byte(text))
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Parse: %v, want Errors", err)
	}
	var got []string
	for _, e := range errs {
		got = append(got, fmt.Sprintf("%d %s", e.Line, e.Key))
	}
	want := []string{"2 server.url", "4 server.listen", "6 federation.allow_private_addresses", "7 federation.colour",
		"9 jobs.concurrency", "3 server.tls"}
	if !slices.Equal(got, want) {
		t.Errorf("problems at %q, want %q:\n%v", got, want, err)
	}
}

func TestLoadResolvesDataDirAndDerivedValues(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kith.toml")
	text := `[server]
url = "https://social.example.org"
tls = "auto"
trusted_proxies = ["127.0.0.1", "10.0.0.0/8"]
[federation.hosts]
"bob.test" = "127.0.0.1:9000"
`
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.Server.DataDir, filepath.Join(dir, "kith-data"); got != want {
		t.Errorf("data_dir = %q, want %q", got, want)
	}
	if got, want := cfg.ListenAddr(), ":443"; got != want {
		t.Errorf("ListenAddr = %q, want %q", got, want)
	}
	if got, want := cfg.HTTPListenAddr(), ":80"; got != want {
		t.Errorf("HTTPListenAddr = %q, want %q", got, want)
	}
	if got, want := cfg.Domain(), "social.example.org"; got != want {
		t.Errorf("Domain = %q, want %q", got, want)
	}
	if got := len(cfg.TrustedProxies()); got != 2 {
		t.Errorf("TrustedProxies = %d ranges, want 2", got)
	}
	if got, want := cfg.Federation.Hosts["bob.test"], "127.0.0.1:9000"; got != want {
		t.Errorf("hosts[bob.test] = %q, want %q", got, want)
	}
	if got, want := Default().ListenAddr(), "localhost:8080"; got != want {
		t.Errorf("default ListenAddr = %q, want %q", got, want)
	}
}

// A relative custom_scss is relative to the config file, as data_dir is.
func TestLoadThemeCustomPath(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kith.toml")
	if err := os.WriteFile(path, []byte("[theme]\ncustom_scss = \"styles/custom.scss\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.Theme.CustomSCSS, filepath.Join(dir, "styles", "custom.scss"); got != want {
		t.Errorf("custom_scss = %q, want %q (relative to the config file)", got, want)
	}
}

// A validator's problems are reported like the config's own, with their
// lines and in the same pass, except on a key whose value had the wrong
// type (it keeps its default, which the validator would blame).
func TestParseRunsValidators(t *testing.T) {
	text := "[server]\nurl = 8080\n[theme]\nname = \"sepia\"\n[owner]\nusername = 7\n"
	noSepia := func(c Config) []Problem {
		ps := []Problem{{"owner.username", "blamed for its default"}}
		if c.Theme.Name == "sepia" {
			ps = append(ps, Problem{"theme.name", "no sepia here"})
		}
		return ps
	}
	_, err := Parse("kith.toml", []byte(text), noSepia)
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Parse error = %v, want Errors", err)
	}
	var got []string
	for _, e := range errs {
		got = append(got, fmt.Sprintf("%d %s %s", e.Line, e.Key, e.Msg))
	}
	want := []string{"2 server.url must be a string, not an integer", "6 owner.username must be a string, not an integer", "4 theme.name no sepia here"}
	if !slices.Equal(got, want) {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.toml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want ErrNotExist", err)
	}
}

func TestInstanceTable(t *testing.T) {
	cfg, err := Parse("kith.toml", []byte(`[instance]
description = "A quiet place."
contact_email = "admin@example.org"
rules = ["Be kind.", "No advertising."]
`))
	if err != nil {
		t.Fatal(err)
	}
	want := Instance{Description: "A quiet place.", ContactEmail: "admin@example.org", Rules: []string{"Be kind.", "No advertising."}}
	if !reflect.DeepEqual(cfg.Instance, want) {
		t.Errorf("[instance] = %+v, want %+v", cfg.Instance, want)
	}
	if keys := RestartKeys(Default(), cfg); len(keys) != 0 {
		t.Errorf("changing [instance] needs a restart of %v; SIGHUP should apply it", keys)
	}
	if got := Applied(Default(), cfg).Instance; !reflect.DeepEqual(got, want) {
		t.Errorf("after SIGHUP [instance] = %+v, want %+v", got, want)
	}
}

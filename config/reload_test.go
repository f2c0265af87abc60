package config

import (
	"reflect"
	"slices"
	"testing"
)

// Each key of Config is either applied by SIGHUP or named by RestartKeys:
// a new key has to take a side.
func TestEveryKeyReloadsOrRestarts(t *testing.T) {
	var restart []string
	for _, k := range restartKeys {
		restart = append(restart, k.key)
	}
	cfg := reflect.TypeFor[Config]()
	for i := range cfg.NumField() {
		table := cfg.Field(i)
		name := table.Tag.Get("toml")
		if name == "-" || slices.Contains(reloadedKeys, name) {
			continue
		}
		for j := range table.Type.NumField() {
			key := name + "." + table.Type.Field(j).Tag.Get("toml")
			if !slices.Contains(restart, key) && !slices.Contains(reloadedKeys, key) {
				t.Errorf("%s is neither in restartKeys nor in reloadedKeys", key)
			}
		}
	}
}

// Applied keeps every key that needs a restart and takes the others.
func TestApplied(t *testing.T) {
	running := Default()
	next, err := Parse("next.toml", []byte(`[server]
url = "https://b.example"
listen = ":8443"
http_listen = ":8080"
data_dir = "/elsewhere"
tls = "files"
cert_file = "/c.pem"
key_file = "/k.pem"
acme_email = "a@b.example"
acme_directory = "https://acme.example/dir"
trusted_proxies = ["10.0.0.1"]
[owner]
username = "bob"
[federation]
allow_private_addresses = true
blocked_domains = ["spam.example"]
[federation.hosts]
"c.test" = "127.0.0.1:1"
[jobs]
concurrency = 3
[media]
remote_cache_days = 9
remote_max_bytes = 2097152
video_max_bytes = 3145728
video_max_seconds = 60
audio_max_bytes = 4194304
audio_max_seconds = 120
storage = "s3"
[media.s3]
bucket = "media"
access_key = "a"
secret_key = "s"
[log]
level = "debug"
format = "json"
[theme]
name = "light"
[replication]
url = "s3://bucket/kith"
sync_interval = "2s"
endpoint = "http://127.0.0.1:9000"
region = "eu-west-1"
access_key = "AK"
secret_key_file = "/secret"
path_style = true
`))
	if err != nil {
		t.Fatal(err)
	}
	if got := RestartKeys(running, next); len(got) != len(restartKeys) {
		t.Fatalf("the test's config changes %q, want every key that needs a restart", got)
	}
	applied := Applied(running, next)
	if got := RestartKeys(running, applied); got != nil {
		t.Errorf("Applied took %q from the new config; they need a restart", got)
	}
	if applied.Log.Level != "debug" || applied.Theme.Name != "light" || applied.Server.CertFile != "/c.pem" ||
		!slices.Equal(applied.Server.TrustedProxies, []string{"10.0.0.1"}) {
		t.Errorf("Applied = %+v, want the new log level, theme, certificate and proxies", applied)
	}
}

func TestRestartKeys(t *testing.T) {
	const base = `[server]
url = "http://a.test:8080"
[federation]
allow_private_addresses = true
[federation.hosts]
"b.test" = "127.0.0.1:9000"
`
	old, err := Parse("old.toml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, text string
		want       []string
	}{
		{"same", base, nil},
		{"what SIGHUP applies", base + "[log]\nlevel = \"debug\"\n[theme]\nname = \"light\"\n[theme.variables]\nradius = \"0\"\n", nil},
		{"a host changed", `[server]
url = "http://a.test:8080"
[federation]
allow_private_addresses = true
[federation.hosts]
"b.test" = "127.0.0.1:9001"
`, []string{"federation.hosts"}},
		{"several", `[server]
url = "http://a.test:8081"
[federation]
blocked_domains = ["spam.example"]
[jobs]
concurrency = 2
[log]
format = "json"
`, []string{"server.url", "federation.allow_private_addresses", "federation.blocked_domains", "federation.hosts", "jobs.concurrency", "log.format"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, err := Parse("next.toml", []byte(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			if got := RestartKeys(old, next); !slices.Equal(got, tt.want) {
				t.Errorf("RestartKeys = %q, want %q", got, tt.want)
			}
		})
	}
	// No hosts written and an empty table are the same.
	a, _ := Parse("a.toml", []byte("[federation]\n"))
	b, _ := Parse("b.toml", []byte("[federation.hosts]\n"))
	if got := RestartKeys(a, b); got != nil {
		t.Errorf("no [federation.hosts] vs an empty one: RestartKeys = %q, want none", got)
	}
}

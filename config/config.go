// Package config reads kith's TOML configuration file.
//
// The keys are a contract with operators and scripts: config.example.toml
// documents every one with its default, and a test checks that file against
// Default. Unknown keys and bad values are errors that name the key and its
// line.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
)

// Config is the whole configuration. It is a plain value: loaded once at
// start (and again on SIGHUP) and passed to the constructors that need it.
type Config struct {
	Server     Server     `toml:"server"`
	Owner      Owner      `toml:"owner"`
	Federation Federation `toml:"federation"`
	Jobs       Jobs       `toml:"jobs"`
	Media      Media      `toml:"media"`
	Log        Log        `toml:"log"`
	Theme      Theme      `toml:"theme"`
	Instance   Instance   `toml:"instance"`
	Web        Web        `toml:"web"`
	Metrics    Metrics    `toml:"metrics"`

	Replication Replication `toml:"replication"`

	// File is the path the config was read from; empty for the built-in
	// default.
	File string `toml:"-"`
}

// Server holds the [server] table.
type Server struct {
	URL            string   `toml:"url"`
	Listen         string   `toml:"listen"`
	HTTPListen     string   `toml:"http_listen"`
	DataDir        string   `toml:"data_dir"`
	TLS            string   `toml:"tls"`
	ACMEEmail      string   `toml:"acme_email"`
	ACMEDirectory  string   `toml:"acme_directory"`
	CertFile       string   `toml:"cert_file"`
	KeyFile        string   `toml:"key_file"`
	TrustedProxies []string `toml:"trusted_proxies"`
}

// Owner holds the [owner] table.
type Owner struct {
	Username string `toml:"username"`
}

// Federation holds the [federation] table.
type Federation struct {
	AllowPrivateAddresses bool              `toml:"allow_private_addresses"`
	BlockedDomains        []string          `toml:"blocked_domains"`
	Hosts                 map[string]string `toml:"hosts"`
}

// Jobs holds the [jobs] table.
type Jobs struct {
	Concurrency int `toml:"concurrency"`
}

// Media holds the [media] table.
type Media struct {
	RemoteCacheDays int   `toml:"remote_cache_days"`
	RemoteMaxBytes  int64 `toml:"remote_max_bytes"`
	// The owner's video and audio uploads: the largest file and the
	// longest duration accepted.
	VideoMaxBytes   int64 `toml:"video_max_bytes"`
	VideoMaxSeconds int   `toml:"video_max_seconds"`
	AudioMaxBytes   int64 `toml:"audio_max_bytes"`
	AudioMaxSeconds int   `toml:"audio_max_seconds"`
	// Storage is where media files live: StorageLocal (the media
	// directory in the data directory) or StorageS3 (the bucket of S3).
	Storage string  `toml:"storage"`
	S3      MediaS3 `toml:"s3"`
}

// Media storage kinds.
const (
	StorageLocal = "local"
	StorageS3    = "s3"
)

// MediaS3 holds the [media.s3] table: an S3-compatible bucket for media
// (and for `kith backup s3://...`).
type MediaS3 struct {
	// Endpoint is the service's base URL; empty means AWS itself.
	Endpoint string `toml:"endpoint"`
	// Region signs requests; empty means us-east-1 (most self-hosted
	// services accept any).
	Region string `toml:"region"`
	Bucket string `toml:"bucket"`
	// Prefix is prepended to every object key ("kith/" keeps a shared
	// bucket tidy).
	Prefix    string `toml:"prefix"`
	AccessKey string `toml:"access_key"`
	SecretKey string `toml:"secret_key"`
	// SecretKeyFile holds the secret key instead of the config; Load
	// makes a relative path relative to the config file.
	SecretKeyFile string `toml:"secret_key_file"`
	// PathStyle addresses the bucket as endpoint/bucket/key rather than
	// bucket.endpoint/key (MinIO, Garage, versitygw and most self-hosted
	// services need it).
	PathStyle bool `toml:"path_style"`
	// PublicURL, if set, is where the bucket's objects can be read by
	// anyone (a CDN or the bucket's own public address): pages and apps
	// then link media there, and kith serves none of it itself.
	PublicURL string `toml:"public_url"`
}

// Log holds the [log] table.
type Log struct {
	Level  string `toml:"level"`
	Format string `toml:"format"`
}

// Theme holds the [theme] table: which stylesheet the web pages get.
type Theme struct {
	// Name is a built-in theme (see themes.Names).
	Name string `toml:"name"`
	// CustomSCSS is a user stylesheet compiled instead of the built-in
	// theme; Load makes a relative path relative to the config file.
	CustomSCSS string `toml:"custom_scss"`
	// Dark and Light, set together, make the pages follow the visitor's
	// prefers-color-scheme: Dark's styles, with Light's colours for a
	// light preference. They replace Name.
	Dark  string `toml:"dark"`
	Light string `toml:"light"`
	// Variables override SCSS variables: name (without "$") → SCSS value.
	Variables map[string]string `toml:"variables"`
}

// Instance holds the [instance] table: what the about page and the
// Mastodon API's instance entities say about this server. All of it is
// plain text; SIGHUP applies it.
type Instance struct {
	// Description says what the server is; empty means the owner's bio.
	Description string `toml:"description"`
	// ShortDescription is the one-line summary some apps show; empty
	// means Description.
	ShortDescription string `toml:"short_description"`
	// ContactEmail is where to write about the server; optional.
	ContactEmail string `toml:"contact_email"`
	// Rules are the server's rules, in order.
	Rules []string `toml:"rules"`
}

// Web holds the [web] table: what kith fetches for the pages and apps
// it serves. SIGHUP applies it.
type Web struct {
	// PreviewCards fetches the first link of posts for a preview card.
	PreviewCards bool `toml:"preview_cards"`
}

// Metrics holds the [metrics] table: the Prometheus endpoint.
type Metrics struct {
	// Token, when set, opens /metrics to requests that carry it as
	// "Authorization: Bearer TOKEN"; empty keeps /metrics closed (404).
	// SIGHUP applies a change.
	Token string `toml:"token"`
}

// MinMetricsToken is the shortest token /metrics accepts: long enough
// that guessing it is hopeless.
const MinMetricsToken = 16

// Limits of the [instance] values: Mastodon's for a rule, and room enough
// for the rest.
const (
	MaxRuleChars             = 300
	MaxRules                 = 50
	MaxDescriptionChars      = 5000
	MaxShortDescriptionChars = 500
	MaxContactEmailChars     = 254
)

// TLS modes.
const (
	TLSAuto  = "auto"
	TLSFiles = "files"
	TLSOff   = "off"
)

// LetsEncrypt is the ACME directory used when acme_directory is not set.
const LetsEncrypt = "https://acme-v02.api.letsencrypt.org/directory"

// Default is the built-in configuration: a working instance on
// http://localhost:8080 with its data in ./kith-data.
func Default() Config {
	return Config{
		Server: Server{
			URL:            "http://localhost:8080",
			DataDir:        "kith-data",
			TLS:            TLSOff,
			ACMEDirectory:  LetsEncrypt,
			TrustedProxies: []string{},
		},
		Owner:      Owner{Username: "admin"},
		Federation: Federation{BlockedDomains: []string{}, Hosts: map[string]string{}},
		Jobs:       Jobs{Concurrency: 8},
		Media: Media{RemoteCacheDays: 7, RemoteMaxBytes: 40 << 20, VideoMaxBytes: 40 << 20, VideoMaxSeconds: 600,
			AudioMaxBytes: 40 << 20, AudioMaxSeconds: 3600, Storage: StorageLocal},
		Log:      Log{Level: "info", Format: "text"},
		Theme:    Theme{Name: "default", Variables: map[string]string{}},
		Instance: Instance{Rules: []string{}},
		Web:      Web{PreviewCards: true},

		Replication: Replication{SyncInterval: DefaultSyncInterval, Region: "us-east-1"},
	}
}

// Error is a problem with one key of a config file.
type Error struct {
	File string
	Line int // 0 when unknown
	Key  string
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Key != "" {
		fmt.Fprintf(&b, ": %s", e.Key)
	}
	fmt.Fprintf(&b, ": %s", e.Msg)
	return b.String()
}

// Errors is every problem found in one file, so an operator fixes them in
// one pass.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Load reads and checks the config file at path, also with validators.
// Keys missing from the file keep their defaults. A relative data_dir, custom_scss, cert_file or
// key_file is taken relative to the file's directory, so a config works
// whatever directory kith is started from (and a restored backup's config
// finds the files restored beside it).
func Load(path string, validators ...Validator) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("read config: %w", err)
	}
	cfg, err := Parse(path, data, validators...)
	if err != nil {
		return Config{}, err
	}
	if !filepath.IsAbs(cfg.Server.DataDir) {
		cfg.Server.DataDir = filepath.Join(filepath.Dir(path), cfg.Server.DataDir)
	}
	for _, p := range []*string{&cfg.Theme.CustomSCSS, &cfg.Server.CertFile, &cfg.Server.KeyFile, &cfg.Media.S3.SecretKeyFile} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(filepath.Dir(path), *p)
		}
	}
	cfg.Replication.resolve(filepath.Dir(path))
	return cfg, nil
}

// Parse decodes and checks config text, also with validators; name is used
// in error messages.
func Parse(name string, data []byte, validators ...Validator) (Config, error) {
	cfg := Default()
	cfg.File = name
	var errs Errors
	var mistyped map[string]bool
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&cfg)
	var pe toml.ParseError
	switch {
	case errors.As(err, &pe):
		return Config{}, decodeError(name, data, err)
	case err != nil: // a value of the wrong type: find them all
		cfg = Default()
		cfg.File = name
		mistyped, errs = decodeEachKey(name, data, &cfg)
	default:
		for _, k := range md.Undecoded() {
			errs = append(errs, &Error{File: name, Line: keyLine(data, k), Key: k.String(), Msg: unknownKey})
		}
	}
	problems := cfg.problems()
	for _, v := range validators {
		problems = append(problems, v(cfg)...)
	}
	for _, p := range problems {
		if !mistyped[p.Key] {
			errs = append(errs, &Error{File: name, Line: keyLine(data, strings.Split(p.Key, ".")), Key: p.Key, Msg: p.Msg})
		}
	}
	if len(errs) > 0 {
		return Config{}, errs
	}
	return cfg, nil
}

// Check validates a config built in code (the built-in default, or one
// assembled by kith init).
func (c Config) Check() error {
	var errs Errors
	for _, p := range c.problems() {
		errs = append(errs, &Error{File: "config", Key: p.Key, Msg: p.Msg})
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

func decodeError(name string, data []byte, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return Errors{{File: name, Line: pe.Position.Line, Key: pe.LastKey, Msg: pe.Message}}
	}
	// Type mismatches come back as plain errors that already carry the line
	// and key ("toml: line 3 (last key "server.url"): incompatible types").
	msg := strings.TrimPrefix(err.Error(), "toml: ")
	return Errors{{File: name, Msg: msg}}
}

// Problem is a bad value under a key ("theme.name"); Parse adds the file
// and line.
type Problem struct{ Key, Msg string }

// A Validator checks what config cannot know by itself: kith's theme
// compiler passes themes.CheckNames, so that a theme name the compiler
// lacks is reported like any other bad value, with its line, in the same
// pass. (config holds no list of themes: it builds without the compiler.)
type Validator func(Config) []Problem

var usernameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_]{1,30}$`) })

func (c Config) problems() []Problem {
	var ps []Problem
	add := func(key, format string, args ...any) {
		ps = append(ps, Problem{key, fmt.Sprintf(format, args...)})
	}
	u, err := url.Parse(c.Server.URL)
	switch {
	case c.Server.URL == "":
		add("server.url", "must be set to the public base URL, e.g. https://social.example.org")
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		add("server.url", "%q is not an http:// or https:// URL with a host", c.Server.URL)
	case u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		add("server.url", "%q must be a bare origin such as https://social.example.org (no path, query or user)", c.Server.URL)
	}
	switch c.Server.TLS {
	case TLSOff, TLSFiles:
	case TLSAuto:
		if err == nil && u.Scheme != "https" {
			add("server.tls", `"auto" needs an https:// server.url`)
		}
		if err == nil && u.Port() != "" && u.Port() != "443" {
			add("server.url", `with tls = "auto" the URL cannot name a port: ACME validates on 80 and 443`)
		}
		// Note: ACME CAs issue only for public DNS names, and autocert
		// refuses names without a dot (such as localhost) and IP addresses.
		if err == nil {
			if h := u.Hostname(); h != "" && (!strings.Contains(h, ".") || net.ParseIP(h) != nil) {
				add("server.url", `with tls = "auto" the host must be a DNS name with a dot (not localhost or an IP address); use tls = "off" or "files" here`)
			}
		}
	default:
		add("server.tls", `%q is not one of "auto", "files", "off"`, c.Server.TLS)
	}
	if c.Server.TLS == TLSFiles && (c.Server.CertFile == "" || c.Server.KeyFile == "") {
		add("server.cert_file", `tls = "files" needs both cert_file and key_file`)
	}
	for _, l := range []struct{ key, addr string }{{"server.listen", c.Server.Listen}, {"server.http_listen", c.Server.HTTPListen}} {
		if l.addr == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(l.addr); err != nil {
			add(l.key, "%q is not a host:port address (e.g. \":443\" or \"127.0.0.1:8080\")", l.addr)
		}
	}
	if c.Server.DataDir == "" {
		add("server.data_dir", "must not be empty")
	}
	if c.Server.ACMEDirectory != "" {
		if d, err := url.Parse(c.Server.ACMEDirectory); err != nil || d.Scheme != "https" {
			add("server.acme_directory", "%q is not an https:// URL", c.Server.ACMEDirectory)
		}
	}
	for _, cidr := range c.Server.TrustedProxies {
		if _, err := parsePrefix(cidr); err != nil {
			add("server.trusted_proxies", "%q is not an IP address or CIDR range", cidr)
		}
	}
	if !usernameRE().MatchString(c.Owner.Username) {
		add("owner.username", "%q must be 1-30 letters, digits or underscores", c.Owner.Username)
	}
	for _, d := range c.Federation.BlockedDomains {
		if d == "" || strings.ContainsAny(d, "/:@ ") {
			add("federation.blocked_domains", "%q is not a domain name (write example.com, without scheme or path)", d)
		}
	}
	for host, addr := range c.Federation.Hosts {
		if _, _, err := net.SplitHostPort(addr); err != nil || host == "" {
			add("federation.hosts", "%q = %q: the value must be ip:port", host, addr)
		}
	}
	if c.Jobs.Concurrency < 1 || c.Jobs.Concurrency > 256 {
		add("jobs.concurrency", "%d must be between 1 and 256", c.Jobs.Concurrency)
	}
	if c.Media.RemoteCacheDays < 1 {
		add("media.remote_cache_days", "%d must be at least 1", c.Media.RemoteCacheDays)
	}
	if c.Media.RemoteMaxBytes < 1<<20 {
		add("media.remote_max_bytes", "%d must be at least 1048576 (1 MiB)", c.Media.RemoteMaxBytes)
	}
	for _, l := range []struct {
		key   string
		bytes int64
	}{{"media.video_max_bytes", c.Media.VideoMaxBytes}, {"media.audio_max_bytes", c.Media.AudioMaxBytes}} {
		if l.bytes < 1<<20 || l.bytes > 1<<30 {
			add(l.key, "%d must be between 1048576 (1 MiB) and 1073741824 (1 GiB)", l.bytes)
		}
	}
	for _, l := range []struct {
		key     string
		seconds int
	}{{"media.video_max_seconds", c.Media.VideoMaxSeconds}, {"media.audio_max_seconds", c.Media.AudioMaxSeconds}} {
		if l.seconds < 1 {
			add(l.key, "%d must be at least 1", l.seconds)
		}
	}
	ps = append(ps, c.Media.storageProblems()...)
	if _, err := ParseLevel(c.Log.Level); err != nil {
		add("log.level", "%v", err)
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		add("log.format", `%q is not "text" or "json"`, c.Log.Format)
	}
	if t := c.Metrics.Token; t != "" && (len(t) < MinMetricsToken || strings.ContainsFunc(t, func(r rune) bool { return r <= ' ' || r == 0x7f })) {
		add("metrics.token", "must be at least %d characters without spaces (make one with: openssl rand -hex 32)", MinMetricsToken)
	}
	ps = append(ps, c.Instance.problems()...)
	ps = append(ps, c.Replication.problems()...)
	return append(ps, c.Theme.problems()...)
}

func (in Instance) problems() []Problem {
	var ps []Problem
	add := func(key, format string, args ...any) {
		ps = append(ps, Problem{key, fmt.Sprintf(format, args...)})
	}
	for _, f := range []struct {
		key, value string
		max        int
	}{
		{"instance.description", in.Description, MaxDescriptionChars},
		{"instance.short_description", in.ShortDescription, MaxShortDescriptionChars},
	} {
		if n := utf8.RuneCountInString(f.value); n > f.max {
			add(f.key, "is %d characters long; at most %d", n, f.max)
		}
	}
	if e := in.ContactEmail; e != "" {
		local, domain, ok := strings.Cut(e, "@")
		if !ok || local == "" || domain == "" || strings.ContainsAny(e, " \t\r\n<>,;\"") || strings.Contains(domain, "@") || len(e) > MaxContactEmailChars {
			add("instance.contact_email", "%q is not an email address (write name@example.org)", e)
		}
	}
	if len(in.Rules) > MaxRules {
		add("instance.rules", "has %d rules; at most %d", len(in.Rules), MaxRules)
	}
	for i, r := range in.Rules {
		switch n := utf8.RuneCountInString(r); {
		case strings.TrimSpace(r) == "":
			add("instance.rules", "rule %d is empty", i+1)
		case n > MaxRuleChars:
			add("instance.rules", "rule %d is %d characters long; at most %d", i+1, n, MaxRuleChars)
		}
	}
	return ps
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		return netip.ParsePrefix(s)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// ParseLevel reads a log level name.
func ParseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("%q is not a log level (debug, info, warn, error)", s)
	}
	return l, nil
}

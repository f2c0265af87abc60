package config

import (
	"maps"
	"slices"
)

// What SIGHUP can change: a running kith re-reads its config file and
// applies log.level, [theme], [instance], [web], [metrics],
// server.trusted_proxies and (with tls = "files") the certificate files at
// once. Every other key is read when
// kith starts (listeners, the data directory, the owner, federation's
// HTTP client, the job runner and its schedule, the logger): a change to
// one of them waits for a restart, and RestartKeys names it, so that the
// operator is told rather than left wondering.

// restartKey is one key applied only at start, with how to compare it.
type restartKey struct {
	key     string
	changed func(old, next Config) bool
}

// restartKeys lists every key that needs a restart. TestEveryKeyReloadsOrRestarts
// checks that each key of Config is here or in reloadedKeys.
var restartKeys = []restartKey{
	{"server.url", func(o, n Config) bool { return o.Server.URL != n.Server.URL }},
	{"server.listen", func(o, n Config) bool { return o.Server.Listen != n.Server.Listen }},
	{"server.http_listen", func(o, n Config) bool { return o.Server.HTTPListen != n.Server.HTTPListen }},
	{"server.data_dir", func(o, n Config) bool { return o.Server.DataDir != n.Server.DataDir }},
	{"server.tls", func(o, n Config) bool { return o.Server.TLS != n.Server.TLS }},
	{"server.acme_email", func(o, n Config) bool { return o.Server.ACMEEmail != n.Server.ACMEEmail }},
	{"server.acme_directory", func(o, n Config) bool { return o.Server.ACMEDirectory != n.Server.ACMEDirectory }},
	{"owner.username", func(o, n Config) bool { return o.Owner != n.Owner }},
	{"federation.allow_private_addresses", func(o, n Config) bool {
		return o.Federation.AllowPrivateAddresses != n.Federation.AllowPrivateAddresses
	}},
	{"federation.blocked_domains", func(o, n Config) bool {
		return !slices.Equal(o.Federation.BlockedDomains, n.Federation.BlockedDomains)
	}},
	{"federation.hosts", func(o, n Config) bool { return !maps.Equal(o.Federation.Hosts, n.Federation.Hosts) }},
	{"jobs.concurrency", func(o, n Config) bool { return o.Jobs.Concurrency != n.Jobs.Concurrency }},
	{"media.remote_cache_days", func(o, n Config) bool { return o.Media.RemoteCacheDays != n.Media.RemoteCacheDays }},
	{"media.remote_max_bytes", func(o, n Config) bool { return o.Media.RemoteMaxBytes != n.Media.RemoteMaxBytes }},
	{"media.video_max_bytes", func(o, n Config) bool { return o.Media.VideoMaxBytes != n.Media.VideoMaxBytes }},
	{"media.video_max_seconds", func(o, n Config) bool { return o.Media.VideoMaxSeconds != n.Media.VideoMaxSeconds }},
	{"media.audio_max_bytes", func(o, n Config) bool { return o.Media.AudioMaxBytes != n.Media.AudioMaxBytes }},
	{"media.audio_max_seconds", func(o, n Config) bool { return o.Media.AudioMaxSeconds != n.Media.AudioMaxSeconds }},
	{"media.storage", func(o, n Config) bool { return o.Media.Storage != n.Media.Storage }},
	{"media.s3", func(o, n Config) bool { return o.Media.S3 != n.Media.S3 }},
	{"log.format", func(o, n Config) bool { return o.Log.Format != n.Log.Format }},
	{"replication.url", func(o, n Config) bool { return o.Replication.URL != n.Replication.URL }},
	{"replication.sync_interval", func(o, n Config) bool { return o.Replication.SyncInterval != n.Replication.SyncInterval }},
	{"replication.endpoint", func(o, n Config) bool { return o.Replication.Endpoint != n.Replication.Endpoint }},
	{"replication.region", func(o, n Config) bool { return o.Replication.Region != n.Replication.Region }},
	{"replication.access_key", func(o, n Config) bool { return o.Replication.AccessKey != n.Replication.AccessKey }},
	// The secret is one setting given by either key: a change of either
	// names both.
	{"replication.secret_key", replicationSecretChanged},
	{"replication.secret_key_file", replicationSecretChanged},
	{"replication.path_style", func(o, n Config) bool { return o.Replication.PathStyle != n.Replication.PathStyle }},
}

func replicationSecretChanged(o, n Config) bool {
	return o.Replication.SecretKey != n.Replication.SecretKey || o.Replication.SecretKeyFile != n.Replication.SecretKeyFile
}

// reloadedKeys are the keys (or tables) SIGHUP applies.
var reloadedKeys = []string{"server.cert_file", "server.key_file", "server.trusted_proxies", "log.level", "theme", "instance", "web", "metrics"}

// Applied is the config a running kith uses after SIGHUP brought next:
// next, with every key that needs a restart kept as running has it. A
// change waiting for a restart is then named again by the next SIGHUP.
func Applied(running, next Config) Config {
	s := &next.Server
	s.URL, s.Listen, s.HTTPListen, s.DataDir = running.Server.URL, running.Server.Listen, running.Server.HTTPListen, running.Server.DataDir
	s.TLS, s.ACMEEmail, s.ACMEDirectory = running.Server.TLS, running.Server.ACMEEmail, running.Server.ACMEDirectory
	next.Owner, next.Federation, next.Jobs, next.Media = running.Owner, running.Federation, running.Jobs, running.Media
	next.Log.Format = running.Log.Format
	next.Replication = running.Replication
	return next
}

// RestartKeys names, in the order of config.example.toml, each key whose
// value differs between old and next and that only a restart applies.
func RestartKeys(old, next Config) []string {
	var keys []string
	for _, k := range restartKeys {
		if k.changed(old, next) {
			keys = append(keys, k.key)
		}
	}
	return keys
}

package config

import (
	"net/netip"
	"net/url"
	"path/filepath"
)

// BaseURL is server.url parsed. It is only called on a checked config.
func (c Config) BaseURL() *url.URL {
	u, err := url.Parse(c.Server.URL)
	if err != nil {
		panic("config: BaseURL on an unchecked config: " + err.Error())
	}
	u.Path = ""
	return u
}

// Domain is the host part of server.url (with its port, if any), the
// domain of the owner's handle.
func (c Config) Domain() string { return c.BaseURL().Host }

// ListenAddr is where the main listener binds: server.listen, or by TLS
// mode ":443" for auto and files, "localhost:" plus the URL's port (8080
// when it names none) for off.
func (c Config) ListenAddr() string {
	if c.Server.Listen != "" {
		return c.Server.Listen
	}
	if c.Server.TLS != TLSOff {
		return ":443"
	}
	port := c.BaseURL().Port()
	if port == "" {
		port = "8080"
	}
	return "localhost:" + port
}

// HTTPListenAddr is where the plain-HTTP listener binds when TLS is on (it
// answers ACME HTTP-01 challenges and redirects everything else to https).
// Empty when TLS is off.
func (c Config) HTTPListenAddr() string {
	if c.Server.TLS == TLSOff {
		return ""
	}
	if c.Server.HTTPListen != "" {
		return c.Server.HTTPListen
	}
	return ":80"
}

// TrustedProxies are the parsed server.trusted_proxies ranges.
func (c Config) TrustedProxies() []netip.Prefix {
	var ps []netip.Prefix
	for _, s := range c.Server.TrustedProxies {
		if p, err := parsePrefix(s); err == nil {
			ps = append(ps, p.Masked())
		}
	}
	return ps
}

// MediaDir is where uploads and cached remote media live, inside the data
// directory.
func (c Config) MediaDir() string { return filepath.Join(c.Server.DataDir, "media") }

// DatabasePath is the SQLite file inside the data directory.
func (c Config) DatabasePath() string { return filepath.Join(c.Server.DataDir, "kith.db") }

// CertCacheDir is where autocert keeps certificates and the ACME account key.
func (c Config) CertCacheDir() string { return filepath.Join(c.Server.DataDir, "certs") }

// ThemeCachePath is the compiled stylesheet kept between starts, with what
// it was compiled from, so an unchanged theme is not compiled again.
func (c Config) ThemeCachePath() string { return filepath.Join(c.Server.DataDir, "theme-cache.json") }

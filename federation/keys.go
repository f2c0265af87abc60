package federation

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"kith/federation/httpsig"
)

// parsePublicKey reads a PEM public key: PKIX RSA or Ed25519, or the
// older PKCS#1 "RSA PUBLIC KEY" some servers publish.
func parsePublicKey(pemText string) (crypto.PublicKey, error) {
	block, _ := pem.Decode([]byte(strings.TrimSpace(pemText)))
	if block == nil {
		return nil, errors.New("no PEM public key")
	}
	if block.Type == "RSA PUBLIC KEY" {
		return x509.ParsePKCS1PublicKey(block.Bytes)
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	switch k := key.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 1024 {
			return nil, fmt.Errorf("RSA key of %d bits is too weak", k.N.BitLen())
		}
		return k, nil
	case ed25519.PublicKey:
		return k, nil
	}
	return nil, fmt.Errorf("unsupported key type %T", key)
}

// maxCachedKeys bounds the key cache; past it the cache starts over.
const maxCachedKeys = 10000

// keyCache keeps parsed public keys by key id, so verifying a known
// actor's signature costs no query and no PEM parsing.
type keyCache struct {
	mu sync.Mutex
	m  map[string]cachedKey
}

type cachedKey struct {
	key httpsig.Key
	at  time.Time
}

func (c *keyCache) get(keyID string, now time.Time) (httpsig.Key, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.m[keyID]
	if !ok || now.Sub(k.at) > actorMaxAge {
		return httpsig.Key{}, false
	}
	return k.key, true
}

func (c *keyCache) put(keyID string, key httpsig.Key, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxCachedKeys {
		clear(c.m)
	}
	c.m[keyID] = cachedKey{key: key, at: now}
}

func (c *keyCache) drop(keyID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, keyID)
}

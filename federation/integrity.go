package federation

import (
	"context"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"kith/federation/ap"
	"kith/federation/proof"
)

// verifyForwarded checks that an activity delivered by a server other
// than its actor's was signed by its actor in the body: an integrity
// proof, else an LD signature.
func (f *Federation) verifyForwarded(ctx context.Context, body []byte, actor string) error {
	err := f.verifyIntegrity(ctx, body, actor)
	if !errors.Is(err, proof.ErrNoProof) {
		return err
	}
	return f.verifyLDSignature(ctx, body, actor)
}

// verifyLDSignature checks an RsaSignature2017 by one of actor's keys.
func (f *Federation) verifyLDSignature(ctx context.Context, body []byte, actor string) error {
	s, err := proof.ParseLDSignature(body)
	if err != nil {
		return err
	}
	if !ap.SameOrigin(s.Creator, actor) {
		return fmt.Errorf("LD signature key %s is on another host than %s", s.Creator, actor)
	}
	for _, refresh := range []bool{false, true} {
		key, err := f.lookupKey(ctx, s.Creator, refresh)
		if err != nil {
			return err
		}
		if key.Owner != actor {
			return fmt.Errorf("LD signature key %s belongs to %s, not %s", s.Creator, key.Owner, actor)
		}
		pub, ok := key.PublicKey.(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("LD signature key %s is not RSA", s.Creator)
		}
		if err = s.Verify(pub); err == nil {
			return nil
		}
	}
	return proof.ErrBadLDSignature
}

// verifyIntegrity checks that body carries an integrity proof
// (eddsa-jcs-2022) by one of actor's assertionMethod keys. A key not yet
// known, or a proof that fails with the known key, refreshes the actor
// once: keys rotate.
func (f *Federation) verifyIntegrity(ctx context.Context, body []byte, actor string) error {
	p, err := proof.ParseIntegrity(body)
	if err != nil {
		return err
	}
	// The key must be the actor's own: published by its server and listed
	// by the actor document itself (proofKeyCache keeps only those).
	if !ap.SameOrigin(p.Method, actor) {
		return fmt.Errorf("proof key %s is on another host than %s", p.Method, actor)
	}
	if key, ok := f.proofKeys.get(p.Method, actor, f.now()); ok && p.Verify(key) == nil {
		return nil
	}
	if _, err := f.fetchActor(ctx, actor, true); err != nil {
		return fmt.Errorf("refresh %s for its proof key: %w", actor, err)
	}
	key, ok := f.proofKeys.get(p.Method, actor, f.now())
	if !ok {
		return fmt.Errorf("%s does not list proof key %s", actor, p.Method)
	}
	return p.Verify(key)
}

// maxProofKeys bounds the proof key cache; past it the cache starts over.
const maxProofKeys = 10000

// proofKeyCache keeps the Ed25519 assertion keys of fetched actors, by
// key id. It lives in memory: after a restart, the first proof of an
// actor costs one fetch of its document.
type proofKeyCache struct {
	mu sync.Mutex
	m  map[string]proofKey
}

type proofKey struct {
	actor string
	key   ed25519.PublicKey
	at    time.Time
}

// putActor keeps doc's Ed25519 Multikeys, those whose id is on the
// actor's host and whose controller is the actor, and forgets keys the
// actor no longer lists.
func (c *proofKeyCache) putActor(doc *ap.Actor, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, k := range c.m {
		if k.actor == doc.ID {
			delete(c.m, id)
		}
	}
	for _, mk := range doc.AssertionMethod {
		id := string(mk.ID)
		if id == "" || !ap.SameOrigin(id, doc.ID) || (mk.Controller != "" && string(mk.Controller) != doc.ID) {
			continue
		}
		key, err := proof.ParseMultikey(strings.TrimSpace(string(mk.PublicKeyMultibase)))
		if err != nil {
			continue
		}
		if len(c.m) >= maxProofKeys {
			clear(c.m)
		}
		c.m[id] = proofKey{actor: doc.ID, key: key, at: now}
	}
}

func (c *proofKeyCache) get(id, actor string, now time.Time) (ed25519.PublicKey, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.m[id]
	if !ok || k.actor != actor || now.Sub(k.at) > actorMaxAge {
		return nil, false
	}
	return k.key, true
}

package federation

import (
	"context"
	"crypto/rsa"
	"fmt"
	"slices"
	"time"

	"kith/store"
)

// AddAlias adds an account (handle or URL) to the owner's alsoKnownAs, so
// it can move here, and federates the actor Update. It returns the alias's
// actor.
func (f *Federation) AddAlias(ctx context.Context, handleOrURL string) (store.Actor, error) {
	alias, err := f.Resolve(ctx, handleOrURL)
	if err != nil {
		return store.Actor{}, fmt.Errorf("alias %s: %w", handleOrURL, err)
	}
	if alias.Local {
		return store.Actor{}, fmt.Errorf("%w: an account cannot be its own alias", ErrInvalid)
	}
	return alias, f.changeLocalActor(ctx, func(a *store.Actor) {
		if !slices.Contains(a.AlsoKnownAs, alias.URI) {
			a.AlsoKnownAs = append(a.AlsoKnownAs, alias.URI)
		}
	})
}

// RemoveAlias takes an account (handle, or URL as listed) off the owner's
// alsoKnownAs and federates the actor Update. A listed URL is removed
// without fetching it, so an alias whose server is gone can still go.
func (f *Federation) RemoveAlias(ctx context.Context, handleOrURL string) (string, error) {
	me, err := f.db.LocalActor(ctx)
	if err != nil {
		return "", err
	}
	uri := handleOrURL
	if !slices.Contains(me.AlsoKnownAs, uri) {
		alias, err := f.Resolve(ctx, handleOrURL)
		if err != nil {
			return "", fmt.Errorf("alias %s: %w", handleOrURL, err)
		}
		uri = alias.URI
	}
	if !slices.Contains(me.AlsoKnownAs, uri) {
		return "", fmt.Errorf("%w: %s is not an alias of this account", ErrNotFound, handleOrURL)
	}
	return uri, f.changeLocalActor(ctx, func(a *store.Actor) {
		a.AlsoKnownAs = slices.DeleteFunc(a.AlsoKnownAs, func(s string) bool { return s == uri })
	})
}

// RotateKeys gives the owner a new RSA key pair and federates an Update of
// the actor carrying the new public key. Peers that cached the old key
// refetch the actor when a signature fails to verify with it.
func (f *Federation) RotateKeys(ctx context.Context) error {
	privPEM, err := generateKeyPEM()
	if err != nil {
		return err
	}
	key, err := parsePrivateKey(privPEM)
	if err != nil {
		return err
	}
	pubPEM := publicKeyPEM(key)
	a, err := f.db.LocalActor(ctx)
	if err != nil {
		return err
	}
	a.PublicKeyPEM = pubPEM
	err = f.transact(ctx, func(tx *store.Tx) error {
		if err := tx.SetOwnerKeys(ctx, privPEM, pubPEM); err != nil {
			return err
		}
		return f.updateLocalActor(ctx, tx, a)
	})
	if err != nil {
		return err
	}
	f.ownerKey.Store(key)
	return nil
}

// RefreshActor fetches a remote actor again (by handle or URL), whatever
// its age, and stores what its server now says.
func (f *Federation) RefreshActor(ctx context.Context, handleOrURL string) (store.Actor, error) {
	a, err := f.Resolve(ctx, handleOrURL)
	if err != nil {
		return store.Actor{}, err
	}
	if a.Local {
		return a, nil
	}
	return f.fetchActor(ctx, a.URI, true)
}

// jobReload is the periodic job that picks up the domain blocks another
// kith process (the command line) changed in the database.
const jobReload = "federation.reload"

// reloadInterval bounds how long the server keeps talking to a domain
// that a command blocked.
const reloadInterval = 10 * time.Second

// runReload re-reads the domain blocks.
func (f *Federation) runReload(ctx context.Context, _ store.Job) error {
	return f.reloadBlocks(ctx)
}

// keyCheckInterval is how often signing looks for a key rotated by
// another process: one read of the owner row a second at most.
const keyCheckInterval = time.Second

// ownerKeyNow is the key deliveries are signed with. It re-reads the
// owner's key at most once a keyCheckInterval, so a key that kith account
// keys rotate changed is used within a second; on a failed read it keeps
// the key it has.
func (f *Federation) ownerKeyNow(ctx context.Context) *rsa.PrivateKey {
	now := f.now().UnixMilli()
	last := f.keyChecked.Load()
	if now-last < keyCheckInterval.Milliseconds() || !f.keyChecked.CompareAndSwap(last, now) {
		return f.ownerKey.Load()
	}
	owner, err := f.db.Owner(ctx)
	if err != nil {
		return f.ownerKey.Load()
	}
	if cur := f.ownerKey.Load(); cur == nil || publicKeyPEM(cur) != owner.PublicKeyPEM {
		key, err := parsePrivateKey(owner.PrivateKeyPEM)
		if err != nil {
			f.logger.Error("owner key unreadable; signing with the previous one", "err", err)
			return cur
		}
		f.ownerKey.Store(key)
		f.logger.Info("owner key reloaded")
	}
	return f.ownerKey.Load()
}

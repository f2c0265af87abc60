package federation

import (
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

	"kith/federation/ap"
	"kith/federation/proof"
	"kith/store"
)

// settingProofKey holds the owner's Ed25519 key (PKCS#8 PEM), which signs
// the integrity proofs of the owner's public activities. Kept in settings,
// it is in every backup and moves with the database.
const settingProofKey = "owner_ed25519_private_key"

// loadProofKey reads the owner's Ed25519 key, made on the first start
// that lacks one.
func (f *Federation) loadProofKey(ctx context.Context) error {
	pemText, err := f.db.Setting(ctx, settingProofKey)
	if errors.Is(err, store.ErrNotFound) {
		pemText, err = generateEd25519PEM()
		if err == nil {
			err = f.db.InTx(ctx, func(tx *store.Tx) error { return tx.SetSetting(ctx, settingProofKey, pemText) })
		}
	}
	if err != nil {
		return fmt.Errorf("owner Ed25519 key: %w", err)
	}
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		return errors.New("owner Ed25519 key: no PEM block")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return fmt.Errorf("owner Ed25519 key: %w", err)
	}
	k, ok := key.(ed25519.PrivateKey)
	if !ok {
		return fmt.Errorf("owner Ed25519 key is %T", key)
	}
	f.proofKey = k
	return nil
}

func generateEd25519PEM() (string, error) {
	_, key, err := ed25519.GenerateKey(randReader)
	if err != nil {
		return "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

// proofKeyID is the id of the owner's Ed25519 Multikey.
func (f *Federation) proofKeyID() string { return f.urls.Actor() + "#ed25519-key" }

// ownerMultikey is the owner's assertionMethod entry.
func (f *Federation) ownerMultikey() ap.OutMultikey {
	return ap.OutMultikey{ID: f.proofKeyID(), Type: "Multikey", Controller: f.urls.Actor(),
		PublicKeyMultibase: proof.Multikey(f.proofKey.Public().(ed25519.PublicKey))}
}

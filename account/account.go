// Package account sets up the owner account and checks its password. It is
// shared by `kith init`, the first start of `kith serve`, `kith account
// password` and the login page, so all of them hash and check the same way.
package account

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"kith/store"
)

// bcryptCost makes a hash take about a quarter of a second on a small VPS:
// slow for an attacker with a stolen database, tolerable at login.
const bcryptCost = 12

// Password length bounds. bcrypt reads at most 72 bytes; refusing longer
// passwords beats silently ignoring their tail.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 72
)

// ErrBadPassword is a password the owner may not set.
var ErrBadPassword = errors.New("unacceptable password")

// CheckNewPassword says whether pw may be set as a password.
func CheckNewPassword(pw string) error {
	switch {
	case utf8.RuneCountInString(pw) < MinPasswordLen:
		return fmt.Errorf("%w: it must be at least %d characters", ErrBadPassword, MinPasswordLen)
	case len(pw) > MaxPasswordLen:
		return fmt.Errorf("%w: it must be at most %d bytes", ErrBadPassword, MaxPasswordLen)
	}
	return nil
}

// HashPassword hashes a new password after checking it.
func HashPassword(pw string) (string, error) {
	if err := CheckNewPassword(pw); err != nil {
		return "", err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcryptCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// dummyHash is compared against when there is no owner yet, so a login
// attempt takes the same time either way.
var dummyHash = []byte("$2a$12$j4Cxjq0IvREraSaG/jy0COMH7tunmgzufAkpFiRZhz9rp9AZQnD7y")

// PasswordMatches reports whether pw matches hash, in constant time with
// respect to the password (bcrypt compares its digests that way).
func PasswordMatches(hash, pw string) bool {
	if len(pw) > MaxPasswordLen {
		return false
	}
	h := []byte(hash)
	if len(h) == 0 {
		bcrypt.CompareHashAndPassword(dummyHash, []byte(pw))
		return false
	}
	return bcrypt.CompareHashAndPassword(h, []byte(pw)) == nil
}

// GeneratePassword returns a random password of 20 characters (about 119
// bits) from an alphabet without look-alikes.
func GeneratePassword() string {
	const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	return randomString(alphabet, 20)
}

func randomString(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		var r [1]byte
		for { // rejection sampling keeps every letter equally likely
			rand.Read(r[:])
			if int(r[0]) < 256-256%len(alphabet) {
				break
			}
		}
		b[i] = alphabet[int(r[0])%len(alphabet)]
	}
	return string(b)
}

// GenerateKeyPair makes the RSA-2048 key pair the owner's actor signs with,
// as PKCS#8 and PKIX PEM.
func GenerateKeyPair() (privPEM, pubPEM string, err error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", "", fmt.Errorf("generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", "", err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return "", "", err
	}
	privPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	pubPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))
	return privPEM, pubPEM, nil
}

// CreateOwner creates the owner with a fresh key pair. It returns
// store.ErrOwnerExists when there already is one.
func CreateOwner(ctx context.Context, db *store.DB, username, password string) error {
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	priv, pub, err := GenerateKeyPair()
	if err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *store.Tx) error {
		return tx.CreateOwner(ctx, store.Owner{
			Username: username, PasswordHash: hash, PrivateKeyPEM: priv, PublicKeyPEM: pub,
		})
	})
}

// SetPassword changes the owner's password, ends every web session and
// revokes every access token that acts as the owner; it returns what it
// ended. Run by another process than kith serve (kith account password),
// the server notices within a second and closes their open streams.
func SetPassword(ctx context.Context, db *store.DB, password string) (store.Revoked, error) {
	hash, err := HashPassword(password)
	if err != nil {
		return store.Revoked{}, err
	}
	var revoked store.Revoked
	err = db.InTx(ctx, func(tx *store.Tx) error {
		revoked, err = tx.SetOwnerPassword(ctx, hash)
		return err
	})
	return revoked, err
}

// Login checks the owner's password. It costs the same whether or not an
// owner exists.
func Login(ctx context.Context, db *store.DB, username, password string) (bool, error) {
	o, err := db.Owner(ctx)
	if errors.Is(err, store.ErrNotFound) {
		PasswordMatches("", password)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	nameOK := subtle.ConstantTimeCompare([]byte(username), []byte(o.Username)) == 1
	pwOK := PasswordMatches(o.PasswordHash, password)
	return nameOK && pwOK, nil
}

// NewToken returns n random bytes as unpadded base64url: session cookies,
// CSRF tokens.
func NewToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

package proof

import (
	"crypto/ed25519"
	"errors"
	"math/big"
	"strings"
)

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

var base58Index = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(base58Alphabet); i++ {
		t[base58Alphabet[i]] = int8(i)
	}
	return t
}()

// maxBase58 bounds what decodeBase58 reads: a proof value or a key is
// well under a hundred characters, and the decoding is quadratic.
const maxBase58 = 256

// decodeBase58 decodes Bitcoin's base58 alphabet.
func decodeBase58(s string) ([]byte, error) {
	if len(s) > maxBase58 {
		return nil, errors.New("base58 value too long")
	}
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	// Little-endian base-256 accumulator, grown at its end as needed, and
	// turned around once at the end.
	acc := make([]byte, 0, len(s))
	for i := zeros; i < len(s); i++ {
		d := base58Index[s[i]]
		if d < 0 {
			return nil, errors.New("invalid base58 character")
		}
		carry := int(d)
		for j := range acc {
			carry += int(acc[j]) * 58
			acc[j] = byte(carry)
			carry >>= 8
		}
		for carry > 0 {
			acc = append(acc, byte(carry))
			carry >>= 8
		}
	}
	out := make([]byte, zeros+len(acc))
	for i, b := range acc {
		out[len(out)-1-i] = b
	}
	return out, nil
}

// encodeBase58 encodes b in Bitcoin's base58 alphabet.
func encodeBase58(b []byte) string {
	zeros := 0
	for zeros < len(b) && b[zeros] == 0 {
		zeros++
	}
	n := new(big.Int).SetBytes(b)
	var out []byte
	mod, radix := new(big.Int), big.NewInt(58)
	for n.Sign() > 0 {
		n.DivMod(n, radix, mod)
		out = append(out, base58Alphabet[mod.Int64()])
	}
	out = append(out, strings.Repeat("1", zeros)...)
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

// decodeMultibase decodes a multibase base58btc value ("z...").
func decodeMultibase(s string) ([]byte, error) {
	if !strings.HasPrefix(s, "z") {
		return nil, errors.New("multibase value is not base58btc")
	}
	return decodeBase58(s[1:])
}

// ed25519Multicodec is the multicodec prefix of an Ed25519 public key
// (0xed, as an unsigned varint).
var ed25519Multicodec = []byte{0xed, 0x01}

// ParseMultikey reads a Multikey's publicKeyMultibase: base58btc of the
// Ed25519 multicodec prefix and the 32-byte key ("z6Mk...").
func ParseMultikey(s string) (ed25519.PublicKey, error) {
	b, err := decodeMultibase(s)
	if err != nil {
		return nil, err
	}
	if len(b) != 2+ed25519.PublicKeySize || b[0] != ed25519Multicodec[0] || b[1] != ed25519Multicodec[1] {
		return nil, errors.New("not an Ed25519 multikey")
	}
	return ed25519.PublicKey(b[2:]), nil
}

// Multikey returns the publicKeyMultibase of an Ed25519 public key.
func Multikey(pub ed25519.PublicKey) string {
	return "z" + encodeBase58(append(append([]byte{}, ed25519Multicodec...), pub...))
}

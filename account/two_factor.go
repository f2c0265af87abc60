package account

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
)

// TOTP as RFC 6238 and every authenticator app have it by default: six
// digits, a 30-second step, HMAC-SHA1, a 160-bit secret.
const (
	totpPeriod = 30
	totpDigits = otp.DigitsSix
	// totpSkew is how many steps before and after now a code may be
	// from: a phone's clock a little off, or a code typed as it turned.
	totpSkew = 1
)

// RecoveryCodeCount is how many recovery codes the owner gets at a time.
const RecoveryCodeCount = 10

// NewTOTPSecret makes a TOTP secret: 160 random bits, base32, as typed
// into an authenticator app.
func NewTOTPSecret() string {
	b := make([]byte, 20)
	rand.Read(b)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

// TOTPURL is the otpauth:// URL an authenticator app reads from a QR
// code: secret for accountName (the owner's handle) at issuer (the
// domain).
func TOTPURL(issuer, accountName, secret string) (string, error) {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		return "", fmt.Errorf("totp secret: %w", err)
	}
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: issuer, AccountName: accountName, Secret: raw, Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return "", fmt.Errorf("totp url: %w", err)
	}
	return key.URL(), nil
}

// TOTPQRCode is the QR code of an otpauth:// URL, as a PNG.
func TOTPQRCode(otpauthURL string) ([]byte, error) {
	key, err := otp.NewKeyFromURL(otpauthURL)
	if err != nil {
		return nil, fmt.Errorf("totp qr code: %w", err)
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return nil, fmt.Errorf("totp qr code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("totp qr code: %w", err)
	}
	return buf.Bytes(), nil
}

// TOTPCode is the code for secret at t, for tests and tools.
func TOTPCode(secret string, t time.Time) (string, error) {
	return hotp.GenerateCodeCustom(secret, uint64(TOTPStepAt(t)), hotp.ValidateOpts{Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
}

// TOTPStepAt is the 30-second step t falls in.
func TOTPStepAt(t time.Time) int64 { return t.Unix() / totpPeriod }

// CheckTOTP reports whether code is secret's code for the step of now or
// the one before or after, and which step it matched. The caller refuses
// a step already used (store.Tx.UseTOTPStep).
func CheckTOTP(secret, code string, now time.Time) (step int64, ok bool) {
	code = NormalizeCode(code)
	if len(code) != totpDigits.Length() {
		return 0, false
	}
	current := TOTPStepAt(now)
	for s := current - totpSkew; s <= current+totpSkew; s++ {
		want, err := hotp.GenerateCodeCustom(secret, uint64(s), hotp.ValidateOpts{Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// IsTOTPCode reports whether what the owner typed has the shape of a TOTP
// code (six digits) rather than of a recovery code.
func IsTOTPCode(code string) bool {
	code = NormalizeCode(code)
	if len(code) != totpDigits.Length() {
		return false
	}
	for _, c := range code {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// recoveryAlphabet has no look-alikes (0/o, 1/l/i), so a code copied by
// hand reads back.
const recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// NewRecoveryCodes makes RecoveryCodeCount codes, xxxx-xxxx-xxxx, each
// about 59 bits, and their hashes, which is all kith keeps.
func NewRecoveryCodes() (codes []string, hashes [][]byte) {
	for range RecoveryCodeCount {
		s := randomString(recoveryAlphabet, 12)
		code := s[:4] + "-" + s[4:8] + "-" + s[8:]
		codes = append(codes, code)
		hashes = append(hashes, HashRecoveryCode(code))
	}
	return codes, hashes
}

// HashRecoveryCode is how a recovery code is stored and looked up. A plain
// SHA-256 suffices: the codes are random, not chosen by a person.
func HashRecoveryCode(code string) []byte {
	h := sha256.Sum256([]byte(NormalizeCode(code)))
	return h[:]
}

// NormalizeCode drops what people add when typing a code (spaces,
// dashes) and folds case.
func NormalizeCode(code string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '-' || r == '\t':
			return -1
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return r
	}, strings.TrimSpace(code))
}

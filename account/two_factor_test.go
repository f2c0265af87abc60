package account

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"

	"kith/tests/testclock"
)

// RFC 6238 appendix B: the SHA-1 secret "12345678901234567890", whose
// eight-digit codes end in these six digits.
func TestTOTPCodeRFC6238(t *testing.T) {
	const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" // base32 of "12345678901234567890"
	tests := []struct {
		unix int64
		want string
	}{
		{59, "287082"},
		{1111111109, "081804"},
		{1111111111, "050471"},
		{1234567890, "005924"},
		{2000000000, "279037"},
	}
	for _, tt := range tests {
		got, err := TOTPCode(secret, time.Unix(tt.unix, 0))
		if err != nil || got != tt.want {
			t.Errorf("TOTPCode at %d = %q, %v; want %q", tt.unix, got, err, tt.want)
		}
	}
}

func TestCheckTOTP(t *testing.T) {
	secret := NewTOTPSecret()
	now := testclock.Base()
	code := func(d time.Duration) string {
		c, err := TOTPCode(secret, now.Add(d))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		name string
		code string
		ok   bool
		step int64
	}{
		{"now", code(0), true, TOTPStepAt(now)},
		{"previous step", code(-30 * time.Second), true, TOTPStepAt(now) - 1},
		{"next step", code(30 * time.Second), true, TOTPStepAt(now) + 1},
		{"two steps ago", code(-60 * time.Second), false, 0},
		{"two steps ahead", code(60 * time.Second), false, 0},
		{"typed with a space", code(0)[:3] + " " + code(0)[3:], true, TOTPStepAt(now)},
		{"empty", "", false, 0},
		{"letters", "abcdef", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			step, ok := CheckTOTP(secret, tt.code, now)
			if ok != tt.ok || (ok && step != tt.step) {
				t.Errorf("CheckTOTP(%q) = %d, %v; want %d, %v", tt.code, step, ok, tt.step, tt.ok)
			}
		})
	}
}

func TestTOTPURL(t *testing.T) {
	secret := NewTOTPSecret()
	if len(secret) != 32 {
		t.Errorf("secret %q: want 32 base32 characters (160 bits)", secret)
	}
	u, err := TOTPURL("social.example", "alice@social.example", secret)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := parsed.Query()
	if parsed.Scheme != "otpauth" || parsed.Host != "totp" || q.Get("secret") != secret || q.Get("issuer") != "social.example" ||
		q.Get("digits") != "6" || q.Get("period") != "30" || q.Get("algorithm") != "SHA1" {
		t.Errorf("TOTPURL = %s", u)
	}
	png, err := TOTPQRCode(u)
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("TOTPQRCode: %v, %d bytes", err, len(png))
	}
}

func TestRecoveryCodes(t *testing.T) {
	codes, hashes := NewRecoveryCodes()
	if len(codes) != RecoveryCodeCount || len(hashes) != RecoveryCodeCount {
		t.Fatalf("%d codes, %d hashes; want %d", len(codes), len(hashes), RecoveryCodeCount)
	}
	seen := map[string]bool{}
	for i, c := range codes {
		if len(c) != 14 || strings.Count(c, "-") != 2 || seen[c] || IsTOTPCode(c) {
			t.Errorf("code %q", c)
		}
		seen[c] = true
		// As typed back: upper case, without dashes, with spaces.
		typed := " " + strings.ToUpper(strings.ReplaceAll(c, "-", "")) + " "
		if !bytes.Equal(HashRecoveryCode(typed), hashes[i]) {
			t.Errorf("%q typed as %q hashes differently", c, typed)
		}
	}
	if !IsTOTPCode("123 456") || IsTOTPCode("12345") || IsTOTPCode("12345a") {
		t.Errorf("IsTOTPCode gives wrong answers")
	}
}

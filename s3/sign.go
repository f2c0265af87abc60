package s3

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// sign adds AWS Signature Version 4 headers to req, whose body hashes
// to payloadHash (hex SHA-256), as of now. Signed are the host, every
// x-amz-* header, and Content-Type, Content-MD5 and Range when set.
func (c *Client) sign(req *http.Request, payloadHash string, now time.Time) {
	stamp := now.UTC().Format("20060102T150405Z")
	day := stamp[:8]
	req.Header.Set("X-Amz-Date", stamp)
	req.Header.Set("X-Amz-Content-Sha256", payloadHash)

	names := []string{"host"}
	for k := range req.Header {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "x-amz-") || lk == "content-type" || lk == "content-md5" || lk == "range" {
			names = append(names, lk)
		}
	}
	slices.Sort(names)
	var canonical strings.Builder
	canonical.WriteString(req.Method + "\n" + req.URL.EscapedPath() + "\n" + req.URL.RawQuery + "\n")
	for _, n := range names {
		v := req.Host
		if n != "host" {
			v = strings.Join(req.Header.Values(n), ",")
		} else if v == "" {
			v = req.URL.Host
		}
		canonical.WriteString(n + ":" + strings.Join(strings.Fields(v), " ") + "\n")
	}
	signed := strings.Join(names, ";")
	canonical.WriteString("\n" + signed + "\n" + payloadHash)

	scope := day + "/" + c.region + "/s3/aws4_request"
	sum := sha256.Sum256([]byte(canonical.String()))
	toSign := "AWS4-HMAC-SHA256\n" + stamp + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	sig := hex.EncodeToString(hmacSHA256(c.signingKey.forDay(day), toSign))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+c.access+"/"+scope+", SignedHeaders="+signed+", Signature="+sig)
}

// signingKeys derives the day's signing key from the secret once a day.
type signingKeys struct {
	secret, region string

	mu  sync.Mutex
	day string
	key []byte
}

func (k *signingKeys) forDay(day string) []byte {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.day != day {
		key := hmacSHA256([]byte("AWS4"+k.secret), day)
		key = hmacSHA256(key, k.region)
		key = hmacSHA256(key, "s3")
		k.key, k.day = hmacSHA256(key, "aws4_request"), day
	}
	return k.key
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// escapePath encodes a key as Signature Version 4 wants: every byte but
// the unreserved ones (A-Z a-z 0-9 - . _ ~) and the slash as %XX.
func escapePath(s string) string { return escape(s, true) }

func escape(s string, keepSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || (keepSlash && c == '/') {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// unescaped decodes an escaped path (escape's output always decodes).
func unescaped(p string) string {
	s, err := url.PathUnescape(p)
	if err != nil {
		return p
	}
	return s
}

// canonicalQuery is the query string sorted by name, each name and value
// escaped: the form Signature Version 4 signs, and the one sent.
func canonicalQuery(q map[string]string) string {
	if len(q) == 0 {
		return ""
	}
	parts := make([]string, 0, len(q))
	for k, v := range q {
		parts = append(parts, escape(k, false)+"="+escape(v, false))
	}
	slices.Sort(parts) // by name: an escaped name holds no "="
	return strings.Join(parts, "&")
}

package contacts

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// APIKey is a key that lets an HTTP client use one company's address book.
// Its secret is shown once, at creation, and stored only as a hash, so an
// APIKey carries no secret: it is what `keys list` shows.
type APIKey struct {
	ID         string     `json:"id"`   // a ULID, as contact ids
	Name       string     `json:"name"` // a label for people, "" when none
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"` // nil until first used
}

// APIKeyPrefix starts every API key secret, so that a key is recognizable
// in a config file, a shell history or a secret scanner's rules.
const APIKeyPrefix = "ck_"

// MaxAPIKeyNameLen bounds a key's label, in characters.
const MaxAPIKeyNameLen = 200

// apiKeyRandomLen is the length of a secret's random part: 32 bytes from
// crypto/rand (256 bits) in unpadded lower-case base32.
const apiKeyRandomLen = 52

var apiKeyEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewAPIKeySecret returns a new secret for a key of company:
// "ck_<company>_<52 random base32 characters>".
//
// The secret names its company because one server serves every company
// of a data directory and each company's keys live in that company's own
// file: the name tells the server which file to check the key against,
// with no global index to keep in step. The company name is no secret from
// the key's holder, who can use the key on that company's book anyway. The
// random part has a fixed length, so the company name (which may itself
// contain '_') is read back unambiguously; '_' rather than '.' keeps the
// whole key one word for a double-click in a terminal, and every character
// is safe unescaped in a URL query, where phone systems have to send it.
func NewAPIKeySecret(company string) (string, error) {
	if err := ValidateCompany(company); err != nil {
		return "", err
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return APIKeyPrefix + company + "_" + apiKeyEncoding.EncodeToString(b[:]), nil
}

// APIKeyCompany returns the company that a secret made by NewAPIKeySecret
// names, and false when secret does not have that form. It says nothing
// about whether the key is valid: only the company's book can tell.
func APIKeyCompany(secret string) (string, bool) {
	n := len(secret)
	if n < len(APIKeyPrefix)+1+1+apiKeyRandomLen || !strings.HasPrefix(secret, APIKeyPrefix) || secret[n-apiKeyRandomLen-1] != '_' {
		return "", false
	}
	for _, c := range []byte(secret[n-apiKeyRandomLen:]) {
		if !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return "", false
		}
	}
	company := secret[len(APIKeyPrefix) : n-apiKeyRandomLen-1]
	if ValidateCompany(company) != nil {
		return "", false
	}
	return company, true
}

// NormalizeAPIKeyName checks a key's label: trimmed, valid UTF-8, no
// control characters (it is shown on one line), at most MaxAPIKeyNameLen
// characters. "" is allowed and means no label. Errors are EINVALID on the
// field "name".
func NormalizeAPIKeyName(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", FieldErrorf("name", "not valid UTF-8 text")
	}
	name = strings.TrimSpace(name)
	n := 0
	for _, r := range name {
		if unicode.IsControl(r) {
			return "", FieldErrorf("name", "contains the control character %U, which is not allowed", r)
		}
		if unicode.Is(unicode.Cf, r) { // bidi overrides, zero-width characters
			return "", FieldErrorf("name", "contains the invisible character %U, which is not allowed", r)
		}
		n++
	}
	if n > MaxAPIKeyNameLen {
		return "", FieldErrorf("name", "too long: %d characters, at most %d", n, MaxAPIKeyNameLen)
	}
	return name, nil
}

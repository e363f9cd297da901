package contacts

import (
	"net/mail"
	"strings"
	"unicode"
)

// ValidateEmail checks a trimmed e-mail address: a plain local@domain.tld,
// no display name, comment, angle brackets or quotes, at most 254
// characters. The error is EINVALID on the field "email" and says why.
func ValidateEmail(s string) error {
	bad := func(why string) error { return FieldErrorf("email", "%s is not a valid address: %s", quote(s), why) }
	if len(s) > MaxEmailLen {
		return FieldErrorf("email", "too long: %d characters, at most %d", len(s), MaxEmailLen)
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return bad("it has no @")
	}
	local, domain := s[:at], s[at+1:]
	if local == "" {
		return bad("nothing before the @")
	}
	if domain == "" {
		return bad("nothing after the @")
	}
	for _, r := range s {
		if r >= 0x80 && (unicode.IsControl(r) || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r)) {
			return bad("it contains " + quote(string(r)) + ", an invisible or control character")
		}
		if r <= ' ' || r == 0x7f || r == '"' || r == '<' || r == '>' || r == '(' || r == ')' || r == ',' || r == ';' || r == '[' || r == ']' || r == '\\' {
			return bad("it may only be a plain address, without spaces, quotes, brackets or a display name")
		}
	}
	if len(local) > 64 {
		return bad("the part before the @ is longer than 64 characters")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return bad("it is not of the form name@example.com")
	}
	if !strings.Contains(domain, ".") {
		return bad("the domain needs a dot, as in example.com")
	}
	for _, l := range strings.Split(domain, ".") {
		if l == "" {
			return bad("the domain has an empty label")
		}
		if len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return bad("the domain has a malformed label " + quote(l))
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r >= 0x80) {
				return bad("the domain contains " + quote(string(r)))
			}
		}
	}
	return nil
}

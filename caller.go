package contacts

import (
	"net/url"
	"strings"
)

// NormalizeCaller normalizes a caller's number as a phone system delivers
// it: any form NormalizePhone reads, and also a SIP or SIPS URI
// (sip:+4520123456@pbx.example.com, sips:+4520123456@host;user=phone),
// one in angle brackets with or without a display name
// (<sip:+4520123456@10.0.0.1>, "Niklas" <sip:+4520123456@host>), and a
// tel: URI of a local number with its context (tel:20123456;phone-context=+45).
// The number is the URI's user part; a user part that is not a number
// (sip:alice@host) is EINVALID on "phone", "not a phone number". It is for
// reading a number to look up (lookup, caller ID, a call log), never for
// storing one: a contact's number is a number, not an address at a host.
func NormalizeCaller(raw, region string) (Phone, error) {
	num, err := CallerNumber(raw)
	if err != nil {
		return Phone{}, err
	}
	return NormalizePhone(num, region)
}

// CallerNumber returns the phone number that raw holds, in a form
// NormalizePhone reads: for a SIP or SIPS URI, its user part as a tel: URI
// (the two share their syntax: a number, then parameters such as
// phone-context); raw itself for anything else.
func CallerNumber(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	// name-addr: "Display Name" <URI>, or <URI>.
	if i := strings.LastIndexByte(s, '<'); i >= 0 {
		if j := strings.IndexByte(s[i:], '>'); j > 0 {
			s = strings.TrimSpace(s[i+1 : i+j])
		}
	}
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok || !strings.EqualFold(scheme, "sip") && !strings.EqualFold(scheme, "sips") {
		if s != strings.TrimSpace(raw) && ok && strings.EqualFold(scheme, "tel") {
			return s, nil // <tel:…>
		}
		return raw, nil
	}
	user, _, hasHost := strings.Cut(rest, "@")
	if !hasHost {
		user, _, _ = strings.Cut(rest, ";") // a host-less URI's parameters
	}
	if u, err := url.PathUnescape(user); err == nil {
		user = u
	}
	num, _, _ := strings.Cut(user, ";")
	if !looksLikeNumber(num) {
		return "", FieldErrorf("phone", "%s is not a phone number: the user part of the SIP address is %s", quote(raw), quote(user))
	}
	return "tel:" + user, nil
}

// looksLikeNumber reports whether a SIP user part is meant as a number: it
// holds a digit and no letter, so that sip:alice@host is not read as one.
func looksLikeNumber(s string) bool {
	digit := false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digit = true
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
			return false
		}
	}
	return digit
}

package contacts

import (
	"errors"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/phoneinc/contacts/internal/phonenumbers"
)

// Phone is a validated phone number.
type Phone struct {
	E164      string // "+4520123456": the stored, unique form
	Formatted string // "+45 20 12 34 56": libphonenumber's INTERNATIONAL format
}

// maxPhoneInput bounds the raw input before any parsing; libphonenumber
// refuses more than 250 characters too.
const maxPhoneInput = 250

// maxE164Digits is E.164's limit: a country code and a number of at most 15
// digits in all.
const maxE164Digits = 15

// NormalizePhone turns a phone number as a person or a phone writes it into
// its E.164 form. Formatting characters and a tel: prefix are stripped; a
// number without a country code is read in region (an ISO 3166 alpha-2
// code, "" for none); a leading 00 is read as the international prefix when
// the region does not make it a national number. The number must be valid
// per libphonenumber, not merely of a plausible length. Errors are EINVALID
// on the field "phone" and say why.
func NormalizePhone(raw, region string) (Phone, error) {
	num, err := parsePhone(raw, region)
	if err != nil {
		return Phone{}, err
	}
	return Phone{
		E164:      phonenumbers.Format(num, phonenumbers.E164),
		Formatted: phonenumbers.Format(num, phonenumbers.INTERNATIONAL),
	}, nil
}

// FormatPhone returns the INTERNATIONAL format of an E.164 number, or e164
// itself when it does not parse.
func FormatPhone(e164 string) string {
	num, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return e164
	}
	return phonenumbers.Format(num, phonenumbers.INTERNATIONAL)
}

// WarmPhone loads libphonenumber's metadata, which the first parse of a
// number would otherwise load (a few milliseconds). A command that may
// have to parse a number calls it in a goroutine, so that the loading
// overlaps its other work.
func WarmPhone() {
	phonenumbers.GetSupportedRegions()
}

// DescribePhone says what a valid number is, for a person reading it:
// "Denmark, fixed line or mobile".
func DescribePhone(e164 string) string {
	num, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return "unknown number"
	}
	where := regionName(phonenumbers.GetRegionCodeForNumber(num))
	if where == "" {
		where = "country code +" + itoa(int(num.GetCountryCode()))
	}
	return where + ", " + numberTypes[phonenumbers.GetNumberType(num)]
}

var numberTypes = map[phonenumbers.PhoneNumberType]string{
	phonenumbers.FIXED_LINE:           "fixed line",
	phonenumbers.MOBILE:               "mobile",
	phonenumbers.FIXED_LINE_OR_MOBILE: "fixed line or mobile",
	phonenumbers.TOLL_FREE:            "toll-free",
	phonenumbers.PREMIUM_RATE:         "premium rate",
	phonenumbers.SHARED_COST:          "shared cost",
	phonenumbers.VOIP:                 "VoIP",
	phonenumbers.PERSONAL_NUMBER:      "personal number",
	phonenumbers.PAGER:                "pager",
	phonenumbers.UAN:                  "universal access number",
	phonenumbers.VOICEMAIL:            "voicemail",
	phonenumbers.UNKNOWN:              "unknown type",
}

// NormalizeRegion checks a default region: an ISO 3166 alpha-2 code that
// libphonenumber knows, in any case. It returns the code in upper case, or
// "" for "". The error is EUSAGE on the field "region": a region is always
// a setting, never stored data.
func NormalizeRegion(region string) (string, error) {
	r := strings.ToUpper(strings.TrimSpace(region))
	if r == "" {
		return "", nil
	}
	if len(r) != 2 || !phonenumbers.GetSupportedRegions()[r] {
		return "", &Error{Code: EUSAGE, Field: "region",
			Message: "region: unknown region " + quote(region) + " (want an ISO 3166 alpha-2 code such as DK or US)"}
	}
	return r, nil
}

//go:generate go run ./internal/tools/regionnames regionnames.go

// regionName is the English name of a region code of libphonenumber's (an
// ISO 3166 code, in regionnames.go), "" when the code is not a country
// ("001" for non-geographic numbers), and the code itself for one the
// table does not name.
func regionName(code string) string {
	if code == "" || code == "ZZ" || code == "001" {
		return ""
	}
	if name, ok := regionNames[strings.ToUpper(code)]; ok {
		return name
	}
	return code
}

func parsePhone(raw, region string) (*phonenumbers.PhoneNumber, error) {
	in := strings.TrimSpace(raw)
	if in == "" {
		return nil, FieldErrorf("phone", "required")
	}
	if len(in) > maxPhoneInput {
		return nil, FieldErrorf("phone", "not a number: %d characters is too long for a phone number", utf8.RuneCountInString(in))
	}
	if scheme, _, ok := strings.Cut(in, ":"); ok && (strings.EqualFold(scheme, "sip") || strings.EqualFold(scheme, "sips")) || strings.HasSuffix(in, ">") {
		return nil, FieldErrorf("phone", "%s is a SIP address, not a phone number: write the number itself", quote(in))
	}
	clean, err := stripPhone(in)
	if err != nil {
		return nil, err
	}
	if clean[0] != '+' && strings.HasPrefix(clean, "00") && region == "" {
		clean = "+" + clean[2:] // 00 is the ITU's international prefix
	}
	if clean[0] != '+' && region == "" {
		return nil, FieldErrorf("phone", "%s has no country code: write it as +<country code><number>, or set a default region with --region (e.g. --region DK)", quote(in))
	}
	num, err := parseValid(in, clean, region)
	if err != nil && clean[0] != '+' && strings.HasPrefix(clean, "00") {
		// The region's own international prefix is not 00 (US: 011), yet
		// no national number starts with 00: read it as international.
		if n2, err2 := parseValid(in, "+"+clean[2:], ""); err2 == nil {
			return n2, nil
		}
	}
	return num, err
}

// parseValid parses a stripped number and checks that it is a valid one.
func parseValid(in, clean, region string) (*phonenumbers.PhoneNumber, error) {
	num, err := phonenumbers.Parse(clean, region)
	if err != nil {
		switch {
		case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
			return nil, FieldErrorf("phone", "%s has an unknown country code", quote(in))
		case errors.Is(err, phonenumbers.ErrTooShortNSN), errors.Is(err, phonenumbers.ErrTooShortAfterIDD):
			return nil, FieldErrorf("phone", "%s is too short to be a phone number", quote(in))
		case errors.Is(err, phonenumbers.ErrNumTooLong):
			return nil, FieldErrorf("phone", "%s is too long to be a phone number", quote(in))
		default:
			return nil, FieldErrorf("phone", "%s is not a number", quote(in))
		}
	}
	if phonenumbers.IsValidNumber(num) {
		// libphonenumber knows numbers longer than E.164 allows (some
		// German ranges); such a number cannot be stored in E.164.
		if n := len(phonenumbers.Format(num, phonenumbers.E164)) - 1; n > maxE164Digits {
			return nil, FieldErrorf("phone", "%s is too long: %d digits, and an international number has at most %d", quote(in), n, maxE164Digits)
		}
		return num, nil
	}
	where := regionName(phonenumbers.GetRegionCodeForCountryCode(int(num.GetCountryCode())))
	if where == "" {
		where = "country code +" + itoa(int(num.GetCountryCode()))
	}
	switch phonenumbers.IsPossibleNumberWithReason(num) {
	case phonenumbers.INVALID_COUNTRY_CODE:
		return nil, FieldErrorf("phone", "%s has an unknown country code", quote(in))
	case phonenumbers.TOO_SHORT:
		return nil, FieldErrorf("phone", "%s is too short for a number in %s", quote(in), where)
	case phonenumbers.TOO_LONG:
		return nil, FieldErrorf("phone", "%s is too long for a number in %s", quote(in), where)
	case phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
		return nil, FieldErrorf("phone", "%s is too short for a number in %s: include the area code", quote(in), where)
	case phonenumbers.INVALID_LENGTH:
		return nil, FieldErrorf("phone", "%s has the wrong length for a number in %s", quote(in), where)
	default:
		return nil, FieldErrorf("phone", "%s is not a valid number in %s (no such number range)", quote(in), where)
	}
}

// stripPhone removes formatting from a phone number: it returns "+digits"
// or "digits", with any Unicode decimal digits made ASCII. It refuses
// letters and extensions, which a stored E.164 number cannot keep.
func stripPhone(in string) (string, error) {
	s := in
	if len(s) >= 4 && strings.EqualFold(s[:4], "tel:") {
		s = s[4:]
		if i := strings.IndexByte(s, ';'); i >= 0 { // RFC 3966 parameters
			var context string
			for _, p := range strings.Split(s[i+1:], ";") {
				k, v, _ := strings.Cut(p, "=")
				switch strings.ToLower(strings.TrimSpace(k)) {
				case "ext", "isub":
					return "", FieldErrorf("phone", "%s has an extension, which a phone number cannot store", quote(in))
				case "phone-context":
					context = strings.TrimSpace(v)
				}
			}
			s = s[:i]
			// A local number's context is a global number's prefix
			// ("+45"), or a domain, which leaves it to the region.
			if strings.HasPrefix(context, "+") && !strings.HasPrefix(strings.TrimSpace(s), "+") {
				s = context + s
			}
		}
	}
	b := make([]byte, 0, len(s))
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b = append(b, byte(r))
		case unicode.IsDigit(r):
			b = append(b, phonenumbers.NormalizeDigitsOnly(string(r))...)
		case r == '+' || r == '\uFF0B':
			if len(b) > 0 || strings.ContainsAny(s[:i], "+\uFF0B") {
				return "", FieldErrorf("phone", "%s is not a number: a + may only lead", quote(in))
			}
			b = append(b, '+')
		case isPhonePunct(r):
		case r == 'x' || r == 'X' || r == '#' || r == ';' || r == ',':
			if len(b) > 1 {
				return "", FieldErrorf("phone", "%s has an extension, which a phone number cannot store", quote(in))
			}
			return "", FieldErrorf("phone", "%s is not a number", quote(in))
		case unicode.IsLetter(r):
			if len(b) > 1 && strings.HasPrefix(strings.ToLower(s[i:]), "ext") {
				return "", FieldErrorf("phone", "%s has an extension, which a phone number cannot store", quote(in))
			}
			return "", FieldErrorf("phone", "%s is not a number: it contains letters", quote(in))
		default:
			return "", FieldErrorf("phone", "%s is not a number: unexpected character %s", quote(in), quote(string(r)))
		}
	}
	digits := len(b)
	if digits > 0 && b[0] == '+' {
		digits--
	}
	if digits == 0 {
		return "", FieldErrorf("phone", "%s is not a number", quote(in))
	}
	return string(b), nil
}

// isPhonePunct reports the separators people and phones write between
// digits: spaces, dashes, dots, slashes, brackets and tildes.
func isPhonePunct(r rune) bool {
	switch r {
	case ' ', '\t', '-', '.', '(', ')', '[', ']', '/', '~', '\u00A0', '\u00AD', '\u200B', '\u2060',
		'\u2212', '\u30FC', '\u3000', '\u2053', '\u223C', '\uFF5E', '\uFF08', '\uFF09', '\uFF3B', '\uFF3D', '\uFF0D', '\uFF0E', '\uFF0F':
		return true
	}
	return r >= '\u2010' && r <= '\u2015' || unicode.Is(unicode.Zs, r)
}

// QuickE164 reads raw as an E.164 number without libphonenumber: it strips
// a tel: prefix and the common separators (spaces, dashes, dots, brackets,
// slashes) and reads a leading 00 as + when there is no default region. It
// returns false for anything else. The result is not validated: it is only
// a key to probe stored numbers with, which are all valid and canonical. A
// canonical E.164 number parses to itself, so when the probe finds a stored
// number, that number is what NormalizePhone would have returned; when it
// finds none, normalize and look again.
func QuickE164(raw, region string) (string, bool) {
	s := strings.TrimSpace(raw)
	if len(s) > maxPhoneInput { // what NormalizePhone refuses, the probe refuses
		return "", false
	}
	if len(s) >= 4 && strings.EqualFold(s[:4], "tel:") {
		s = s[4:]
	}
	var buf [24]byte
	b := buf[:0]
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if len(b) == cap(buf) {
				return "", false
			}
			b = append(b, c)
		case c == '+':
			if len(b) > 0 {
				return "", false
			}
			b = append(b, c)
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/':
		default:
			return "", false
		}
	}
	if len(b) > 2 && b[0] == '0' && b[1] == '0' && region == "" {
		b = append(b[:0:0], append([]byte{'+'}, b[2:]...)...)
	}
	if len(b) < 6 || len(b) > 1+maxE164Digits || b[0] != '+' || b[1] == '0' {
		return "", false
	}
	return string(b), true
}

// Regions lists the region codes NormalizeRegion takes (ISO 3166 alpha-2),
// sorted: what --region completes.
func Regions() []string {
	var out []string
	for r := range phonenumbers.GetSupportedRegions() {
		if len(r) == 2 {
			out = append(out, r)
		}
	}
	sort.Strings(out)
	return out
}

// RegionName is the English name of a region code, "" when unknown.
func RegionName(code string) string { return regionName(code) }

package contacts

// MaxCompanyLen bounds a company name, which names a file.
const MaxCompanyLen = 64

// DefaultCompany is the company used when none is configured.
const DefaultCompany = "default"

// ValidateCompany checks a company name before any path is built from it:
// ASCII letters, digits, '.', '_' and '-', starting with a letter or a digit,
// at most 64 characters. The name becomes a file name, so nothing else may
// pass: no '/', no "..", no NUL, no look-alike Unicode. The error is EUSAGE
// on the field "company".
func ValidateCompany(name string) error {
	if name == "" {
		return &Error{Code: EUSAGE, Field: "company", Message: "company: a company name is required"}
	}
	if len(name) > MaxCompanyLen {
		return &Error{Code: EUSAGE, Field: "company", Message: "company: " + quote(name) + " is longer than 64 characters"}
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if i == 0 && !alnum {
			return &Error{Code: EUSAGE, Field: "company", Message: "company: " + quote(name) + " must start with a letter or a digit"}
		}
		if !alnum && c != '.' && c != '_' && c != '-' {
			return &Error{Code: EUSAGE, Field: "company", Message: "company: " + quote(name) + " may only contain ASCII letters, digits, '.', '_' and '-'"}
		}
	}
	return nil
}

package contacts_test

import (
	"strings"
	"testing"

	"github.com/phoneinc/contacts"
)

func TestNormalizeCaller(t *testing.T) {
	for _, tc := range []struct {
		in, region, want string // want "" means EINVALID on phone
	}{
		{"+4520123456", "", "+4520123456"},
		{"+45 20 12 34 56", "", "+4520123456"},
		{"004520123456", "", "+4520123456"},
		{"20 12 34 56", "DK", "+4520123456"},
		{"tel:+45-20-12-34-56", "", "+4520123456"},
		{"sip:+4520123456@pbx.example.com", "", "+4520123456"},
		{"SIP:+4520123456@pbx.example.com", "", "+4520123456"},
		{"sips:+4520123456@host;user=phone", "", "+4520123456"},
		{"<sip:+4520123456@10.0.0.1>", "", "+4520123456"},
		{`"Niklas" <sip:+4520123456@host>`, "", "+4520123456"},
		{`"Niklas <boss>" <sip:+4520123456@host>;tag=abc`, "", "+4520123456"},
		{"sip:%2B4520123456@host", "", "+4520123456"},
		{"sip:20123456@pbx", "DK", "+4520123456"},
		{"sip:20123456;phone-context=+45@pbx;user=phone", "", "+4520123456"},
		{"sip:+4520123456", "", "+4520123456"},
		{"tel:20123456;phone-context=+45", "", "+4520123456"},
		{"tel:20123456;phone-context=+45", "US", "+4520123456"},
		{"<tel:+4520123456>", "", "+4520123456"},
		{"tel:20123456;phone-context=example.com", "DK", "+4520123456"},
		{"sip:alice@host", "DK", ""},
		{"sip:@host", "DK", ""},
		{"sips:anonymous@anonymous.invalid", "", ""},
		{"sip:+4520123456;ext=12@host", "", ""},
		{"tel:+4520123456;ext=12", "", ""},
		{"mailto:a@b.dk", "", ""},
	} {
		p, err := contacts.NormalizeCaller(tc.in, tc.region)
		if tc.want == "" {
			if contacts.ErrorCode(err) != contacts.EINVALID || contacts.ErrorField(err) != "phone" {
				t.Errorf("NormalizeCaller(%q, %q) = %v, %v; want EINVALID on phone", tc.in, tc.region, p, err)
			}
			continue
		}
		if err != nil || p.E164 != tc.want {
			t.Errorf("NormalizeCaller(%q, %q) = %v, %v; want %s", tc.in, tc.region, p, err, tc.want)
		}
	}
}

// TestNormalizePhoneRefusesSIP: a contact's number is a number: add and
// imports refuse a SIP address, saying so, but read a tel: URI's context.
func TestNormalizePhoneRefusesSIP(t *testing.T) {
	for _, in := range []string{"sip:+4520123456@pbx.example.com", "sips:+4520123456@host", "<sip:+4520123456@host>", `"N" <sip:+4520123456@h>`} {
		_, err := contacts.NormalizePhone(in, "DK")
		if contacts.ErrorCode(err) != contacts.EINVALID || err == nil || !strings.Contains(err.Error(), "SIP address") {
			t.Errorf("NormalizePhone(%q) = %v, want a SIP address refused", in, err)
		}
	}
	if p, err := contacts.NormalizePhone("tel:20123456;phone-context=+45", "US"); err != nil || p.E164 != "+4520123456" {
		t.Errorf("tel: with a phone-context: %v, %v", p, err)
	}
}

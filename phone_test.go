package contacts_test

import (
	"strings"
	"testing"

	"github.com/phoneinc/contacts"
)

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		in, region, e164, formatted string
	}{
		// Denmark, in every written form the README lists.
		{"+4520123456", "", "+4520123456", "+45 20 12 34 56"},
		{"+45 20 12 34 56", "", "+4520123456", "+45 20 12 34 56"},
		{"+45-20-12-34-56", "", "+4520123456", "+45 20 12 34 56"},
		{"(+45) 2012 3456", "", "+4520123456", "+45 20 12 34 56"},
		{"tel:+45-20-12-34-56", "", "+4520123456", "+45 20 12 34 56"},
		{"TEL:+45.20.12.34.56", "", "+4520123456", "+45 20 12 34 56"},
		{"  +45 20 12 34 56\t", "", "+4520123456", "+45 20 12 34 56"},
		{"20 12 34 56", "DK", "+4520123456", "+45 20 12 34 56"},
		{"004520123456", "", "+4520123456", "+45 20 12 34 56"},
		{"0045 20 12 34 56", "DK", "+4520123456", "+45 20 12 34 56"},
		{"0045 20 12 34 56", "US", "+4520123456", "+45 20 12 34 56"},
		{"011 45 20 12 34 56", "US", "+4520123456", "+45 20 12 34 56"},
		{"+45\u00a020\u00a012\u00a034\u00a056", "", "+4520123456", "+45 20 12 34 56"},
		{"+٤٥٢٠١٢٣٤٥٦", "", "+4520123456", "+45 20 12 34 56"},
		{"＋４５２０１２３４５６", "", "+4520123456", "+45 20 12 34 56"},
		// United States.
		{"(415) 555-2671", "US", "+14155552671", "+1 415-555-2671"},
		{"415.555.2671", "US", "+14155552671", "+1 415-555-2671"},
		{"+1 415 555 2671", "", "+14155552671", "+1 415-555-2671"},
		{"1-415-555-2671", "US", "+14155552671", "+1 415-555-2671"},
		{"+1 800 356 9377", "", "+18003569377", "+1 800-356-9377"},
		// United Kingdom.
		{"+44 121 234 5678", "", "+441212345678", "+44 121 234 5678"},
		{"07400 123456", "GB", "+447400123456", "+44 7400 123456"},
		{"+44 (0)7400 123456", "", "+447400123456", "+44 7400 123456"},
		// Germany.
		{"+49 30 123456", "", "+4930123456", "+49 30 123456"},
		{"0151 23456789", "DE", "+4915123456789", "+49 1512 3456789"},
		{"0151/23456789", "de", "+4915123456789", "+49 1512 3456789"},
		// France.
		{"+33 1 23 45 67 89", "", "+33123456789", "+33 1 23 45 67 89"},
		{"06 12 34 56 78", "FR", "+33612345678", "+33 6 12 34 56 78"},
		// Sweden.
		{"+46 8 12 34 56", "", "+468123456", "+46 8 12 34 56"},
		{"070-123 45 67", "SE", "+46701234567", "+46 70 123 45 67"},
		// Norway.
		{"+47 21 23 45 67", "", "+4721234567", "+47 21 23 45 67"},
		// Netherlands.
		{"+31 10 123 4567", "", "+31101234567", "+31 10 123 4567"},
		{"06-12345678", "NL", "+31612345678", "+31 6 12345678"},
		// Japan.
		{"+81 3-1234-5678", "", "+81312345678", "+81 3-1234-5678"},
		{"090-1234-5678", "JP", "+819012345678", "+81 90-1234-5678"},
		// India.
		{"+91 81234 56789", "", "+918123456789", "+91 81234 56789"},
		// Brazil.
		{"+55 11 2345-6789", "", "+551123456789", "+55 11 2345-6789"},
		{"(11) 96123-4567", "BR", "+5511961234567", "+55 11 96123-4567"},
		// Australia.
		{"+61 2 1234 5678", "", "+61212345678", "+61 2 1234 5678"},
		{"0412 345 678", "AU", "+61412345678", "+61 412 345 678"},
		// China, Spain, Switzerland.
		{"+86 131 2345 6789", "", "+8613123456789", "+86 131 2345 6789"},
		{"+34 612 34 56 78", "", "+34612345678", "+34 612 34 56 78"},
		{"+41 21 234 56 78", "", "+41212345678", "+41 21 234 56 78"},
		// Non-geographic: international freephone.
		{"+800 1234 5678", "", "+80012345678", "+800 1234 5678"},
	}
	for _, tt := range tests {
		t.Run(tt.in+"/"+tt.region, func(t *testing.T) {
			region, err := contacts.NormalizeRegion(tt.region)
			if err != nil {
				t.Fatal(err)
			}
			p, err := contacts.NormalizePhone(tt.in, region)
			if err != nil {
				t.Fatalf("NormalizePhone(%q, %q): %v", tt.in, tt.region, err)
			}
			if got, want := p.E164, tt.e164; got != want {
				t.Errorf("E164=%q, want %q", got, want)
			}
			if got, want := p.Formatted, tt.formatted; got != want {
				t.Errorf("Formatted=%q, want %q", got, want)
			}
			if got, want := contacts.FormatPhone(p.E164), tt.formatted; got != want {
				t.Errorf("FormatPhone=%q, want %q", got, want)
			}
		})
	}
}

func TestNormalizePhoneErrors(t *testing.T) {
	tests := []struct {
		in, region, why string
	}{
		{"", "", "required"},
		{"   ", "DK", "required"},
		{"abc", "", "not a number"},
		{"call me", "US", "not a number"},
		{"+1 415 555 2671 call me", "", "not a number"},
		{"---", "", "not a number"},
		{"+", "", "not a number"},
		{"45+20123456", "", "+ may only lead"},
		{"+45 2012", "", "too short"},
		{"+45 2012 3456 7890", "", "too long"},
		{"+4", "", "not a number"},
		{"+999 123 456", "", "unknown country code"},
		{"+1 555 555 5555", "", "not a valid number in United States"},
		{"+44 7700 900123", "", "not a valid number in United Kingdom"},
		{"555 2671", "US", "include the area code"},
		{"415 555 2671", "DK", "Denmark"},
		{"20 12 34 56", "", "--region"},
		{"(415) 555-2671", "", "no country code"},
		{"+1 415 555 2671 ext. 12", "", "extension"},
		{"+1 415 555 2671 x12", "", "extension"},
		{"tel:+1-415-555-2671;ext=12", "", "extension"},
		{"+45 20 12 34 56 \x1b[31m", "", "not a number"},
		{strings.Repeat("1", 300), "", "too long"},
		{"+" + strings.Repeat("1", 30), "", "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := contacts.NormalizePhone(tt.in, tt.region)
			if err == nil {
				t.Fatalf("NormalizePhone(%q, %q) succeeded, want an error", tt.in, tt.region)
			}
			if got, want := contacts.ErrorCode(err), contacts.EINVALID; got != want {
				t.Errorf("code=%q, want %q", got, want)
			}
			if got, want := contacts.ErrorField(err), "phone"; got != want {
				t.Errorf("field=%q, want %q", got, want)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "phone: ") || !strings.Contains(msg, tt.why) {
				t.Errorf("message %q does not say %q", msg, tt.why)
			}
			if strings.ContainsAny(err.Error(), "\x1b\n") {
				t.Errorf("message %q carries a raw control character", err.Error())
			}
		})
	}
}

func TestNormalizeRegion(t *testing.T) {
	for in, want := range map[string]string{"": "", "dk": "DK", "US": "US", " gb ": "GB"} {
		if got, err := contacts.NormalizeRegion(in); err != nil || got != want {
			t.Errorf("NormalizeRegion(%q)=%q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"XX", "DNK", "D", "45", "../"} {
		_, err := contacts.NormalizeRegion(in)
		if got, want := contacts.ErrorCode(err), contacts.EUSAGE; got != want {
			t.Errorf("NormalizeRegion(%q) code=%q, want %q", in, got, want)
		}
	}
}

func TestDescribePhone(t *testing.T) {
	tests := map[string]string{
		"+4520123456":    "Denmark, fixed line or mobile",
		"+441212345678":  "United Kingdom, fixed line",
		"+447400123456":  "United Kingdom, mobile",
		"+14155552671":   "United States, fixed line or mobile",
		"+18003569377":   "United States, toll-free",
		"+4915123456789": "Germany, mobile",
		"+80012345678":   "country code +800, toll-free",
	}
	for in, want := range tests {
		if got := contacts.DescribePhone(in); got != want {
			t.Errorf("DescribePhone(%q)=%q, want %q", in, got, want)
		}
	}
}

func TestQuickE164(t *testing.T) {
	tests := []struct {
		in, region, want string
		ok               bool
	}{
		{"+4520123456", "", "+4520123456", true},
		{"+45 20 12 34 56", "DK", "+4520123456", true},
		{"tel:+45-20-12-34-56", "", "+4520123456", true},
		{"(+45) 2012.3456", "", "+4520123456", true},
		{"004520123456", "", "+4520123456", true},
		{"004520123456", "DK", "", false}, // the region decides what 00 means
		{"20 12 34 56", "DK", "", false},
		{"+45 20 12 34 56 ext 1", "", "", false},
		{"45+20123456", "", "", false},
		{"+0123456", "", "", false},
		{"+٤٥٢٠١٢٣٤٥٦", "", "", false},
		{"+1234567890123456789", "", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		got, ok := contacts.QuickE164(tt.in, tt.region)
		if got != tt.want || ok != tt.ok {
			t.Errorf("QuickE164(%q, %q)=%q,%v; want %q,%v", tt.in, tt.region, got, ok, tt.want, tt.ok)
		}
		// Whatever the probe gives for a valid number is its E.164 form.
		if ok {
			if p, err := contacts.NormalizePhone(tt.in, tt.region); err == nil && p.E164 != got {
				t.Errorf("QuickE164(%q)=%q but NormalizePhone gives %q", tt.in, got, p.E164)
			}
		}
	}
}

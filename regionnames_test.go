package contacts

import (
	"slices"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// The generated table (go generate) names every region libphonenumber
// knows as golang.org/x/text does, and is sorted for the binary search.
func TestRegionNames(t *testing.T) {
	if !slices.IsSortedFunc(regionNames[:], func(a, b struct{ code, name string }) int { return strings.Compare(a.code, b.code) }) {
		t.Fatal("regionNames is not sorted by code")
	}
	for code := range phonenumbers.GetSupportedRegions() {
		want := code
		if r, err := language.ParseRegion(code); err == nil {
			if name := display.English.Regions().Name(r); name != "" {
				want = name
			}
		}
		if got := regionName(code); got != want {
			t.Errorf("regionName(%q) = %q, want %q: run go generate", code, got, want)
		}
	}
	for code, want := range map[string]string{"DK": "Denmark", "US": "United States", "GB": "United Kingdom", "001": "", "ZZ": "", "": "", "QQ": "QQ"} {
		if got := regionName(code); got != want {
			t.Errorf("regionName(%q) = %q, want %q", code, got, want)
		}
	}
}

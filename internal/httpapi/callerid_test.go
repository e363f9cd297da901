package httpapi_test

import (
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/httpapi"
	"github.com/phoneinc/contacts/store"
)

func TestCallerID(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	key := e.key["acme"]
	e.create("acme", `{"phone":"+4520123456","name":"Niklas Stephenson","company_name":"Stephenson ApS"}`)
	e.create("acme", `{"phone":"+4520123457","company_name":"Stephenson ApS"}`)
	e.create("acme", `{"phone":"+4520123458"}`)
	e.create("acme", `{"phone":"+14155552671","name":"Ann\n\tJensen \u202eevil\u202c  (Sales)"}`)
	e.create("acme", `{"phone":"+4520123459","name":"Søren Kierkegaard-Østergård"}`)
	e.create("acme", `{"phone":"+4520123460","name":"Ada\u200b Boss\u00ad\udb40\udc41"}`)

	q := func(v url.Values) string { return "/api/v1/callerid?" + v.Encode() }
	for _, tc := range []struct {
		name   string
		path   string
		header string // X-Api-Key
		status int
		body   string
	}{
		{"Name", q(url.Values{"phone": {"+4520123456"}, "key": {key}}), "", 200, "Niklas Stephenson"},
		{"V1", "/v1/callerid?" + url.Values{"phone": {"+4520123456"}, "key": {key}}.Encode(), "", 200, "Niklas Stephenson"},
		{"UnescapedPlus", "/api/v1/callerid?phone=+4520123456&key=" + key, "", 200, "Niklas Stephenson"},
		{"AnyForm", q(url.Values{"phone": {"tel:+45-20-12-34-56"}, "key": {key}}), "", 200, "Niklas Stephenson"},
		{"National", q(url.Values{"phone": {"20123456"}, "key": {key}}), "", 200, "Niklas Stephenson"},
		{"CompanyName", q(url.Values{"phone": {"+4520123457"}, "key": {key}}), "", 200, "Stephenson ApS"},
		{"NoNameAtAll", q(url.Values{"phone": {"+4520123458"}, "key": {key}}), "", 200, ""},
		{"HeaderKey", q(url.Values{"phone": {"+4520123456"}}), key, 200, "Niklas Stephenson"},
		{"ControlChars", q(url.Values{"phone": {"+14155552671"}, "key": {key}}), "", 200, `Ann Jensen \u202eevil\u202c (Sales)`},
		{"Max15", q(url.Values{"phone": {"+4520123456"}, "key": {key}, "max": {"15"}}), "", 200, "Niklas Stephens"},
		{"MaxNoTrailingSpace", q(url.Values{"phone": {"+4520123456"}, "key": {key}, "max": {"7"}}), "", 200, "Niklas"},
		{"SIP", "/api/v1/callerid?key=" + key + "&phone=sip:+4520123456@pbx.example.com", "", 200, "Niklas Stephenson"},
		{"SIPNameAddr", q(url.Values{"phone": {`"N" <sips:+4520123456@host;user=phone>`}, "key": {key}}), "", 200, "Niklas Stephenson"},
		{"TelContext", "/api/v1/callerid?key=" + key + "&phone=tel:20123456;phone-context=+45", "", 200, "Niklas Stephenson"},
		{"SIPNotANumber", q(url.Values{"phone": {"sip:alice@host"}, "key": {key}}), "", 200, ""},
		{"Invisible", q(url.Values{"phone": {"+4520123460"}, "key": {key}}), "", 200, `Ada\u200b Boss\u00ad\U000e0041`},
		{"MaxCharacters", q(url.Values{"phone": {"+4520123459"}, "key": {key}, "max": {"15"}}), "", 200, "Søren Kierkegaa"},
		{"Length", q(url.Values{"phone": {"+4520123456"}, "key": {key}, "length": {"6"}}), "", 200, "Niklas"},
		{"MaxLonger", q(url.Values{"phone": {"+4520123456"}, "key": {key}, "max": {"100"}}), "", 200, "Niklas Stephenson"},
		{"NoMatch", q(url.Values{"phone": {"+4520999999"}, "key": {key}}), "", 200, ""},
		{"NotANumber", q(url.Values{"phone": {"anonymous"}, "key": {key}}), "", 200, ""},
		{"NoNumber", q(url.Values{"key": {key}}), "", 200, ""},
		{"EmptyNumber", q(url.Values{"phone": {""}, "key": {key}}), "", 200, ""},
		{"ErrNoKey", q(url.Values{"phone": {"+4520123456"}}), "", 401, ""},
		{"ErrWrongKey", q(url.Values{"phone": {"+4520123456"}, "key": {key + "x"}}), "", 401, ""},
		{"OtherCompanysKey", q(url.Values{"phone": {"+4520123456"}, "key": {e.key["beta"]}}), "", 200, ""},
		{"ErrBadMax", q(url.Values{"phone": {"+4520123456"}, "key": {key}, "max": {"x"}}), "", 400, ""},
		{"ErrZeroMax", q(url.Values{"phone": {"+4520123456"}, "key": {key}, "max": {"0"}}), "", 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("GET", tc.path, tc.header, "")
			r.want(t, tc.status, "text/plain; charset=utf-8")
			if r.body != tc.body {
				t.Errorf("body=%q, want %q", r.body, tc.body)
			}
			if r.header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control=%q", r.header.Get("Cache-Control"))
			}
		})
	}
	t.Run("ErrMethod", func(t *testing.T) {
		r := e.do("POST", "/api/v1/callerid?phone=%2B4520123456&key="+key, "", "")
		if r.status != http.StatusMethodNotAllowed || r.body != "" || r.header.Get("Allow") != "GET, HEAD" {
			t.Errorf("POST: %d %q %v", r.status, r.body, r.header)
		}
	})
	t.Run("ErrBrokenBookIsEmpty401", func(t *testing.T) {
		// A key naming a company whose file is not a book cannot be
		// checked: 401 with an empty body, as any wrong key, and the
		// access log says why.
		path, _ := store.Path(e.dir, "broken")
		if err := os.WriteFile(path, []byte("not a database, and long enough not to be empty"), 0o600); err != nil {
			t.Fatal(err)
		}
		k, _ := contacts.NewAPIKeySecret("broken")
		r := e.do("GET", q(url.Values{"phone": {"+4520123456"}, "key": {k}}), "", "")
		if r.status != 401 || r.body != "" {
			t.Errorf("%d %q", r.status, r.body)
		}
		if !strings.Contains(e.log.String(), `error="`+path) {
			t.Errorf("the log does not say why:\n%s", e.log)
		}
	})
}

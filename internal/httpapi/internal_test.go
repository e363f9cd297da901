package httpapi

import (
	"errors"
	"net/url"
	"testing"

	"github.com/phoneinc/contacts"
)

func TestDisplayText(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"Ann Jensen", 0, "Ann Jensen"},
		{"  Ann \n\t Jensen\r\n", 0, "Ann Jensen"},
		{"Ann\u2028Jensen", 0, "Ann Jensen"},
		{"Ann\x00\x1b[31mRed", 0, `Ann\x00\x1b[31mRed`},
		{"\u202eAnn\u202c \u2066Jensen\u2069", 0, `\u202eAnn\u202c \u2066Jensen\u2069`},
		{"Ada\u200b Boss", 0, `Ada\u200b Boss`},
		{"Ada\u00adBoss\u2060\U000e0041", 0, `Ada\u00adBoss\u2060\U000e0041`},
		{"Ada\u200bBoss", 8, `Ada`},
		{"Ada\u200bBoss", 9, `Ada\u200b`},
		{"Niklas Stephenson", 15, "Niklas Stephens"},
		{"Niklas Stephenson", 7, "Niklas"},
		{"Niklas Stephenson", 6, "Niklas"},
		{"Søren Østergård", 7, "Søren Ø"},
		{"李小龍 Bruce", 3, "李小龍"},
		{"", 15, ""},
		{"\n\t", 0, ""},
	} {
		if got := displayText(tc.in, tc.max); got != tc.want {
			t.Errorf("displayText(%q, %d)=%q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}

func TestQueryPhone(t *testing.T) {
	for raw, want := range map[string]string{
		"phone=+4520123456":                    "+4520123456",
		"phone=%2B4520123456":                  "+4520123456",
		"phone=+45+20+12+34+56":                "+45 20 12 34 56",
		"phone=%2B45%2020%2012%2034%2056":      "+45 20 12 34 56",
		"key=x&phone=20123456&max=15":          "20123456",
		"phone=":                               "",
		"":                                     "",
		"phones=1":                             "",
		"phone=%zz":                            "",
		"phone=1&phone=2":                      "1",
		"phone=sip:+4520123456@pbx":            "sip:+4520123456@pbx",
		"phone=%3Csip:+4520123456@h%3E":        "<sip:+4520123456@h>",
		"phone=tel:20123456;phone-context=+45": "tel:20123456;phone-context=+45",
		"phone=sip%3A%2B4520123456%40pbx":      "sip:+4520123456@pbx",
	} {
		if got := queryPhone(raw); got != want {
			t.Errorf("queryPhone(%q)=%q, want %q", raw, got, want)
		}
	}
}

func TestLogTarget(t *testing.T) {
	key := "ck_acme_" + "abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrst"
	for raw, want := range map[string]string{
		"/api/v1/contacts": "/api/v1/contacts",
		"/api/v1/contacts?phone=%2B4520123456&limit=2":    "/api/v1/contacts?phone=%2B4520123456&limit=2",
		"/api/v1/callerid?key=" + key + "&phone=1":        "/api/v1/callerid?key=REDACTED&phone=1",
		"/api/v1/callerid?KEY=x&apiKey=y&token=z&a=b":     "/api/v1/callerid?KEY=REDACTED&apiKey=REDACTED&token=REDACTED&a=b",
		"/api/v1/callerid?x=" + key:                       "/api/v1/callerid?x=REDACTED",
		"/api/v1/callerid?a=1;key=" + key:                 "/api/v1/callerid?a=1&key=REDACTED",
		"/api/v1/contacts/" + key:                         "/api/v1/contacts/REDACTED",
		"/api/v1/callerid?note=back_office&key%3D=" + key: "/api/v1/callerid?note=back_office&key%3D=REDACTED",
		"/a%20b?q=%E2%80%AE":                              "/a%20b?q=%E2%80%AE",
	} {
		u, err := url.ParseRequestURI(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := logTarget(u); got != want {
			t.Errorf("logTarget(%q)\n got %q\nwant %q", raw, got, want)
		}
	}
	if got := escapeLog("a\nb c\x7fé"); got != "a%0Ab%20c%7F%C3%A9" {
		t.Errorf("escapeLog=%q", got)
	}
}

func TestAppendErrorJSON(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{contacts.FieldErrorf("phone", "too short"), `{"error":{"code":"invalid","field":"phone","message":"phone: too short"}}`},
		{&contacts.Error{Code: contacts.ECONFLICT, Field: "phone", ContactID: "01ARZ3NDEKTSV4RRFFQ69G5FAV", Message: "taken"},
			`{"error":{"code":"conflict","field":"phone","contact_id":"01ARZ3NDEKTSV4RRFFQ69G5FAV","message":"taken"}}`},
		{errors.New("disk on fire at /secret/path"), `{"error":{"code":"internal","field":null,"message":"internal error"}}`},
		{&contacts.Error{Code: contacts.EINTERNAL, Field: "x", Message: "detail"}, `{"error":{"code":"internal","field":null,"message":"internal error"}}`},
		{withStatus(413, contacts.EUSAGE, "too big"), `{"error":{"code":"usage","field":null,"message":"too big"}}`},
	} {
		if got := string(appendErrorJSON(nil, tc.err)); got != tc.want+"\n" {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
	if got := errorStatus(withStatus(413, contacts.EUSAGE, "x")); got != 413 {
		t.Errorf("status %d", got)
	}
}

func TestAPIRoot(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:8080":         "http://127.0.0.1:8080/api/v1",
		"http://127.0.0.1:8080/":        "http://127.0.0.1:8080/api/v1",
		"https://app.phone.inc/api":     "https://app.phone.inc/api/v1",
		"https://app.phone.inc/api/v1/": "https://app.phone.inc/api/v1",
		"https://app.phone.inc/api/v1":  "https://app.phone.inc/api/v1",
		"http://h/v1":                   "http://h/v1",
		" http://h:1/x?y=z#f ":          "http://h:1/x/v1",
	} {
		u, err := apiRoot(in)
		if err != nil || u.String() != want {
			t.Errorf("apiRoot(%q)=%v, %v; want %s", in, u, err, want)
		}
	}
}

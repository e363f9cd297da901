package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestInvalidJSONText: a body with a key given twice (encoding/json would
// keep the last value) or a lone surrogate escape (it would store U+FFFD)
// is invalid input: 422 naming the field, for POST and PATCH alike, and
// nothing is stored or changed. A surrogate pair is a character.
func TestInvalidJSONText(t *testing.T) {
	h, key := acmeHandler(t)
	rec := serveOnce(h, "POST", "/api/v1/contacts", key, []byte(`{"phone":"+4570121212","name":"Ada","note":"\ud83d\ude42"}`))
	if rec.Code != http.StatusCreated || !strings.Contains(rec.Body.String(), `"note":"🙂"`) {
		t.Fatal(rec.Code, rec.Body)
	}
	id := strings.Split(rec.Body.String(), `"`)[3]
	before := serveOnce(h, "GET", "/api/v1/contacts", key, nil).Body.String()

	for _, tc := range []struct{ body, field string }{
		{`{"phone":"+4520123456","name":"a","name":"b"}`, "name"},
		{`{"phone":"+4520123456","phone":"+4520123457"}`, "phone"},
		{`{"phone":"+4520123456","note":null,"note":"x"}`, "note"},
		{`{"phone":"+4520123456","n\u0061me":"a","name":"b"}`, "name"},
		{`{"phone":"+4520123456","name":"\ud800x"}`, "name"},
		{`{"phone":"+4520123456","note":"x\uDFFF"}`, "note"},
		{`{"phone":"+4520123456","email":"a\ud83d@example.com"}`, "email"},
		{`{"phone":"+4520123456","company_name":"\ude42\ud83d"}`, "company_name"},
	} {
		for _, target := range []string{"/api/v1/contacts", "/api/v1/contacts/" + id} {
			method := map[bool]string{true: "POST", false: "PATCH"}[target == "/api/v1/contacts"]
			rec := serveOnce(h, method, target, key, []byte(tc.body))
			want := `{"error":{"code":"invalid","field":"` + tc.field + `",`
			if rec.Code != http.StatusUnprocessableEntity || !strings.HasPrefix(rec.Body.String(), want) {
				t.Errorf("%s %s: %d %s, want 422 starting %s", method, tc.body, rec.Code, rec.Body, want)
			}
		}
	}
	if after := serveOnce(h, "GET", "/api/v1/contacts", key, nil).Body.String(); after != before {
		t.Errorf("the book changed:\n%s\nwas\n%s", after, before)
	}
}

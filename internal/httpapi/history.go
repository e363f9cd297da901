package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/phoneinc/contacts"
)

// The history routes (see the package comment):
//
//	GET  /api/v1/operations[?limit=N][&since=TIME]   200, the operations, newest first
//	POST /api/v1/operations/{id}/undo[?force=true]   200, the undo, an operation ({id}: "last" for the last)
//	GET  /api/v1/contacts/{id}/history               200, the contact's revisions, oldest first ({id}: or a number it has or had)
//	POST /api/v1/contacts/{id}/restore               201, the contact brought back
func (s *Server) historyRoutes(mux *http.ServeMux, p string) {
	mux.HandleFunc("GET "+p+"/operations", s.withBook(s.listOperations))
	mux.HandleFunc(p+"/operations", methodNotAllowed("GET, HEAD"))
	mux.HandleFunc("POST "+p+"/operations/{id}/undo", s.withBook(s.undoOperation))
	mux.HandleFunc(p+"/operations/{id}/undo", methodNotAllowed("POST"))
	mux.HandleFunc("GET "+p+"/contacts/{id}/history", s.withBook(s.contactHistory))
	mux.HandleFunc(p+"/contacts/{id}/history", methodNotAllowed("GET, HEAD"))
	mux.HandleFunc("POST "+p+"/contacts/{id}/restore", s.withContact(s.restoreContact))
	mux.HandleFunc(p+"/contacts/{id}/restore", methodNotAllowed("POST"))
}

// writeJSONValue answers v as JSON, with the product's escaping of
// invisible characters.
func writeJSONValue(w http.ResponseWriter, r *http.Request, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		writeError(w, r, err)
		return
	}
	b := contacts.EscapeJSON(buf.Bytes())
	setJSONHeaders(w)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

func (s *Server) listOperations(w http.ResponseWriter, r *http.Request, db contacts.Book) {
	var f contacts.OperationFilter
	q := r.URL.Query()
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			writeError(w, r, &contacts.Error{Code: contacts.EUSAGE, Field: "limit", Message: "limit: " + contacts.Excerpt(v) + " is not a positive whole number"})
			return
		}
		f.Limit = n
	}
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			writeError(w, r, &contacts.Error{Code: contacts.EUSAGE, Field: "since", Message: "since: " + contacts.Excerpt(v) + " is not an RFC 3339 time"})
			return
		}
		f.Since = t
	}
	list := []*contacts.Operation{}
	if err := db.Operations(r.Context(), f, func(op *contacts.Operation) error {
		list = append(list, op)
		return nil
	}); err != nil {
		writeError(w, r, err)
		return
	}
	writeJSONValue(w, r, http.StatusOK, list)
}

func (s *Server) undoOperation(w http.ResponseWriter, r *http.Request, db contacts.Book) {
	id := r.PathValue("id")
	if id == "last" {
		id = ""
	}
	force := false
	if v := r.URL.Query().Get("force"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			writeError(w, r, &contacts.Error{Code: contacts.EUSAGE, Field: "force", Message: "force: " + contacts.Excerpt(v) + " is not true or false"})
			return
		}
		force = b
	}
	op, err := db.Undo(r.Context(), id, force)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSONValue(w, r, http.StatusOK, op)
}

func (s *Server) contactHistory(w http.ResponseWriter, r *http.Request, db contacts.Book) {
	// {id} is an id, or a phone number the contact has or had: a deleted
	// contact is found by its number too.
	revs, err := db.ContactHistory(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	if revs == nil {
		revs = []*contacts.Revision{}
	}
	writeJSONValue(w, r, http.StatusOK, revs)
}

func (s *Server) restoreContact(w http.ResponseWriter, r *http.Request, db contacts.Book, id string) {
	c, err := db.Restore(r.Context(), id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeContact(w, http.StatusCreated, c)
}

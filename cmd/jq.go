package cmd

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/itchyny/gojq"
	"github.com/phoneinc/contacts"
	"github.com/spf13/cobra"
)

// Commands mark what JSON they print with this annotation: jsonContacts
// (contacts, so --json FIELDS applies) or jsonAny (--jq only).
const (
	jsonAnnotation = "contacts/json"
	jsonContacts   = "contacts"
	jsonAny        = "any"
)

// jsonListFields is what --json means when given no value: list the fields.
const jsonListFields = "\x00list"

// jsonFilter post-processes a command's JSON output: --json FIELDS keeps
// those fields of each contact, --jq EXPR runs a jq program in-process. The
// command writes its JSON into a pipe; each JSON value is filtered as soon
// as it is complete, so JSON Lines output (lookup -) still streams.
type jsonFilter struct {
	fields []string
	code   *gojq.Code
	out    io.Writer
	pw     *io.PipeWriter
	done   chan error
}

// setupJSONFilter reads --jq and --json and, when either is given, forces
// JSON output and interposes the filter on standard output. Errors are
// usage errors: a bad expression, an unknown field, a command that prints
// no JSON.
func (f *Factory) setupJSONFilter(cmd *cobra.Command) error {
	fl := cmd.Flags()
	jqGiven, jsonGiven := fl.Changed("jq"), fl.Changed("json")
	if !jqGiven && !jsonGiven {
		return nil
	}
	if f.cfg != nil {
		f.cfg.Output = "json" // and so are its errors, from here on
	}
	kind := cmd.Annotations[jsonAnnotation]
	name := strings.TrimPrefix(cmd.CommandPath(), "contacts ")
	if kind == "" {
		return usageErrorf("%s prints no JSON: --jq and --json do not apply", name)
	}
	jf := &jsonFilter{out: f.IO.Out}
	if jsonGiven {
		if kind != jsonContacts {
			return usageErrorf("--json: %s does not print contacts; use --jq", name)
		}
		if f.global.jsonFields == jsonListFields {
			fmt.Fprintln(f.IO.Out, strings.Join(contacts.Fields, "\n"))
			return errFieldsListed
		}
		for _, field := range strings.Split(f.global.jsonFields, ",") {
			field = strings.TrimSpace(field)
			if !knownField(field) {
				return usageErrorf("--json: unknown field %q; available fields: %s", field, strings.Join(contacts.Fields, ", "))
			}
			jf.fields = append(jf.fields, field)
		}
	}
	if jqGiven {
		q, err := gojq.Parse(f.global.jq)
		if err != nil {
			return usageErrorf("--jq: %v", err)
		}
		if jf.code, err = gojq.Compile(q); err != nil {
			return usageErrorf("--jq: %v", err)
		}
	}
	pr, pw := io.Pipe()
	jf.pw, jf.done = pw, make(chan error, 1)
	f.IO.Out = pw
	f.jsonFilter = jf
	go func() {
		err := jf.run(pr)
		pr.CloseWithError(err) // unblock the command if the filter failed
		jf.done <- err
	}()
	return nil
}

// errFieldsListed ends a command after --json with no value listed the
// fields: a success with nothing else to do.
var errFieldsListed = errors.New("fields listed")

func knownField(name string) bool {
	for _, f := range contacts.Fields {
		if f == name {
			return true
		}
	}
	return false
}

// finish waits for the filter to write the last value. The command's own
// error, if any, wins.
func (jf *jsonFilter) finish() error {
	jf.pw.Close()
	return <-jf.done
}

func (jf *jsonFilter) run(r io.Reader) error {
	dec := json.NewDecoder(r)
	w := bufio.NewWriter(jf.out)
	defer w.Flush()
	for {
		var v any
		if err := dec.Decode(&v); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		if jf.fields != nil {
			v = project(v, jf.fields)
		}
		if jf.code == nil {
			b, err := marshalIndent(v)
			if err != nil {
				return err
			}
			w.Write(b)
			w.WriteByte('\n')
		} else if halted, err := jf.runJQ(w, v); halted || err != nil {
			return err
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
}

// runJQ writes what the jq program makes of v, one value a line. halted
// reports that the program stopped the output (halt): nothing more is to
// be written.
func (jf *jsonFilter) runJQ(w *bufio.Writer, v any) (halted bool, err error) {
	iter := jf.code.Run(normalize(v))
	for {
		out, ok := iter.Next()
		if !ok {
			return false, nil
		}
		if err, ok := out.(error); ok {
			var he *gojq.HaltError
			if errors.As(err, &he) && he.Value() == nil {
				return true, nil
			}
			return false, usageErrorf("--jq: %v", err)
		}
		if s, ok := out.(string); ok {
			w.WriteString(s) // strings print raw, as gh --jq does
		} else {
			b, err := gojq.Marshal(out)
			if err != nil {
				return false, err
			}
			w.Write(b)
		}
		w.WriteByte('\n')
	}
}

// field is one key of a projected contact, kept in the order asked for.
type field struct {
	key   string
	value any
}

type orderedObject []field

// project keeps fields of a contact, or of each contact in an array.
func project(v any, fields []string) any {
	switch v := v.(type) {
	case map[string]any:
		obj := make(orderedObject, 0, len(fields))
		for _, k := range fields {
			obj = append(obj, field{k, v[k]})
		}
		return obj
	case []any:
		for i := range v {
			v[i] = project(v[i], fields)
		}
	}
	return v
}

// normalize turns projected objects back into maps for jq.
func normalize(v any) any {
	switch v := v.(type) {
	case orderedObject:
		m := make(map[string]any, len(v))
		for _, f := range v {
			m[f.key] = f.value
		}
		return m
	case []any:
		for i := range v {
			v[i] = normalize(v[i])
		}
	}
	return v
}

// marshalIndent writes v as our other JSON output is laid out, keeping the
// order of projected fields.
func marshalIndent(v any) ([]byte, error) {
	var b strings.Builder
	if err := writeIndented(&b, v, ""); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}

func writeIndented(b *strings.Builder, v any, prefix string) error {
	switch v := v.(type) {
	case orderedObject:
		return writeMembers(b, '{', '}', len(v), prefix, func(i int, prefix string) error {
			b.Write(contacts.AppendJSONString(nil, v[i].key))
			b.WriteString(": ")
			return writeIndented(b, v[i].value, prefix)
		})
	case []any:
		return writeMembers(b, '[', ']', len(v), prefix, func(i int, prefix string) error {
			return writeIndented(b, v[i], prefix)
		})
	case string:
		b.Write(contacts.AppendJSONString(nil, v))
	default:
		out, err := json.MarshalIndent(v, prefix, jsonIndent)
		if err != nil {
			return err
		}
		b.Write(out)
	}
	return nil
}

// jsonIndent is one level of indentation of the JSON output.
const jsonIndent = "  "

// writeMembers writes an object or an array of n members between open and
// close, one member a line, each written by member at one more level of
// indentation than prefix; with no member, open and close only.
func writeMembers(b *strings.Builder, open, close byte, n int, prefix string, member func(i int, prefix string) error) error {
	b.WriteByte(open)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\n" + prefix + jsonIndent)
		if err := member(i, prefix+jsonIndent); err != nil {
			return err
		}
	}
	if n > 0 {
		b.WriteString("\n" + prefix)
	}
	b.WriteByte(close)
	return nil
}

package cmd

import (
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/iostreams"
	"github.com/spf13/cobra"
)

// flagTest is one case of a TestNewCmdX table: the command's arguments,
// and either the options they give or the usage error.
type flagTest[O any] struct {
	name string
	cli  string // the arguments after the command's name, split as a shell splits them
	tty  bool   // the streams are terminals
	// want holds the flag and argument values of the options; its
	// dependencies (the streams, the functions) are left out.
	want    O
	wantErr string // else the message of the usage error
}

// testNewCmd runs each case through the command that newCmd builds, with
// a runF that captures the options instead of running the command. The
// command sits under a root named contacts (and under parents, for a
// subcommand), with the product's flag error handling, so that messages
// name the command as they do in the product.
func testNewCmd[O any](t *testing.T, newCmd func(*Factory, func(*O) error) *cobra.Command, parents []string, tests []flagTest[O]) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			ios.SetTTY(tt.tty, tt.tty, tt.tty)
			f := &Factory{IO: ios}
			var got *O
			cmd := newCmd(f, func(o *O) error {
				got = o
				return nil
			})
			root := &cobra.Command{Use: "contacts", SilenceErrors: true, SilenceUsage: true}
			root.SetFlagErrorFunc(flagError(f))
			parent := root
			for _, p := range parents {
				c := &cobra.Command{Use: p}
				parent.AddCommand(c)
				parent = c
			}
			parent.AddCommand(cmd)
			root.SetArgs(append(append(append([]string(nil), parents...), cmd.Name()), splitArgs(tt.cli)...))
			root.SetIn(strings.NewReader(""))
			root.SetOut(io.Discard)
			root.SetErr(io.Discard)
			_, err := root.ExecuteC()

			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("no error, want %q; options: %s", tt.wantErr, describe(flagValues(got)))
				}
				if err.Error() != tt.wantErr || contacts.ErrorCode(err) != contacts.EUSAGE {
					t.Fatalf("error %q (code %s), want the usage error %q", err, contacts.ErrorCode(err), tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("error %q", err)
			}
			if got == nil {
				t.Fatal("runF was not called")
			}
			if g, w := flagValues(got), tt.want; !reflect.DeepEqual(g, w) {
				t.Errorf("options:\n got %s\nwant %s", describe(g), describe(w))
			}
			checkDependencies(t, got, ios)
		})
	}
}

// splitArgs splits s into arguments as a shell would, without expansions:
// at blanks, but not inside single or double quotes, and a backslash
// outside single quotes takes the next character as it is.
func splitArgs(s string) []string {
	var (
		args   []string
		cur    strings.Builder
		inWord bool
		quote  rune
		escape bool
	)
	for _, r := range s {
		switch {
		case escape:
			cur.WriteRune(r)
			escape = false
		case r == '\\' && quote != '\'':
			escape, inWord = true, true
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				args = append(args, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		args = append(args, cur.String())
	}
	return args
}

func TestSplitArgs(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  a  b\tc ", []string{"a", "b", "c"}},
		{`--name 'Niklas Stephenson' --note "say \"hi\"" x\ y`, []string{"--name", "Niklas Stephenson", "--note", `say "hi"`, "x y"}},
		{`--email '' --note ""`, []string{"--email", "", "--note", ""}},
		{`'\t' "a'b"`, []string{`\t`, "a'b"}},
	} {
		if got := splitArgs(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("splitArgs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

var iostreamsType = reflect.TypeFor[*iostreams.IOStreams]()

// isDependency reports whether an options field is a dependency copied
// from the Factory rather than a value of the flags.
func isDependency(f reflect.StructField) bool {
	return f.Type.Kind() == reflect.Func || f.Type == iostreamsType
}

// eachDependency calls fn with each dependency of options v, those of its
// embedded structs (bookDeps) included.
func eachDependency(v reflect.Value, fn func(reflect.StructField, reflect.Value)) {
	for i := range v.NumField() {
		switch f := v.Type().Field(i); {
		case f.Anonymous && f.Type.Kind() == reflect.Struct:
			eachDependency(v.Field(i), fn)
		case isDependency(f):
			fn(f, v.Field(i))
		}
	}
}

// flagValues returns a copy of options o without its dependencies: what
// the flags and the arguments gave.
func flagValues[O any](o *O) O {
	var c O
	if o == nil {
		return c
	}
	c = *o
	eachDependency(reflect.ValueOf(&c).Elem(), func(_ reflect.StructField, v reflect.Value) { v.SetZero() })
	return c
}

// checkDependencies checks that the command gave its options every
// dependency, from the Factory whose streams are ios.
func checkDependencies[O any](t *testing.T, o *O, ios *iostreams.IOStreams) {
	t.Helper()
	eachDependency(reflect.ValueOf(o).Elem(), func(f reflect.StructField, v reflect.Value) {
		switch {
		case f.Type == iostreamsType && v.Interface() != ios:
			t.Errorf("%s is not the Factory's streams", f.Name)
		case f.Type.Kind() == reflect.Func && v.IsNil():
			t.Errorf("%s is nil", f.Name)
		}
	})
}

// describe writes options' values field by field, following pointers.
func describe(v any) string {
	var show func(v reflect.Value) string
	show = func(v reflect.Value) string {
		switch v.Kind() {
		case reflect.Pointer:
			if v.IsNil() {
				return "nil"
			}
			return "&" + show(v.Elem())
		case reflect.Struct:
			var parts []string
			for i := range v.NumField() {
				if f := v.Type().Field(i); f.IsExported() && !isDependency(f) && !f.Anonymous {
					parts = append(parts, f.Name+":"+show(v.Field(i)))
				}
			}
			return "{" + strings.Join(parts, " ") + "}"
		case reflect.String:
			return fmt.Sprintf("%q", v.String())
		case reflect.Int32:
			return fmt.Sprintf("%q", rune(v.Int()))
		}
		return fmt.Sprintf("%#v", v.Interface())
	}
	return show(reflect.ValueOf(v))
}

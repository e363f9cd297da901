package cmd

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/output"
	"github.com/spf13/cobra"
)

// completeNames is the directive of a completion of names: the candidates
// are the ids of the contacts whose name starts with the words typed, so
// they do not start with what was typed, and the shell must not keep only
// those that do. cobra passes the bit through to the scripts, which this
// file adapts (CompletionScript); cobra itself knows no such bit, and says
// so on standard error when __complete is run by hand.
const completeNames cobra.ShellCompDirective = 1 << 16

// maxCompletions caps the ids offered at once; maxNameMatches the contacts
// a name completes to.
const (
	maxCompletions = 1000
	maxNameMatches = 50
)

// completeContacts completes contacts for show, edit, rm and history:
// an id from its beginning, in either case; a number from its beginning
// after a +; and a contact from the beginning of its name's words
// ("nik", "nik han", accents and case aside), which becomes the contact's
// id. The description is the name and the number.
func completeContacts(f *Factory, many bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if !many && len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx := cmd.Context()
		if ctx == nil {
			ctx = context.Background()
		}
		svc, err := f.Book(ctx, false)
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		given := map[string]bool{}
		for _, a := range args {
			given[strings.ToUpper(a)] = true
		}
		var out []cobra.Completion
		add := func(value string, c *contacts.Contact) error {
			if given[c.ID] || given[c.Phone] {
				return nil
			}
			out = append(out, cobra.CompletionWithDesc(value, contactDescription(c)))
			if len(out) >= maxCompletions {
				return errStop
			}
			return nil
		}
		word := toComplete
		switch {
		case word == "":
			_ = svc.ListContacts(ctx, contacts.ContactFilter{}, func(c *contacts.Contact) error { return add(c.ID, c) })
		case strings.HasPrefix(word, "+"):
			_ = svc.ListContacts(ctx, contacts.ContactFilter{PhonePrefix: word}, func(c *contacts.Contact) error { return add(c.Phone, c) })
		default:
			if prefix, ok := contacts.IDPrefix(word); ok {
				lower := word != prefix
				_ = svc.ListContacts(ctx, contacts.ContactFilter{IDPrefix: prefix}, func(c *contacts.Contact) error {
					// In the case typed, since the shell keeps only what
					// starts with what was typed.
					if lower {
						return add(strings.ToLower(c.ID), c)
					}
					return add(c.ID, c)
				})
			}
			if len(out) == 0 && strings.IndexFunc(word, unicode.IsLetter) >= 0 {
				if out = completeNamesOf(ctx, svc, word, given); len(out) > 0 {
					return out, cobra.ShellCompDirectiveNoFileComp | completeNames
				}
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeNamesOf returns the ids of the contacts whose name (or, without
// one, company) has words that start with the words of typed, through the
// book's search. A book that cannot search (a server: its search is not
// offered to clients) completes no names.
func completeNamesOf(ctx context.Context, svc contacts.Service, typed string, given map[string]bool) []cobra.Completion {
	s, ok := svc.(contacts.Searcher)
	if !ok {
		return nil
	}
	var out []cobra.Completion
	// The search matches every field; a few times as many as are kept
	// leaves room for those that matched an e-mail or a note.
	_ = s.SearchContacts(ctx, typed, 4*maxNameMatches, func(c *contacts.Contact) error {
		if given[c.ID] || given[c.Phone] || !contacts.WordsStartWith(c.DisplayName(), typed) {
			return nil
		}
		out = append(out, cobra.CompletionWithDesc(c.ID, contactDescription(c)))
		if len(out) >= maxNameMatches {
			return errStop
		}
		return nil
	})
	return out
}

// contactDescription is a contact as a completion describes it: its name,
// shown safely, and its number.
func contactDescription(c *contacts.Contact) string {
	desc := output.Safe(c.DisplayName(), false)
	if desc == "" {
		return c.PhoneFormatted
	}
	return desc + " · " + c.PhoneFormatted
}

var errStop = fmt.Errorf("stop")

// CompletionScript writes the completion script of root for shell (bash,
// zsh, fish or powershell): cobra's, adapted so that the names of contacts
// complete (completeNames). descriptions shows what each candidate is.
//
// bash and zsh keep only the candidates that start with the word typed;
// for a completion of names they keep them all: one takes the word's
// place, several are listed and the word stays as typed. fish matches
// what is typed against the descriptions too, which hold the names, but
// not without accents: a name that holds what was typed only so ("ase",
// Åse) gets it added to its description. PowerShell's completes ids and
// numbers only.
func CompletionScript(root *cobra.Command, shell string, descriptions bool, w io.Writer) error {
	var buf bytes.Buffer
	var err error
	switch shell {
	case "bash":
		err = root.GenBashCompletionV2(&buf, descriptions)
		if err == nil {
			err = adaptScript(&buf, root.Name(), bashNames)
		}
	case "zsh":
		if descriptions {
			err = root.GenZshCompletion(&buf)
		} else {
			err = root.GenZshCompletionNoDesc(&buf)
		}
		if err == nil {
			err = adaptScript(&buf, root.Name(), zshNames)
		}
	case "fish":
		err = root.GenFishCompletion(&buf, descriptions)
		if err == nil {
			err = adaptScript(&buf, root.Name(), fishNames)
		}
	case "powershell":
		if descriptions {
			err = root.GenPowerShellCompletionWithDesc(&buf)
		} else {
			err = root.GenPowerShellCompletion(&buf)
		}
	default:
		return fmt.Errorf("no completion for the shell %q (bash, zsh, fish or powershell)", shell)
	}
	if err != nil {
		return err
	}
	_, err = buf.WriteTo(w)
	return err
}

// scriptEdit replaces the one occurrence of old in a script with new, and
// appends tail; PROG in each stands for the program's name.
type scriptEdit struct {
	old, new, tail string
}

// adaptScript applies e to the script in buf, or fails when cobra's
// script no longer holds what e replaces (a new version of cobra: the
// tests of the shells say so).
func adaptScript(buf *bytes.Buffer, prog string, e scriptEdit) error {
	s := buf.String()
	old := strings.ReplaceAll(e.old, "PROG", prog)
	if strings.Count(s, old) != 1 {
		return fmt.Errorf("the completion script cannot be adapted: cobra's script has changed")
	}
	s = strings.Replace(s, old, strings.ReplaceAll(e.new, "PROG", prog), 1)
	s += strings.ReplaceAll(e.tail, "PROG", prog)
	buf.Reset()
	buf.WriteString(s)
	return nil
}

var bashNames = scriptEdit{
	old: `__PROG_handle_completion_types() {
    __PROG_debug "__PROG_handle_completion_types: COMP_TYPE is $COMP_TYPE"
`,
	new: `__PROG_handle_completion_types() {
    __PROG_debug "__PROG_handle_completion_types: COMP_TYPE is $COMP_TYPE"

    if (((directive & ` + fmt.Sprint(int(completeNames)) + `) != 0)); then
        __PROG_handle_names
        return
    fi
`,
	tail: `
# The ids of the contacts whose name starts with the words typed: they do
# not start with what was typed, so they are not filtered by it. One takes
# the word's place; several are listed and the word stays as typed (the
# entry of one space keeps bash from putting the ids' common beginning in
# its place).
__PROG_handle_names()
{
    local tab=$'\t' comp longest=0
    (( ${#completions[@]} == 0 )) && return 0
    if (( ${#completions[@]} == 1 )); then
        COMPREPLY=("${completions[0]%%$tab*}")
        return 0
    fi
    case $COMP_TYPE in
    37|42)
        # menu-complete, insert-completions: the ids alone
        COMPREPLY=("${completions[@]%%$tab*}")
        return 0
        ;;
    esac
    COMPREPLY=("${completions[@]}")
    for comp in "${completions[@]}"; do
        comp=${comp%%$tab*}
        if ((${#comp} > longest)); then
            longest=${#comp}
        fi
    done
    __PROG_format_comp_descriptions $longest
    COMPREPLY+=(" ")
}
`,
}

var zshNames = scriptEdit{
	old: `    else
        __PROG_debug "Calling _describe"
`,
	new: `    elif [ $((directive & ` + fmt.Sprint(int(completeNames)) + `)) -ne 0 ]; then
        __PROG_add_names
    else
        __PROG_debug "Calling _describe"
`,
	tail: `
# The ids of the contacts whose name starts with the words typed: they do
# not start with what was typed, so compadd -U keeps them all. One takes
# the word's place; several are listed and the word stays as typed.
__PROG_add_names()
{
    local -a ids shown
    local c id desc
    for c in "${completions[@]}"; do
        id=${c%%:*}
        ids+=("$id")
        if [[ $c == *:* ]]; then
            desc=${c#*:}
            shown+=("$id  -- ${desc//\\:/:}")
        else
            shown+=("$id")
        fi
    done
    compadd -U -l -d shown -a ids
    if (( ${#ids} > 1 )); then
        compstate[insert]=''
        compstate[list]='list force'
    fi
}
`,
}

var fishNames = scriptEdit{
	old: `    set --global __PROG_comp_results $__PROG_perform_completion_once_result[1..-2]
`,
	new: `    set --global __PROG_comp_results $__PROG_perform_completion_once_result[1..-2]
    __PROG_adapt_names $directive
`,
	tail: `
# The ids of the contacts whose name starts with the words typed: fish
# matches what was typed against their descriptions, which hold the names,
# but not without accents, so a description that does not hold it as typed
# ("ase" for Åse) gets it added.
function __PROG_adapt_names
    set -l directive $argv[1]
    test -n "$directive"; or return
    test (math (math --scale 0 $directive / ` + fmt.Sprint(int(completeNames)) + `) % 2) -eq 1; or return
    set -l token (commandline -t | string unescape)
    set -l pattern (string escape --style=regex -- $token)
    set -l adapted
    for comp in $__PROG_comp_results
        set -l parts (string split --max 1 \t -- $comp)
        if test (count $parts) -lt 2
            set comp "$comp\t$token"
        else if not string match -q -i -r -- $pattern $parts[2]
            set comp "$comp ($token)"
        end
        set -a adapted $comp
    end
    set --global __PROG_comp_results $adapted
end
`,
}

// Command docgen writes the man pages (one per command) and the shell
// completions of contacts into a directory, for make docs, make install
// and the release archives:
//
//	OUT/man/man1/contacts.1, contacts-list.1, …
//	OUT/bash-completion/completions/contacts
//	OUT/zsh/site-functions/_contacts
//	OUT/fish/vendor_completions.d/contacts.fish
//
// The layout is that of PREFIX/share, so that make install copies it as it is.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/phoneinc/contacts/cmd"
	"github.com/phoneinc/contacts/internal/iostreams"
	"github.com/spf13/cobra/doc"
)

func main() {
	out := flag.String("out", "share", "the `directory` to write into")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "docgen:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	ios, _, _, _ := iostreams.Test()
	root := cmd.NewCmdRoot(&cmd.Factory{IO: ios})
	root.DisableAutoGenTag = true // the pages do not change with the day they are made

	man := filepath.Join(out, "man", "man1")
	if err := os.MkdirAll(man, 0o755); err != nil {
		return err
	}
	if err := doc.GenManTree(root, &doc.GenManHeader{Title: "CONTACTS", Section: "1", Source: "contacts", Manual: "contacts manual"}, man); err != nil {
		return err
	}
	for _, c := range []struct {
		path string
		gen  func(f *os.File) error
	}{
		{"bash-completion/completions/contacts", func(f *os.File) error { return cmd.CompletionScript(root, "bash", true, f) }},
		{"zsh/site-functions/_contacts", func(f *os.File) error { return cmd.CompletionScript(root, "zsh", true, f) }},
		{"fish/vendor_completions.d/contacts.fish", func(f *os.File) error { return cmd.CompletionScript(root, "fish", true, f) }},
	} {
		p := filepath.Join(out, c.path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		if err := c.gen(f); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}

// Command pninit is a benchtool baseline: a Go process that only runs the
// package initialization of github.com/nyaruka/phonenumbers (it parses its
// embedded metadata for every region), which every contacts process pays.
//
// Given an argument, it also parses and formats it, so that the linker
// keeps the package as a real user of it would.
package main

import (
	"os"

	"github.com/nyaruka/phonenumbers"
)

func main() {
	if len(os.Args) > 1 {
		num, err := phonenumbers.Parse(os.Args[1], "")
		if err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(4)
		}
		os.Stdout.WriteString(phonenumbers.Format(num, phonenumbers.INTERNATIONAL) + "\n")
	}
}

// Command contacts is an address book for phone people, in the terminal.
package main

import (
	"os"

	"github.com/phoneinc/contacts/cmd"
)

func main() { os.Exit(cmd.Main()) }

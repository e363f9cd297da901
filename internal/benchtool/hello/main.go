// Command hello is benchtool's smallest baseline: a Go process that prints
// a line, so the cost of exec and the Go runtime's start.
package main

import "os"

func main() { os.Stdout.WriteString("hello\n") }

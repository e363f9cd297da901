//go:build race

package cmd_test

// raceEnabled is true under the race detector, whose shadow memory needs
// more address space than a test may otherwise allow a process.
const raceEnabled = true

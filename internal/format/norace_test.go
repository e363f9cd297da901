//go:build !race

package format

// raceEnabled is true under the race detector, whose 10x slowdown the
// heaviest tests scale down for.
const raceEnabled = false

package iostreams

import (
	"os"
	"testing"
)

// TestNoColor checks the no-color.org rule: only a non-empty NO_COLOR
// turns colour off; an empty one does not.
func TestNoColor(t *testing.T) {
	tests := []struct {
		name, value string
		set         bool
		want        bool // noColor
	}{
		{"unset", "", false, false},
		{"empty", "", true, false},
		{"one", "1", true, true},
		{"word", "yes", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("TERM", "xterm")
			t.Setenv("NO_COLOR", tt.value)
			if !tt.set {
				os.Unsetenv("NO_COLOR") // t.Setenv restores it after
			}
			if got := System().noColor; got != tt.want {
				t.Errorf("NO_COLOR=%q (set %v): noColor %v, want %v", tt.value, tt.set, got, tt.want)
			}
		})
	}
}

func TestTerminalWidth(t *testing.T) {
	tests := []struct {
		columns string
		size    int // 0: not a terminal
		want    int
	}{
		{"", 0, 80},
		{"", 132, 132},
		{"100", 132, 100},
		{"0", 60, 60},
		{"wide", 0, 80},
		{"-5", 0, 80},
	}
	for _, tt := range tests {
		got := terminalWidth(tt.columns, func() (int, bool) { return tt.size, tt.size > 0 })
		if got != tt.want {
			t.Errorf("COLUMNS=%q, terminal %d: %d, want %d", tt.columns, tt.size, got, tt.want)
		}
	}
}

package cmd

import (
	"errors"
	"path/filepath"
	"testing"
)

// TestXDGDir: the one rule for the config and data directories, the same
// on every platform: an absolute XDG_* value, else the folder under home.
func TestXDGDir(t *testing.T) {
	home := filepath.FromSlash("/home/ann")
	tests := []struct {
		name, env, value string
		under            []string
		home             error
		want             string
		wantErr          bool
	}{
		{"config from XDG", "XDG_CONFIG_HOME", "/cfg", []string{".config"}, nil, "/cfg", false},
		{"config default", "XDG_CONFIG_HOME", "", []string{".config"}, nil, "/home/ann/.config", false},
		{"relative XDG ignored", "XDG_CONFIG_HOME", "cfg", []string{".config"}, nil, "/home/ann/.config", false},
		{"data from XDG", "XDG_DATA_HOME", "/data", []string{".local", "share"}, nil, "/data", false},
		{"data default", "XDG_DATA_HOME", "", []string{".local", "share"}, nil, "/home/ann/.local/share", false},
		{"XDG without a home", "XDG_DATA_HOME", "/data", []string{".local", "share"}, errors.New("no home"), "/data", false},
		{"no home", "XDG_DATA_HOME", "", []string{".local", "share"}, errors.New("no home"), "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == tt.env {
					return filepath.FromSlash(tt.value)
				}
				return ""
			}
			got, err := xdgDir(getenv, func() (string, error) { return home, tt.home }, tt.env, tt.under...)
			if (err != nil) != tt.wantErr || got != filepath.FromSlash(tt.want) {
				t.Errorf("got %q, %v; want %q (error %v)", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

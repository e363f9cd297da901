package build

import "testing"

func TestFormat(t *testing.T) {
	const commit = "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		v, commit, date string
		want            string
	}{
		{"1.2.3", commit, "2026-12-02T10:00:00Z", "1.2.3 (commit 0123456789ab, built 2026-12-02T10:00:00Z, go1.26.10, linux/amd64)"},
		// No tag: git describe --always gives the short commit; it is not shown twice.
		{"0123456", commit, "2026-12-02T10:00:00Z", "dev (commit 0123456789ab, built 2026-12-02T10:00:00Z, go1.26.10, linux/amd64)"},
		{"0123456-dirty", commit, "", "dev-dirty (commit 0123456789ab, go1.26.10, linux/amd64)"},
		{"", "", "", "dev (go1.26.10, linux/amd64)"},
		{"v1.0.0-3-g0123456", commit, "", "v1.0.0-3-g0123456 (commit 0123456789ab, go1.26.10, linux/amd64)"},
	}
	for _, tt := range tests {
		if got := format(tt.v, tt.commit, tt.date, "go1.26.10", "linux/amd64"); got != tt.want {
			t.Errorf("format(%q, %q, %q)=%q, want %q", tt.v, tt.commit, tt.date, got, tt.want)
		}
	}
}

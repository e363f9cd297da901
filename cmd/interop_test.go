package cmd_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestVCard3Interop: the vCard 3.0 export keeps its numbers in abook and
// khard (installed by scripts/test-deps.sh; skipped where missing). abook
// keeps a TEL only with no TYPE or home/work/cell/fax.
func TestVCard3Interop(t *testing.T) {
	r := newTTYRun(t)
	r.run("", "add", "--phone", "+4520123456", "--name", "Ann Jensen", "--email", "ann@example.com", "--company-name", "Acme A/S")
	dir := t.TempDir()
	vcf := filepath.Join(dir, "ann.vcf")
	r.run("", "export", "--format", "vcard", "--vcard-version", "3.0", "--output-file", vcf)

	t.Run("abook", func(t *testing.T) {
		if _, err := exec.LookPath("abook"); err != nil {
			t.Skip("abook is not installed (scripts/test-deps.sh installs it)")
		}
		c := exec.Command("abook", "--convert", "--informat", "vcard", "--infile", vcf, "--outformat", "csv")
		c.Env = r.env
		out, err := c.CombinedOutput()
		if err != nil || !strings.Contains(string(out), `"Ann Jensen","ann@example.com","+4520123456"`) {
			t.Errorf("abook read the export as %q (%v)", out, err)
		}
	})
	t.Run("khard", func(t *testing.T) {
		if _, err := exec.LookPath("khard"); err != nil {
			t.Skip("khard is not installed (scripts/test-deps.sh installs it)")
		}
		home := t.TempDir()
		book := filepath.Join(home, "book")
		os.MkdirAll(filepath.Join(home, "khard"), 0o700)
		os.MkdirAll(book, 0o700)
		conf := "[addressbooks]\n[[book]]\npath = " + book + "\n[general]\ndefault_action = list\neditor = true\nmerge_editor = true\n"
		os.WriteFile(filepath.Join(home, "khard", "khard.conf"), []byte(conf), 0o600)
		b, _ := os.ReadFile(vcf)
		os.WriteFile(filepath.Join(book, "ann.vcf"), b, 0o600)
		c := exec.Command("khard", "phone", "--parsable")
		c.Env = []string{"HOME=" + home, "XDG_CONFIG_HOME=" + home, "PATH=/usr/bin:/bin", "LANG=C.UTF-8"}
		out, err := c.CombinedOutput()
		if err != nil || !strings.HasPrefix(string(out), "+4520123456\tAnn Jensen\t") {
			t.Errorf("khard read the export as %q (%v)", out, err)
		}
	})
}

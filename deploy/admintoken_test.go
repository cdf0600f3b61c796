package deploy

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// adminTokenSet matches an ADMIN_TOKEN given a value in a script, a compose
// file, a Go map of environment variables or a README example: the value is
// either quoted or bare.
var adminTokenSet = regexp.MustCompile(`ADMIN_TOKEN"?\s*[=:]\s*(?:"([^"]*)"(\s*\+)?|([^\s"'$;{}()]+))`)

// Every ADMIN_TOKEN the repository sets to a fixed value is at least 24
// characters long, or the gateway would refuse to start with it (DESIGN
// §12). Values built at run time ($(…), ${…}, "prefix" + random) are checked
// where they are used: make run by TestMakeRun_LoopbackOnly, the test
// helpers by every test that starts a gateway.
func TestAdminTokens_LongEnough(t *testing.T) {
	dir := root(t)
	out, err := exec.Command("git", "-C", dir, "ls-files").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	checked := 0
	for _, name := range strings.Fields(string(out)) {
		switch filepath.Ext(name) {
		case ".go", ".sh", ".md", ".yml", ".yaml", ".env":
		default:
			if base := filepath.Base(name); base != "Makefile" && base != "Dockerfile" {
				continue
			}
		}
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for n := 1; sc.Scan(); n++ {
			for _, m := range adminTokenSet.FindAllStringSubmatch(sc.Text(), -1) {
				value, concatenated := m[1]+m[3], m[2] != ""
				if m[3] != "" && filepath.Ext(name) == ".go" {
					continue // a Go identifier, not a value
				}
				if value == "" || concatenated || strings.ContainsAny(value, "$`") {
					continue // generated, or built at run time
				}
				checked++
				if len(value) < 24 {
					t.Errorf("%s:%d sets ADMIN_TOKEN to %q (%d characters); the gateway refuses fewer than 24", name, n, value, len(value))
				}
			}
		}
		f.Close()
	}
	t.Logf("checked %d fixed ADMIN_TOKEN values", checked)
}

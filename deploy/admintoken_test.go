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
// file or a README example: the value is either quoted or bare.
var adminTokenSet = regexp.MustCompile(`ADMIN_TOKEN"?\s*[=:]\s*(?:"([^"]*)"(\s*\+)?|([^\s"'$;{}()]+))`)

// goAdminTokenSet matches one in Go: a map entry keyed ADMIN_TOKEN with a
// string value, or a string literal that starts with ADMIN_TOKEN and an
// equals sign; a + after it means the value goes on.
var goAdminTokenSet = regexp.MustCompile(`"ADMIN_TOKEN(?:"\s*:\s*"|=)([^"]*)"(\s*\+)?`)

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
			for _, v := range adminTokenValues(name, sc.Text()) {
				value, concatenated := v[0], v[1] != ""
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

// adminTokenValues returns the values a line gives ADMIN_TOKEN, each with
// what follows it ("+" when the value is concatenated).
func adminTokenValues(file, line string) [][2]string {
	var out [][2]string
	if filepath.Ext(file) == ".go" {
		for _, m := range goAdminTokenSet.FindAllStringSubmatch(line, -1) {
			out = append(out, [2]string{m[1], m[2]})
		}
		return out
	}
	for _, m := range adminTokenSet.FindAllStringSubmatch(line, -1) {
		out = append(out, [2]string{m[1] + m[3], m[2]})
	}
	return out
}

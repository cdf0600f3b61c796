package deploy

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// makeBuild returns the binaries `make build` produces, name → package, read
// from the Makefile's build recipe. Every line of the recipe must be one
// `$(GO) build … -o $(BIN)/name ./pkg`, so nothing else hides there.
func makeBuild(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root(t), "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`^\t\$\(GO\) build (?:\S+ )*-o \$\(BIN\)/(\S+) (\./\S+)$`)
	out := map[string]string{}
	in := false
	for l := range strings.SplitSeq(string(raw), "\n") {
		switch {
		case strings.HasPrefix(l, "build:"):
			in = true
		case in && strings.HasPrefix(l, "\t"):
			m := line.FindStringSubmatch(l)
			if m == nil {
				t.Fatalf("Makefile build recipe line %q is not a `$(GO) build -o $(BIN)/name ./pkg`", l)
			}
			out[m[1]] = m[2]
		case in:
			in = false
		}
	}
	if len(out) == 0 {
		t.Fatal("Makefile has no build recipe")
	}
	return out
}

// dockerfile is the Dockerfile's instructions, continuation lines joined.
func dockerfile(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(root(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	var cur strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if strings.HasSuffix(l, "\\") {
			cur.WriteString(strings.TrimSuffix(l, "\\") + " ")
			continue
		}
		cur.WriteString(l)
		out = append(out, cur.String())
		cur.Reset()
	}
	return out
}

// The image's binaries are built by `make build` itself, and the final stage
// holds exactly the binaries the Makefile builds, so the image cannot drift
// from what developers and CI build; the Go version is go.mod's; the final
// stage runs as a non-root user.
func TestDockerfile_BuildsWhatMakeBuilds(t *testing.T) {
	bins := makeBuild(t)
	lines := dockerfile(t)

	makeRun := regexp.MustCompile(`^RUN make build BIN=(\S+)$`)
	var binDir string
	var copied []string
	var user string
	stages := 0
	for _, l := range lines {
		if m := makeRun.FindStringSubmatch(l); m != nil {
			if binDir != "" {
				t.Errorf("Dockerfile runs make build twice")
			}
			binDir = m[1]
		}
		if strings.Contains(l, "go build") {
			t.Errorf("Dockerfile builds on its own (%q); it must use make build", l)
		}
		if strings.HasPrefix(l, "FROM ") {
			stages++
			user = ""
		}
		if strings.HasPrefix(l, "USER ") {
			user = strings.TrimPrefix(l, "USER ")
		}
		if f := strings.Fields(l); len(f) > 3 && f[0] == "COPY" && strings.HasPrefix(f[1], "--from=") {
			copied = append(copied, f[2:len(f)-1]...)
		}
	}
	if binDir == "" {
		t.Fatal("Dockerfile has no `RUN make build BIN=…`")
	}
	var want []string
	for name := range bins {
		want = append(want, binDir+"/"+name)
	}
	slices.Sort(want)
	slices.Sort(copied)
	if !slices.Equal(copied, want) {
		t.Errorf("the final stage copies %q, want what make build builds: %q", copied, want)
	}
	if stages < 2 {
		t.Errorf("Dockerfile has %d stage(s), want a build stage and a small final one", stages)
	}
	if name, _, _ := strings.Cut(user, ":"); user == "" || name == "root" || name == "0" {
		t.Errorf("the final stage runs as %q, want a non-root user", user)
	}

	// The builder's Go is go.mod's go version (major.minor).
	mod, err := os.ReadFile(filepath.Join(root(t), "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goLine := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(mod)
	arg := regexp.MustCompile(`(?m)^ARG GO_VERSION=(\S+)$`).FindStringSubmatch(strings.Join(lines, "\n"))
	if goLine == nil || arg == nil || arg[1] != string(goLine[1]) {
		t.Errorf("Dockerfile ARG GO_VERSION = %v, go.mod says go %s", arg, goLine)
	}
	if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, "FROM golang:${GO_VERSION}") }) {
		t.Error("the build stage is not FROM golang:${GO_VERSION}…")
	}
}

// .dockerignore leaves out nothing the build needs: every source and
// embedded file of both binaries' packages in this module, go.mod, go.sum
// and the Makefile.
func TestDockerignore_KeepsWhatTheBuildNeeds(t *testing.T) {
	dir := root(t)
	raw, err := os.ReadFile(filepath.Join(dir, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for l := range strings.SplitSeq(string(raw), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if strings.HasPrefix(l, "!") || strings.Contains(l, "**") {
			t.Fatalf(".dockerignore pattern %q: this test understands only plain patterns", l)
		}
		patterns = append(patterns, strings.Trim(l, "/"))
	}

	needed := []string{"go.mod", "go.sum", "Makefile"}
	var pkgs []string
	for _, p := range makeBuild(t) {
		pkgs = append(pkgs, p)
	}
	cmd := exec.Command("go", append([]string{"list", "-deps", "-json=Dir,Module,GoFiles,EmbedFiles"}, pkgs...)...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p struct {
			Dir        string
			Module     *struct{ Main bool }
			GoFiles    []string
			EmbedFiles []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		if p.Module == nil || !p.Module.Main {
			continue
		}
		rel, err := filepath.Rel(dir, p.Dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range append(p.GoFiles, p.EmbedFiles...) {
			needed = append(needed, filepath.ToSlash(filepath.Join(rel, f)))
		}
	}
	if len(needed) < 20 {
		t.Fatalf("only %d files found to check; go list output changed?", len(needed))
	}
	for _, f := range needed {
		for p := f; p != "." && p != "/"; p = filepath.Dir(p) {
			for _, pat := range patterns {
				if ok, _ := filepath.Match(pat, p); ok {
					t.Errorf(".dockerignore pattern %q leaves out %s, which the build needs", pat, f)
				}
			}
		}
	}
}

// Package testbin builds a command of this module for tests that run the
// real binary. Each test process builds it once, into one directory per
// checkout that every run reuses: a fresh temporary directory per process
// left tens of megabytes behind in every package on every run.
package testbin

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
)

// Builder builds one command of the module once per process.
type Builder struct {
	// Pkg is the command's import path; Name its file name.
	Pkg, Name string

	once sync.Once
	path string
	err  error
}

// Build builds the command — with the race detector when race is set, on
// the first call; later calls return the same path — and returns where it
// is. The binary is built under a temporary name and renamed into place,
// so processes of the same run building it at once never exec a partial
// file.
func (b *Builder) Build(race bool) (string, error) {
	b.once.Do(func() { b.path, b.err = b.build(race) })
	return b.path, b.err
}

func (b *Builder) build(race bool) (string, error) {
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	name := b.Name
	if race {
		name += "-race"
	}
	tmp, err := os.CreateTemp(dir, name+"-*.tmp")
	if err != nil {
		return "", err
	}
	_ = tmp.Close()
	args := []string{"build", "-o", tmp.Name()}
	if race {
		args = append(args, "-race")
	}
	args = append(args, b.Pkg)
	if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		_ = os.Remove(tmp.Name())
		return "", fmt.Errorf("go build %s: %v\n%s", b.Pkg, err, out)
	}
	path := filepath.Join(dir, name)
	if err := os.Rename(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name())
		return "", err
	}
	return path, nil
}

// Dir returns the directory the binaries of this checkout are built in,
// made if needed: one per module root, so two checkouts never run each
// other's code.
func Dir() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(root))
	dir := filepath.Join(os.TempDir(), "paysandbox-testbin-"+hex.EncodeToString(sum[:6]))
	return dir, os.MkdirAll(dir, 0o755)
}

// moduleRoot is the nearest directory above the working directory (a test
// runs in its package's) that holds a go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("testbin: no go.mod above the working directory")
		}
		dir = parent
	}
}

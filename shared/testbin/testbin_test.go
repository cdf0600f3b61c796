package testbin_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/shared/testbin"
)

// Every build of a command lands in the same place for this checkout (no
// directory per process left behind), whole, and a failed build leaves
// nothing.
func TestBuilder_OnePlacePerCheckout(t *testing.T) {
	const pkg = "github.com/paysandbox/paysandbox/bench/report"
	first := &testbin.Builder{Pkg: pkg, Name: "testbin-report"}
	p1, err := first.Build(false)
	if err != nil {
		t.Fatal(err)
	}
	again, err := first.Build(true) // built once per process: the first call decides
	if err != nil || again != p1 {
		t.Fatalf("second Build = %q, %v; want %q", again, err, p1)
	}
	p2, err := (&testbin.Builder{Pkg: pkg, Name: "testbin-report"}).Build(false)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := testbin.Dir()
	if err != nil {
		t.Fatal(err)
	}
	if p2 != p1 || filepath.Dir(p1) != dir {
		t.Fatalf("builds at %q and %q, want both in %q under one name", p1, p2, dir)
	}
	if st, err := os.Stat(p1); err != nil || st.Mode()&0o111 == 0 {
		t.Fatalf("binary %q: %v %v", p1, st, err)
	}
	if _, err := (&testbin.Builder{Pkg: "github.com/paysandbox/paysandbox/no/such/command", Name: "testbin-missing"}).Build(false); err == nil {
		t.Fatal("building a package that does not exist did not fail")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "testbin-") && e.Name() != "testbin-report" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

package envconfig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	e := FromMap(map[string]string{"A": "1500ms", "B": "30", "C": "soon", "D": "-1s"})
	if got := e.Duration("A", 0); got != 1500*time.Millisecond {
		t.Errorf("A = %v", got)
	}
	if got := e.Duration("MISSING", time.Minute); got != time.Minute {
		t.Errorf("MISSING = %v", got)
	}
	e.Duration("B", 0)
	e.Duration("C", 0)
	e.Duration("D", 0)
	err := e.Err()
	if err == nil {
		t.Fatal("bad durations accepted")
	}
	for _, name := range []string{"B:", "C:", "D:"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

func TestSecretFromFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(path, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := FromMap(map[string]string{"TOKEN_FILE": path, "DIRECT": "d", "DIRECT_FILE": path})
	if got := e.Secret("TOKEN", ""); got != "s3cret" {
		t.Errorf("TOKEN = %q", got)
	}
	if got := e.Secret("DIRECT", ""); got != "d" {
		t.Errorf("DIRECT = %q, the variable itself must win", got)
	}
	e2 := FromMap(map[string]string{"X_FILE": "/nonexistent/x"})
	e2.Secret("X", "")
	if e2.Err() == nil || !strings.Contains(e2.Err().Error(), "X_FILE") {
		t.Errorf("unreadable file not reported: %v", e2.Err())
	}
}

func TestIntFloatList(t *testing.T) {
	e := FromMap(map[string]string{"N": "64", "BADN": "0", "F": "0.01", "L": " a, ,b "})
	if got := e.Int("N", 1, 1, 1000); got != 64 {
		t.Errorf("N = %d", got)
	}
	if got := e.Float("F", 1, 0, 1000); got != 0.01 {
		t.Errorf("F = %v", got)
	}
	if got := e.List("L", nil); strings.Join(got, "|") != "a|b" {
		t.Errorf("L = %q", got)
	}
	if e.Err() != nil {
		t.Fatal(e.Err())
	}
	e.Int("BADN", 1, 1, 1000)
	if e.Err() == nil {
		t.Error("BADN=0 accepted")
	}
}

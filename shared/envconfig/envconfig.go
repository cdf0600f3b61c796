// Package envconfig reads configuration from environment variables the way
// both binaries want it: secrets may come from NAME_FILE, durations use Go
// syntax, and every bad value is reported with the variable's name.
package envconfig

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Env reads variables through Lookup and collects every problem it finds, so
// a misconfigured binary reports all of them at once.
type Env struct {
	Lookup func(string) (string, bool)
	errs   []error
}

// New returns an Env over the process environment.
func New() *Env { return &Env{Lookup: os.LookupEnv} }

// FromMap returns an Env over a fixed map (tests).
func FromMap(m map[string]string) *Env {
	return &Env{Lookup: func(k string) (string, bool) { v, ok := m[k]; return v, ok }}
}

func (e *Env) get(name string) (string, bool) {
	v, ok := e.Lookup(name)
	if !ok || strings.TrimSpace(v) == "" {
		return "", false
	}
	return strings.TrimSpace(v), true
}

// Fail records a problem with a variable.
func (e *Env) Fail(name, format string, args ...any) {
	e.errs = append(e.errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
}

// Err returns every problem found so far, or nil.
func (e *Env) Err() error { return errors.Join(e.errs...) }

// String returns the variable or def.
func (e *Env) String(name, def string) string {
	if v, ok := e.get(name); ok {
		return v
	}
	return def
}

// Secret returns the variable, or the trimmed content of the file named by
// NAME_FILE, or def.
func (e *Env) Secret(name, def string) string {
	if v, ok := e.get(name); ok {
		return v
	}
	if path, ok := e.get(name + "_FILE"); ok {
		b, err := os.ReadFile(path)
		if err != nil {
			e.Fail(name+"_FILE", "cannot read %s: %v", path, err)
			return def
		}
		return strings.TrimSpace(string(b))
	}
	return def
}

// Duration parses a Go duration ("1500ms", "2s", "168h"). A bare number is an
// error: it would be ambiguous.
func (e *Env) Duration(name string, def time.Duration) time.Duration {
	v, ok := e.get(name)
	if !ok {
		return def
	}
	d, err := ParseDuration(v)
	if err != nil {
		e.Fail(name, "%v", err)
		return def
	}
	return d
}

// ParseDuration is time.ParseDuration that refuses bare numbers and negative
// values with a message a person understands.
func ParseDuration(v string) (time.Duration, error) {
	if _, err := strconv.ParseFloat(v, 64); err == nil {
		return 0, fmt.Errorf("%q has no unit; write it like 1500ms, 2s, 30m or 168h", v)
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration; write it like 1500ms, 2s, 30m or 168h", v)
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative", v)
	}
	return d, nil
}

// Int parses an integer within [lo, hi].
func (e *Env) Int(name string, def, lo, hi int) int {
	v, ok := e.get(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		e.Fail(name, "%q is not a whole number between %d and %d", v, lo, hi)
		return def
	}
	return n
}

// Float parses a number within (lo, hi].
func (e *Env) Float(name string, def, lo, hi float64) float64 {
	v, ok := e.get(name)
	if !ok {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= lo || f > hi {
		e.Fail(name, "%q is not a number above %g and at most %g", v, lo, hi)
		return def
	}
	return f
}

// List splits a comma-separated variable, dropping empty items.
func (e *Env) List(name string, def []string) []string {
	v, ok := e.get(name)
	if !ok {
		return def
	}
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// Bool parses true or false (also 1 and 0).
func (e *Env) Bool(name string, def bool) bool {
	v, ok := e.get(name)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.Fail(name, "%q is not true or false", v)
		return def
	}
	return b
}

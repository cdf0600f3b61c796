// Package safetext says which characters customer-facing text may hold.
//
// DESIGN §12: a subject, a description, a person's name or address is
// stored without control characters or bidirectional overrides, which
// could make a page say something else than its bytes do ("Trojan
// Source"). The gateway refuses them in what merchants send (or strips
// them where the provider accepts any text); the shop refuses them in
// what people type.
package safetext

import (
	"strings"
	"unicode"
)

// isBidiControl reports the Unicode bidirectional embedding, override and
// isolate characters (U+202A–U+202E, U+2066–U+2069).
func isBidiControl(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069')
}

// Unsafe reports whether r may not appear in customer-facing text;
// multiline text may hold line feeds and tabs (and a carriage return right
// before a line feed, as a form's textarea sends line breaks: First and
// Clean look ahead for it).
func Unsafe(r rune, multiline bool) bool {
	if multiline && (r == '\n' || r == '\t') {
		return false
	}
	return unicode.IsControl(r) || isBidiControl(r)
}

// crlf reports whether s[i] is the CR of a CRLF.
func crlf(s string, i int) bool { return s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' }

// First returns the first character of s that may not appear in
// customer-facing text, and whether there is one.
func First(s string, multiline bool) (rune, bool) {
	for i, r := range s {
		if Unsafe(r, multiline) && !(multiline && crlf(s, i)) {
			return r, true
		}
	}
	return 0, false
}

// Clean drops the characters Unsafe refuses.
func Clean(s string, multiline bool) string {
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range s {
		if !Unsafe(r, multiline) || (multiline && crlf(s, i)) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

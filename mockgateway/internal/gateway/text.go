package gateway

import (
	"strings"
	"unicode"
)

// Customer-facing text (a subject, a description, a merchant's name) is
// shown on the cashier. DESIGN §12: it is stored without control characters
// or bidirectional overrides, which could make a page say something else
// than the bytes do ("Trojan Source").

// bidiControls are the Unicode bidirectional embedding, override and
// isolate characters.
func isBidiControl(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069')
}

// unsafeRune reports whether r may not appear in customer-facing text;
// multiline text may hold line breaks (LF or CRLF, as a form's textarea
// sends them) and tabs.
func unsafeRune(r rune, multiline bool) bool {
	if multiline && (r == '\n' || r == '\r' || r == '\t') {
		return false
	}
	return unicode.IsControl(r) || isBidiControl(r)
}

// UnsafeRune returns the first character of s that may not appear in
// customer-facing text, and whether there is one.
func UnsafeRune(s string, multiline bool) (rune, bool) {
	for _, r := range s {
		if unsafeRune(r, multiline) {
			return r, true
		}
	}
	return 0, false
}

// CleanText drops the characters UnsafeRune refuses, for protocols whose
// providers accept any text (the adapter says which it strips instead of
// refusing).
func CleanText(s string, multiline bool) string {
	return strings.Map(func(r rune) rune {
		if unsafeRune(r, multiline) {
			return -1
		}
		return r
	}, s)
}

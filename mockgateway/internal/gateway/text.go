package gateway

import "github.com/paysandbox/paysandbox/shared/safetext"

// Customer-facing text (a subject, a description, a merchant's name) is
// shown on the cashier. DESIGN §12: it is stored without control characters
// or bidirectional overrides (shared/safetext says which).

// UnsafeRune returns the first character of s that may not appear in
// customer-facing text, and whether there is one.
func UnsafeRune(s string, multiline bool) (rune, bool) { return safetext.First(s, multiline) }

// CleanText drops the characters UnsafeRune refuses, for protocols whose
// providers accept any text (the adapter says which it strips instead of
// refusing).
func CleanText(s string, multiline bool) string { return safetext.Clean(s, multiline) }

package safetext

import "testing"

func TestFirstAndClean(t *testing.T) {
	tests := []struct {
		in        string
		multiline bool
		bad       rune
		clean     string
	}{
		{"Green tea 绿茶", false, 0, "Green tea 绿茶"},
		{"evil\u202Egnp.exe", false, '\u202E', "evilgnp.exe"},
		{"isolate\u2067x\u2069", false, '\u2067', "isolatex"},
		{"bell\a", false, '\a', "bell"},
		{"line\nbreak", false, '\n', "linebreak"},
		{"line\nbreak\ttab", true, 0, "line\nbreak\ttab"},
		{"textarea\r\nbreak", true, 0, "textarea\r\nbreak"},
		{"textarea\r\nbreak", false, '\r', "textareabreak"},
		{"lone\rreturn", true, '\r', "lonereturn"},
		{"trailing\r", true, '\r', "trailing"},
		{"a\r\r\nb", true, '\r', "a\r\nb"},
		{"c1\u0085", true, '\u0085', "c1"},
		{"del\x7f", true, '\x7f', "del"},
	}
	for _, tc := range tests {
		r, bad := First(tc.in, tc.multiline)
		if bad != (tc.bad != 0) || r != tc.bad {
			t.Errorf("First(%q, %v) = %U %v, want %U", tc.in, tc.multiline, r, bad, tc.bad)
		}
		if got := Clean(tc.in, tc.multiline); got != tc.clean {
			t.Errorf("Clean(%q, %v) = %q, want %q", tc.in, tc.multiline, got, tc.clean)
		}
	}
}

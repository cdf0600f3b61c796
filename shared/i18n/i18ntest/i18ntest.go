// Package i18ntest holds the checks every translated set of pages runs in
// its tests (docs/i18n.md): that a template prints no text of its own (all
// of it comes from the catalogue, save an allow-list of brand names and
// codes), that every key it names exists in every language, and that a
// page rendered in a language is in that language.
package i18ntest

import (
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/net/html"

	"github.com/paysandbox/paysandbox/shared/i18n"
)

// action matches a template action, comments and trim markers included.
var action = regexp.MustCompile(`(?s)\{\{.*?\}\}`)

// keyUse matches a catalogue key passed to t in a template: {{t "key" …}}
// or (t "key" …).
var keyUse = regexp.MustCompile(`[({]\s*-?\s*t\s+"([^"]+)"`)

// visibleAttrs are the attributes a person reads or hears.
var visibleAttrs = []string{"title", "alt", "placeholder", "aria-label", "label"}

// Text returns the text a template prints of its own: its text outside
// actions and its visible attributes, each fragment that has a letter and is
// not in allow (brand names, codes, formats such as MM/YY). An empty
// result means every word a person reads comes from the catalogue or the
// data.
func Text(src string, allow []string) []string {
	// An action becomes a NUL: it never joins the words around it.
	z := html.NewTokenizer(strings.NewReader(action.ReplaceAllString(src, "\x00")))
	var out []string
	check := func(s string) {
		for _, frag := range strings.Split(s, "\x00") {
			if w := ownWords(frag, allow); w != "" {
				out = append(out, w)
			}
		}
	}
	for {
		switch z.Next() {
		case html.ErrorToken:
			return out
		case html.TextToken:
			check(string(z.Text()))
		case html.StartTagToken, html.SelfClosingTagToken:
			_, more := z.TagName()
			for more {
				var k, v []byte
				k, v, more = z.TagAttr()
				if slices.Contains(visibleAttrs, string(k)) {
					check(string(v))
				}
			}
		}
	}
}

// ownWords returns frag trimmed when it has a letter outside the allowed
// words, else "".
func ownWords(frag string, allow []string) string {
	rest := frag
	for _, a := range allow {
		rest = strings.ReplaceAll(rest, a, " ")
	}
	if strings.IndexFunc(rest, unicode.IsLetter) < 0 {
		return ""
	}
	return strings.TrimSpace(frag)
}

// Keys returns the catalogue keys a template passes to t.
func Keys(src string) []string {
	var out []string
	for _, m := range keyUse.FindAllStringSubmatch(src, -1) {
		out = append(out, m[1])
	}
	return out
}

// CheckTemplates fails t for every template file matching pattern in fsys
// that prints text of its own (Text) or names a key some language lacks.
// It returns how many keys the templates use, so a caller can tell that the
// check saw something.
func CheckTemplates(t testing.TB, fsys fs.FS, pattern string, allow []string) int {
	t.Helper()
	files, err := fs.Glob(fsys, pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates match %s: %v", pattern, err)
	}
	n := 0
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range Text(string(b), allow) {
			t.Errorf("%s prints text that is not from the catalogue: %q", f, w)
		}
		for _, k := range Keys(string(b)) {
			n++
			for _, lang := range i18n.Languages {
				if !i18n.Default.Has(lang, k) {
					t.Errorf("%s uses key %q, which %s lacks", f, k, lang)
				}
			}
		}
	}
	return n
}

// rawKey matches a catalogue key left in a page (a key the catalogues lack
// is shown as itself), and the mark text/template leaves for a missing
// argument.
var rawKey = regexp.MustCompile(`\b(shop|cashier|console|common|method|decline|language)\.[a-z0-9_-]+\.[a-z0-9_.-]+\b|<no value>|%!`)

// englishWords are words an English sentence can hardly do without; none
// may be left in the visible text of a Chinese page.
var englishWords = regexp.MustCompile(`(?i)\b(the|your|and|is|was|to|of|with|this|please)\b`)

// CheckPage fails t unless the HTML page body is in lang: <html lang> says
// so, no key or missing argument is left in it, and a Chinese page has no
// English sentence in its visible text (outside <code>, which holds codes
// and ids). It returns the page's visible text.
func CheckPage(t testing.TB, name, body, lang string) string {
	t.Helper()
	if !strings.Contains(body, fmt.Sprintf(`<html lang="%s">`, lang)) {
		t.Errorf("%s: no <html lang=%q>", name, lang)
	}
	if m := rawKey.FindString(body); m != "" {
		t.Errorf("%s (%s): untranslated %q in the page", name, lang, m)
	}
	text := VisibleText(body)
	if lang == i18n.Chinese {
		if m := englishWords.FindAllString(text, 5); len(m) > 0 {
			t.Errorf("%s: English words %q in the Chinese page:\n%s", name, m, text)
		}
		if strings.IndexFunc(text, func(r rune) bool { return unicode.Is(unicode.Han, r) }) < 0 {
			t.Errorf("%s: no Chinese in the Chinese page:\n%s", name, text)
		}
	}
	return text
}

// VisibleText is the text of an HTML page a person reads: text outside
// <code>, <script> and <style>, and the visible attributes.
func VisibleText(body string) string {
	z := html.NewTokenizer(strings.NewReader(body))
	var b strings.Builder
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
				b.WriteByte(' ')
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, more := z.TagName()
			switch string(name) {
			case "code", "script", "style":
				skip++
			}
			for more {
				var k, v []byte
				k, v, more = z.TagAttr()
				if skip == 0 && slices.Contains(visibleAttrs, string(k)) {
					b.Write(v)
					b.WriteByte(' ')
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "code", "script", "style":
				skip--
			}
		}
	}
}

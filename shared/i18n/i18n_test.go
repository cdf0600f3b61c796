package i18n

import (
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"unicode"
)

// TestCatalogues_SameKeys: every key exists in every language, file by
// file, so a key added in one language and forgotten in the other fails
// here rather than on a customer's page.
func TestCatalogues_SameKeys(t *testing.T) {
	en, zh := Default.Keys(English), Default.Keys(Chinese)
	if len(en) < 100 {
		t.Fatalf("the English catalogue has %d keys; the embedded files were not loaded", len(en))
	}
	for _, k := range en {
		if !Default.Has(Chinese, k) {
			t.Errorf("key %q is in English but not in Chinese", k)
		}
	}
	for _, k := range zh {
		if !Default.Has(English, k) {
			t.Errorf("key %q is in Chinese but not in English", k)
		}
	}
}

// TestCatalogues_MissingKeyFails: the parity check above really sees a
// key that one language lacks (a catalogue built from a broken pair).
func TestCatalogues_MissingKeyFails(t *testing.T) {
	c, err := Load(fstest.MapFS{
		"l/a.en.toml":    {Data: []byte(`"a.one" = "One"` + "\n" + `"a.two" = "Two"`)},
		"l/a.zh-CN.toml": {Data: []byte(`"a.one" = "一"`)},
	}, "l")
	if err != nil {
		t.Fatal(err)
	}
	if !c.Has(English, "a.two") || c.Has(Chinese, "a.two") {
		t.Fatalf("keys: en %v, zh %v", c.Keys(English), c.Keys(Chinese))
	}
	// A missing translation falls back to English, never to nothing.
	if got := c.Localizer(Chinese).T("a.two"); got != "Two" {
		t.Errorf("fallback = %q, want the English text", got)
	}
	if _, err := Load(fstest.MapFS{"l/a.fr.toml": {Data: []byte(`"a.one" = "Un"`)}}, "l"); err == nil {
		t.Error("a catalogue in an unsupported language was loaded")
	}
}

var placeholder = regexp.MustCompile(`\{\{\s*\.([A-Za-z]+)\s*\}\}`)

// TestCatalogues_SameArguments: a translation uses exactly the arguments
// its English message uses (none forgotten, none invented), and a Chinese
// message that translates English words has Chinese in it.
func TestCatalogues_SameArguments(t *testing.T) {
	enLoc, zhLoc := Default.Localizer(English), Default.Localizer(Chinese)
	for _, k := range Default.Keys(English) {
		if !Default.Has(Chinese, k) {
			continue
		}
		// Rendering with every argument named as itself shows each
		// placeholder of both plural forms that Count 1 and 5 choose.
		for _, n := range []int{1, 5} {
			args := []any{"Count", n}
			for _, name := range []string{"Order", "Amount", "Request", "Refund", "State", "N", "Method", "Who", "Name"} {
				args = append(args, name, "‹"+name+"›")
			}
			en, zh := enLoc.T(k, args...), zhLoc.T(k, args...)
			if strings.Contains(en, "<no value>") != strings.Contains(zh, "<no value>") {
				t.Errorf("%s: English %q and Chinese %q do not take the same arguments", k, en, zh)
			}
		}
		enSrc, zhSrc := rawMessage(t, English, k), rawMessage(t, Chinese, k)
		if a, b := names(enSrc), names(zhSrc); !slices.Equal(a, b) {
			t.Errorf("%s: English uses %v, Chinese %v", k, a, b)
		}
		if hasWords(enSrc) && !strings.ContainsFunc(zhSrc, func(r rune) bool { return unicode.Is(unicode.Han, r) }) &&
			!slices.Contains(sameInBoth, k) {
			t.Errorf("%s: the Chinese %q has no Chinese", k, zhSrc)
		}
	}
}

// sameInBoth are messages that read the same in both languages.
var sameInBoth = []string{"cashier.brand.neutral", "console.protocol.stripe",
	"console.snippet.alipay.3", "console.snippet.alipay.6"}

func rawMessage(t *testing.T, lang, key string) string {
	t.Helper()
	// Every placeholder shown as {{.Name}}: render with the names as
	// values is not enough for plural forms, so read the template.
	loc := Default.Localizer(lang)
	var b strings.Builder
	for _, n := range []int{1, 5} {
		args := []any{"Count", n}
		for _, name := range allNames[1:] { // Count stays a number: it picks the form
			args = append(args, name, "{{."+name+"}}")
		}
		b.WriteString(loc.T(key, args...))
	}
	return b.String()
}

// allNames are the argument names the catalogues use.
var allNames = []string{"Count", "Order", "Amount", "Request", "Refund", "State", "N", "Method", "Who", "Name", "Item", "Min", "Max",
	"Doing", "Webhook", "Event", "Got", "Want", "Status", "Payment", "Deadline", "OutTradeNo", "Why", "Code", "Detail", "What",
	"Attempt", "Via", "Reason", "Refunded", "Total", "Gateway", "Note", "Next", "Was", "By", "Refundable", "Details", "Field",
	"Chinese", "Wait", "Product", "S", "M", "H", "D", "Time", "Paid", "When", "Age", "Email", "Merchant", "Card", "Minutes",
	"Hours", "Account", "Subject", "Expires", "Until", "To", "From", "Char",
	// The console's.
	"ID", "Kind", "Scenario", "Protocol", "Value", "Names", "Known", "Topic", "Type", "Outcome", "Error", "OutRefundNo",
	"Example", "Currency", "Rune", "Demo", "URL", "Since", "Query", "At", "Span", "Filter", "Operation"}

func names(s string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	slices.Sort(out)
	return out
}

// hasWords reports whether an English message has words of its own
// (outside its placeholders).
func hasWords(s string) bool {
	return strings.ContainsFunc(placeholder.ReplaceAllString(s, ""), unicode.IsLetter)
}

// TestCatalogues_NoUnknownArguments: every placeholder of every message is
// one of allNames, so the argument test above sees them all.
func TestCatalogues_NoUnknownArguments(t *testing.T) {
	for _, lang := range Languages {
		for _, k := range Default.Keys(lang) {
			if got := rawMessage(t, lang, k); strings.Contains(got, "<no value>") {
				t.Errorf("%s %s: an argument outside allNames: %q", lang, k, got)
			}
		}
	}
}

func TestMessage_NestedArgumentsAndPlurals(t *testing.T) {
	c, err := Load(fstest.MapFS{
		"l/a.en.toml": {Data: []byte(`"a.paid" = "Paid by {{.Method}} ({{.N}})."
"a.alipay" = "Alipay"
"a.left" = { one = "{{.Count}} minute", other = "{{.Count}} minutes" }`)},
		"l/a.zh-CN.toml": {Data: []byte(`"a.paid" = "已通过{{.Method}}支付（{{.N}}）。"
"a.alipay" = "支付宝"
"a.left" = { other = "{{.Count}} 分钟" }`)},
	}, "l")
	if err != nil {
		t.Fatal(err)
	}
	m := M("a.paid", "Method", M("a.alipay"), "N", 2)
	// Stored and read back, as the shop stores timeline entries.
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var back Message
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		lang string
		msg  Message
		want string
	}{
		{English, m, "Paid by Alipay (2)."},
		{Chinese, back, "已通过支付宝支付（2）。"},
		{English, M("a.left", "Count", 1), "1 minute"},
		{English, M("a.left", "Count", 9), "9 minutes"},
		{Chinese, M("a.left", "Count", 1), "1 分钟"},
		{Chinese, Raw("Old English text."), "Old English text."},
		{Chinese, M("a.nope"), "a.nope"},
	} {
		if got := c.Localizer(tt.lang).Msg(tt.msg); got != tt.want {
			t.Errorf("%s %+v = %q, want %q", tt.lang, tt.msg, got, tt.want)
		}
	}
	if _, ok := back.Args["Method"].(Message); !ok {
		t.Errorf("nested argument read back as %T, want a Message", back.Args["Method"])
	}
	if n, ok := back.Args["N"].(int64); !ok || n != 2 {
		t.Errorf("number read back as %T %v, want int64 2", back.Args["N"], back.Args["N"])
	}
}

func TestNegotiate(t *testing.T) {
	for _, tt := range []struct {
		accept  string
		choices []string
		want    string
	}{
		{"", nil, English},
		{"zh-CN,zh;q=0.9,en;q=0.8", nil, Chinese},
		{"zh", nil, Chinese},
		{"zh-Hans", nil, Chinese},
		{"en-US,en;q=0.9", nil, English},
		{"fr-FR,fr;q=0.9", nil, English},
		{"de;q=0.9,zh-CN;q=0.5", nil, Chinese},
		{"garbage;;;", nil, English},
		{"zh-CN", []string{"en"}, English},
		{"en", []string{"", "zh-CN"}, Chinese},
		{"en", []string{"klingon", "zh"}, English},
	} {
		if got := Default.Negotiate(tt.accept, tt.choices...); got != tt.want {
			t.Errorf("Negotiate(%q, %q) = %q, want %q", tt.accept, tt.choices, got, tt.want)
		}
	}
}

func TestRequest_CookieThenPreferenceThenHeader(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept-Language", "zh-CN")
	if got := Default.Request(r, "lang", "en"); got != English {
		t.Errorf("a payment's locale: %q, want en over the header", got)
	}
	r.AddCookie(newCookie("lang", "zh-CN"))
	if got := Default.Request(r, "lang", "en"); got != Chinese {
		t.Errorf("the person's choice: %q, want zh-CN over the locale", got)
	}
	bad := httptest.NewRequest("GET", "/", nil)
	bad.AddCookie(newCookie("lang", "xx"))
	if got := Default.Request(bad, "lang"); got != English {
		t.Errorf("an unsupported cookie: %q, want English", got)
	}
}

func TestSwitch(t *testing.T) {
	local := func(s string) string {
		if strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") {
			return s
		}
		return "/"
	}
	for _, tt := range []struct {
		form, wantCookie, wantLocation string
	}{
		{"lang=zh-CN&next=/orders", "zh-CN", "/orders"},
		{"lang=en&next=//evil.example", "en", "/"},
		{"lang=fr&next=/cart", "", "/cart"},
	} {
		r := httptest.NewRequest("POST", "/lang", strings.NewReader(tt.form))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		Switch(w, r, "lang", true, local)
		if w.Code != 303 || w.Header().Get("Location") != tt.wantLocation {
			t.Errorf("%s: %d to %q, want 303 to %q", tt.form, w.Code, w.Header().Get("Location"), tt.wantLocation)
		}
		cookies := w.Result().Cookies()
		switch {
		case tt.wantCookie == "" && len(cookies) != 0:
			t.Errorf("%s: set %v, want no cookie", tt.form, cookies)
		case tt.wantCookie != "" && (len(cookies) != 1 || cookies[0].Value != tt.wantCookie || !cookies[0].HttpOnly || !cookies[0].Secure):
			t.Errorf("%s: cookies %v, want one HttpOnly Secure lang=%s", tt.form, cookies, tt.wantCookie)
		}
	}
}

package i18ntest

import (
	"slices"
	"testing"
)

func TestText(t *testing.T) {
	src := `{{define "content"}}{{/* a comment, not text */}}
<h1>{{t "a.title"}}</h1>
<p>Hello {{.Name}}, welcome</p>
<input placeholder="MM/YY" aria-label="Card number" value="{{.V}}">
<img alt="{{t "a.alt"}}" src="/x.png">
<p>{{.A}} · {{.B}} ({{.C}})</p>
<code>card_declined</code>
{{end}}`
	got := Text(src, []string{"MM/YY", "card_declined"})
	want := []string{"Hello", ", welcome", "Card number"}
	if !slices.Equal(got, want) {
		t.Errorf("Text = %q, want %q", got, want)
	}
	if keys := Keys(src); !slices.Equal(keys, []string{"a.title", "a.alt"}) {
		t.Errorf("Keys = %q", keys)
	}
}

func TestVisibleText(t *testing.T) {
	got := VisibleText(`<p>订单 <code>PS-1</code> 已支付</p><script>var the = 1</script><img alt="二维码">`)
	if got != "订单   已支付 二维码 " {
		t.Errorf("VisibleText = %q", got)
	}
}

// TestCheckPage: a Chinese page with an English sentence, a key left in a
// page and a page without its <html lang> all fail.
func TestCheckPage(t *testing.T) {
	for _, tt := range []struct {
		name, body, lang string
		fails            bool
	}{
		{"good", `<html lang="zh-CN"><p>订单已支付</p><code>the_code</code></html>`, "zh-CN", false},
		{"english sentence", `<html lang="zh-CN"><p>订单 Your order is paid</p></html>`, "zh-CN", true},
		{"key left", `<html lang="en"><p>shop.pay.title</p></html>`, "en", true},
		{"missing argument", `<html lang="en"><p>Paid <no value></p></html>`, "en", true},
		{"wrong lang", `<html lang="en"><p>订单</p></html>`, "zh-CN", true},
	} {
		rec := &recorder{TB: t}
		CheckPage(rec, tt.name, tt.body, tt.lang)
		if rec.failed != tt.fails {
			t.Errorf("%s: failed = %v, want %v", tt.name, rec.failed, tt.fails)
		}
	}
}

// recorder notes a failure instead of failing the test.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Helper()               {}

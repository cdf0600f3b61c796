package console

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/i18n"
)

// TestCatalogue_SaysTheDocsWords: the scenario catalogue and the snippets'
// captions are shown from the catalogue, whose English must be the
// documents' own words and which must have every one of them in every
// language — so a document edited without its catalogue fails here.
func TestCatalogue_SaysTheDocsWords(t *testing.T) {
	en := i18n.Default.Localizer(i18n.English)
	check := func(key, want string) {
		t.Helper()
		for _, lang := range i18n.Languages {
			if !i18n.Default.Has(lang, key) {
				t.Errorf("%s lacks %q (the document says %q)", lang, key, want)
			}
		}
		if got := en.T(key); got != want {
			t.Errorf("%s is %q in console.en.toml but the document says %q", key, got, want)
		}
	}
	docs, err := parseCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		check(d.LevelKey(), d.Level)
		check(d.SimulatesKey(), d.Simulates)
		check(d.MerchantKey(), d.Merchant)
	}
	n := 0
	for p, snippets := range loadSnippets([]string{gateway.ProtocolNative, gateway.ProtocolAlipay, gateway.ProtocolWechat, gateway.ProtocolStripe}) {
		for i, s := range snippets {
			if want := fmt.Sprintf("console.snippet.%s.%d", p, i+1); s.Key != want {
				t.Errorf("snippet %d of %s has key %q, want %q", i+1, p, s.Key, want)
			}
			if s.Caption != "" {
				check(s.Key, s.Caption)
				n++
			}
		}
	}
	if n < 10 {
		t.Errorf("checked %d captions; the guides were not read", n)
	}
	for _, p := range presets {
		if !strings.HasPrefix(p.Label, "console.preset.") {
			t.Errorf("preset %s: label %q is not a catalogue key", p.Key, p.Label)
		}
	}
}

// TestCoreMessage_SaysTheCoresSentence: every refusal of ParseScenario is
// one the console says in the reader's language, and in English it reads
// exactly as the core's message (what the API answers).
func TestCoreMessage_SaysTheCoresSentence(t *testing.T) {
	for _, text := range []string{
		"api_error,,notify_drop", "no_such_scenario", "notify_drop,notify_drop", "api_timeout=1", "api_error=",
		"api_error=418", "api_latency=soon", "auto_fail=not-a-code!", "notify_duplicate=0",
		"auto_succeed,auto_fail", "refund_fail,refund_stuck", "api_error,api_timeout",
	} {
		_, err := gateway.ParseScenario(text)
		var e *gateway.Error
		if !asError(err, &e) {
			t.Fatalf("%q: %v, want a refusal", text, err)
		}
		m := coreMessage(e)
		if m.Key == "" {
			t.Errorf("%q: the console does not know the sentence %q (%s)", text, e.Format, e.Message)
			continue
		}
		if got := m.String(); got != e.Message {
			t.Errorf("%q: English %q, the core says %q", text, got, e.Message)
		}
		if zh := i18n.Default.Localizer(i18n.Chinese).Msg(m); !strings.Contains(zh, "可用场景") {
			t.Errorf("%q: Chinese %q", text, zh)
		}
	}
	// The sentences of refused actions, English as the core writes them.
	for format, s := range coreSentences {
		args := make([]any, len(s.names))
		for i, name := range s.names {
			args[i] = strings.ToLower(name) + "_1"
			if name == "State" {
				args[i] = gateway.PaymentSucceeded
			}
			if name == "Kind" {
				args[i] = "payment"
			}
		}
		e := gateway.Errorf(gateway.ParameterInvalid, "", format, args...)
		want := e.Message
		if strings.HasPrefix(s.key, "console.core.scenario.") {
			e.Code = gateway.ScenarioInvalid
			want += ". Known scenarios: " + strings.Join(gateway.ScenarioNames, ", ") + "."
		}
		if got := coreMessage(e).String(); got != want {
			t.Errorf("%s: English %q, the core says %q", s.key, got, want)
		}
	}
	// A sentence the console does not know is shown as the core wrote it.
	e := gateway.Errorf(gateway.ParameterInvalid, "x", "Something new: %s.", "x")
	if m := coreMessage(e); m.Key != "" || m.Raw != e.Message {
		t.Errorf("unknown sentence: %+v", m)
	}
}

func TestRelative_BothLanguages(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	en, zh := i18n.Default.Localizer(i18n.English), i18n.Default.Localizer(i18n.Chinese)
	for _, c := range []struct {
		d      time.Duration
		en, zh string
	}{
		{0, "now", "刚刚"},
		{-4 * time.Second, "4s ago", "4 秒前"},
		{2*time.Minute + time.Second, "in 2m", "2 分钟后"},
		{-time.Hour, "1h ago", "1 小时前"},
		{-72 * time.Hour, "3d ago", "3 天前"},
	} {
		if got := relative(en, now.Add(c.d), now); got != c.en {
			t.Errorf("%v in English: %q, want %q", c.d, got, c.en)
		}
		if got := relative(zh, now.Add(c.d), now); got != c.zh {
			t.Errorf("%v in Chinese: %q, want %q", c.d, got, c.zh)
		}
	}
}

// TestFlash_KeptAsAMessage: a flash survives the session as its key and
// arguments (nested ones too), and text from before is shown as it is.
func TestFlash_KeptAsAMessage(t *testing.T) {
	m := i18n.M("console.refused.core", "Doing", i18n.M("console.doing.succeed"),
		"Reason", i18n.M("console.core.payment_not_pending", "ID", "pay_1", "State", statusOf("succeeded")))
	back := popMessage(encodeMessage(m))
	if got, want := i18n.Default.Localizer(i18n.Chinese).Msg(back), "无法将支付标记为已支付：支付 pay_1 当前为已成功状态，不是处理中。"; got != want {
		t.Errorf("Chinese %q, want %q", got, want)
	}
	if got, want := back.String(), "Could not mark the payment paid: Payment pay_1 is succeeded, not pending."; got != want {
		t.Errorf("English %q, want %q", got, want)
	}
	if got := popMessage("Signed in."); got.Raw != "Signed in." {
		t.Errorf("old flash: %+v", got)
	}
	if got := popMessage(""); !got.IsZero() {
		t.Errorf("no flash: %+v", got)
	}
}

// A notify URL refused by NOTIFY_DENY_PRIVATE is said in the page's
// language: the sentence is the one the core really writes (a change to
// the core's wording fails here instead of falling back to English).
func TestCoreMessage_NotifyURLRefused(t *testing.T) {
	svc := gateway.NewService(nil, gateway.Config{CheckNotifyURL: func(context.Context, string) error {
		return errors.New("127.0.0.1 is a loopback address")
	}})
	err := svc.CheckNotifyURL(context.Background(), "notify_url", "http://127.0.0.1/hook")
	var e *gateway.Error
	if !asError(err, &e) {
		t.Fatalf("CheckNotifyURL = %v, want a refusal", err)
	}
	m := coreMessage(e)
	if m.Key != "console.core.notify_url_refused" || m.String() != e.Message {
		t.Fatalf("message %+v (%q), the core says %q", m, m.String(), e.Message)
	}
	zh := i18n.Default.Localizer(i18n.Chinese).Msg(m)
	if !strings.Contains(zh, "被拒绝") || !strings.Contains(zh, "127.0.0.1 is a loopback address") {
		t.Fatalf("Chinese %q", zh)
	}
}

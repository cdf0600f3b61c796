package cashier

import (
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/i18n"
)

func TestRemaining(t *testing.T) {
	en, zh := i18n.Default.Localizer(i18n.English), i18n.Default.Localizer(i18n.Chinese)
	for _, tc := range []struct {
		d      time.Duration
		en, zh string
	}{
		{-time.Second, "no time", "已无剩余时间"}, {0, "no time", "已无剩余时间"}, {59 * time.Second, "less than a minute", "不到 1 分钟"},
		{time.Minute, "1 minute", "1 分钟"}, {119 * time.Second, "1 minute", "1 分钟"}, {10*time.Minute - time.Millisecond, "9 minutes", "9 分钟"},
		{119 * time.Minute, "119 minutes", "119 分钟"}, {24 * time.Hour, "24 hours", "24 小时"},
	} {
		if got := remaining(en, tc.d); got != tc.en {
			t.Errorf("remaining(en, %v) = %q, want %q", tc.d, got, tc.en)
		}
		if got := remaining(zh, tc.d); got != tc.zh {
			t.Errorf("remaining(zh-CN, %v) = %q, want %q", tc.d, got, tc.zh)
		}
	}
}

var timeZero = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

package console

import (
	"slices"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// preset is a ready-made fault rule: what QA asks for in words, and the
// rule that does it. Between them the presets use every scenario of
// DESIGN §6.
type preset struct {
	Key, Label string
	Scenario   string
	Operation  string
	// Remaining is how many times it applies (0: until deleted).
	Remaining int64
}

var presets = []preset{
	{"create_503", "Next payment creation answers 503", "api_error=503", gateway.OpCreatePayment, 1},
	{"refund_500", "Next refund creation answers 500", "api_error=500", gateway.OpCreateRefund, 1},
	{"calls_429", "Next 3 calls answer 429 (rate limited)", "api_error=429", "", 3},
	{"create_after_commit", "Next payment creation takes effect, then answers 500", "api_error_after_commit=500", gateway.OpCreatePayment, 1},
	{"create_slow", "Every payment creation takes 2 s", "api_latency=2s", gateway.OpCreatePayment, 0},
	{"create_timeout", "Next payment creation never answers (timeout)", "api_timeout", gateway.OpCreatePayment, 1},
	{"refund_reset", "Next refund creation's connection is reset", "api_reset", gateway.OpCreateRefund, 1},
	{"query_malformed", "Next payment query answers a truncated body", "api_malformed", gateway.OpGetPayment, 1},
	{"auto_succeed", "Next payment pays itself after 2 s", "auto_succeed=2s", gateway.OpCreatePayment, 1},
	{"auto_fail", "Next payment's first pay action is declined (insufficient funds)", "auto_fail=insufficient_funds", gateway.OpCreatePayment, 1},
	{"drop_next", "Drop the next notification (its retry delivers it)", "notify_drop=1", gateway.OpNotify, 1},
	{"drop_next_3", "Drop the next 3 notifications (each arrives on its retry)", "notify_drop=1", gateway.OpNotify, 3},
	{"drop_all", "Lose the next notification for good (every attempt dropped)", "notify_drop", gateway.OpNotify, 1},
	{"delay", "Hold the next notification back 30 s", "notify_delay=30s", gateway.OpNotify, 1},
	{"duplicate", "Deliver the next notification 3 times", "notify_duplicate=2", gateway.OpNotify, 1},
	{"bad_signature", "Sign the next notification wrongly (first attempt)", "notify_bad_signature", gateway.OpNotify, 1},
	{"stale_timestamp", "Send the next notification with a 10-minute-old timestamp", "notify_stale_timestamp", gateway.OpNotify, 1},
	{"tamper_amount", "Tamper the next notification's amount", "notify_tamper_amount", gateway.OpNotify, 1},
	{"out_of_order", "Send the next payment's notifications newest first", "notify_out_of_order=5s", gateway.OpCreatePayment, 1},
	{"refund_fail", "Every refund fails (REFUND_REJECTED)", "refund_fail=REFUND_REJECTED", gateway.OpCreateRefund, 0},
	{"refund_delay", "Next refund settles after 1 minute", "refund_delay=1m", gateway.OpCreateRefund, 1},
	{"refund_stuck", "Next refund stays pending until settled here", "refund_stuck", gateway.OpCreateRefund, 1},
}

func findPreset(key string) (preset, bool) {
	i := slices.IndexFunc(presets, func(p preset) bool { return p.Key == key })
	if i < 0 {
		return preset{}, false
	}
	return presets[i], true
}

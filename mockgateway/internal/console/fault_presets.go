package console

import (
	"slices"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// preset is a ready-made fault rule: what QA asks for in words, and the
// rule that does it. Between them the presets use every scenario of
// DESIGN §6. Its words are the catalogue's console.preset.KEY (Label).
type preset struct {
	Key, Label string
	Scenario   string
	Operation  string
	// Remaining is how many times it applies (0: until deleted).
	Remaining int64
}

var presets = []preset{
	{"create_503", "console.preset.create_503", "api_error=503", gateway.OpCreatePayment, 1},
	{"refund_500", "console.preset.refund_500", "api_error=500", gateway.OpCreateRefund, 1},
	{"calls_429", "console.preset.calls_429", "api_error=429", "", 3},
	{"create_after_commit", "console.preset.create_after_commit", "api_error_after_commit=500", gateway.OpCreatePayment, 1},
	{"create_slow", "console.preset.create_slow", "api_latency=2s", gateway.OpCreatePayment, 0},
	{"create_timeout", "console.preset.create_timeout", "api_timeout", gateway.OpCreatePayment, 1},
	{"refund_reset", "console.preset.refund_reset", "api_reset", gateway.OpCreateRefund, 1},
	{"query_malformed", "console.preset.query_malformed", "api_malformed", gateway.OpGetPayment, 1},
	{"auto_succeed", "console.preset.auto_succeed", "auto_succeed=2s", gateway.OpCreatePayment, 1},
	{"auto_fail", "console.preset.auto_fail", "auto_fail=insufficient_funds", gateway.OpCreatePayment, 1},
	{"drop_next", "console.preset.drop_next", "notify_drop=1", gateway.OpNotify, 1},
	{"drop_next_3", "console.preset.drop_next_3", "notify_drop=1", gateway.OpNotify, 3},
	{"drop_all", "console.preset.drop_all", "notify_drop", gateway.OpNotify, 1},
	{"delay", "console.preset.delay", "notify_delay=30s", gateway.OpNotify, 1},
	{"duplicate", "console.preset.duplicate", "notify_duplicate=2", gateway.OpNotify, 1},
	{"bad_signature", "console.preset.bad_signature", "notify_bad_signature", gateway.OpNotify, 1},
	{"stale_timestamp", "console.preset.stale_timestamp", "notify_stale_timestamp", gateway.OpNotify, 1},
	{"tamper_amount", "console.preset.tamper_amount", "notify_tamper_amount", gateway.OpNotify, 1},
	{"out_of_order", "console.preset.out_of_order", "notify_out_of_order=5s", gateway.OpCreatePayment, 1},
	{"refund_fail", "console.preset.refund_fail", "refund_fail=REFUND_REJECTED", gateway.OpCreateRefund, 0},
	{"refund_delay", "console.preset.refund_delay", "refund_delay=1m", gateway.OpCreateRefund, 1},
	{"refund_stuck", "console.preset.refund_stuck", "refund_stuck", gateway.OpCreateRefund, 1},
}

func findPreset(key string) (preset, bool) {
	i := slices.IndexFunc(presets, func(p preset) bool { return p.Key == key })
	if i < 0 {
		return preset{}, false
	}
	return presets[i], true
}

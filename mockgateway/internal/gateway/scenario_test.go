package gateway

import (
	"strings"
	"testing"
	"time"
)

func TestParseScenario(t *testing.T) {
	tests := []struct {
		in    string
		check func(Scenario) bool
		canon string
	}{
		{"", func(s Scenario) bool { return s.IsZero() }, ""},
		{"api_error=503", func(s Scenario) bool { return s.APIError == 503 }, "api_error=503"},
		{"api_error", func(s Scenario) bool { return s.APIError == 500 }, "api_error=500"},
		{"api_error_after_commit=502", func(s Scenario) bool { return s.APIErrorAfterCommit == 502 }, "api_error_after_commit=502"},
		{"api_latency=1500ms", func(s Scenario) bool { return s.APILatency == 1500*time.Millisecond }, "api_latency=1500ms"},
		{"api_timeout", func(s Scenario) bool { return s.APITimeout }, "api_timeout"},
		{" api_reset ", func(s Scenario) bool { return s.APIReset }, "api_reset"},
		{"api_malformed", func(s Scenario) bool { return s.APIMalformed }, "api_malformed"},
		{"auto_succeed=2s", func(s Scenario) bool { return s.HasAutoSucceed && s.AutoSucceed == 2*time.Second }, "auto_succeed=2s"},
		{"auto_fail=insufficient_funds", func(s Scenario) bool { return s.AutoFail == "insufficient_funds" }, "auto_fail=insufficient_funds"},
		{"notify_drop=3", func(s Scenario) bool { return s.NotifyDrop == 3 }, "notify_drop=3"},
		{"notify_drop", func(s Scenario) bool { return s.NotifyDrop == -1 }, "notify_drop"},
		{"notify_delay=1m", func(s Scenario) bool { return s.NotifyDelay == time.Minute }, "notify_delay=1m"},
		{"notify_duplicate=2", func(s Scenario) bool { return s.NotifyDuplicate == 2 }, "notify_duplicate=2"},
		{"notify_bad_signature,notify_stale_timestamp,notify_tamper_amount", func(s Scenario) bool {
			return s.NotifyBadSignature && s.NotifyStaleTimestamp && s.NotifyTamperAmount
		}, "notify_bad_signature,notify_stale_timestamp,notify_tamper_amount"},
		{"notify_out_of_order", func(s Scenario) bool { return s.HasNotifyOutOfOrder && s.NotifyOutOfOrder == 5*time.Second }, "notify_out_of_order=5s"},
		{"refund_fail=REFUND_REJECTED", func(s Scenario) bool { return s.RefundFail == "REFUND_REJECTED" }, "refund_fail=REFUND_REJECTED"},
		{"refund_delay=1m,refund_fail", func(s Scenario) bool { return s.RefundDelay == time.Minute && s.RefundFail == "refund_rejected" }, "refund_delay=1m,refund_fail=refund_rejected"},
		{"refund_stuck", func(s Scenario) bool { return s.RefundStuck }, "refund_stuck"},
		{"api_latency=2s,notify_drop=1,auto_succeed=1s", func(s Scenario) bool {
			return s.API().String() == "api_latency=2s" && s.Stored().String() == "notify_drop=1,auto_succeed=1s" && s.Notify().String() == "notify_drop=1"
		}, "api_latency=2s,notify_drop=1,auto_succeed=1s"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			sc, err := ParseScenario(tt.in)
			if err != nil {
				t.Fatalf("ParseScenario(%q): %v", tt.in, err)
			}
			if !tt.check(sc) {
				t.Errorf("ParseScenario(%q) = %+v", tt.in, sc)
			}
			if got := sc.String(); got != tt.canon {
				t.Errorf("String() = %q, want %q", got, tt.canon)
			}
		})
	}
}

func TestParseScenario_Errors(t *testing.T) {
	for _, in := range []string{
		"nope", "api_error=418", "api_error=abc", "api_latency=5", "api_latency=forever", "api_latency=25h",
		"api_timeout=1s", "auto_fail=bad-code", "auto_fail=", "notify_drop=-1", "notify_drop=0", "notify_drop=101",
		"notify_duplicate=0", "auto_succeed,auto_fail", "refund_fail,refund_stuck", "api_error,api_latency=1s",
		"notify_drop,notify_drop=2", ",", "api_error,,notify_drop",
	} {
		_, err := ParseScenario(in)
		if ErrorCode(err) != ScenarioInvalid {
			t.Errorf("ParseScenario(%q) = %v, want scenario_invalid", in, err)
			continue
		}
		if !strings.Contains(err.Error(), "notify_out_of_order") {
			t.Errorf("ParseScenario(%q) message does not list the known names: %v", in, err)
		}
	}
}

func TestScenario_Merge(t *testing.T) {
	header, _ := ParseScenario("notify_drop=1")
	rule, _ := ParseScenario("notify_drop=5,notify_delay=2s,api_error=503")
	got := header.Merge(rule)
	if got.NotifyDrop != 1 || got.NotifyDelay != 2*time.Second || got.APIError != 503 {
		t.Errorf("Merge = %q", got)
	}
	h2, _ := ParseScenario("api_latency=1s")
	if got := h2.Merge(rule); got.APIError != 0 || got.APILatency != time.Second {
		t.Errorf("Merge kept a second api_* name: %q", got)
	}
	h3, _ := ParseScenario("auto_fail")
	r3, _ := ParseScenario("auto_succeed=1s")
	if got := h3.Merge(r3); got.HasAutoSucceed {
		t.Errorf("Merge kept a contradiction: %q", got)
	}
}

func FuzzParseScenario(f *testing.F) {
	for _, s := range []string{"api_error=503", "notify_drop", "notify_drop=3,notify_delay=1s", "auto_fail=x", "refund_fail=REFUND_REJECTED,refund_delay=1m", "api_latency=1500ms", "=", ",,", "api_error=5e2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		sc, err := ParseScenario(in)
		if err != nil {
			if ErrorCode(err) != ScenarioInvalid {
				t.Fatalf("ParseScenario(%q) error code %q", in, ErrorCode(err))
			}
			return
		}
		// The canonical form parses back to itself.
		again, err := ParseScenario(sc.String())
		if err != nil {
			t.Fatalf("canonical %q of %q does not parse: %v", sc.String(), in, err)
		}
		if again.String() != sc.String() {
			t.Fatalf("canonical form unstable: %q -> %q", sc.String(), again.String())
		}
	})
}

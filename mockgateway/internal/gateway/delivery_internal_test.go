package gateway

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestSchedule_Delay(t *testing.T) {
	sch := Schedule{0, 15 * time.Second, time.Minute}
	tests := []struct {
		name       string
		used       int
		scale      float64
		status     int
		retryAfter time.Duration
		want       time.Duration
		wantOK     bool
	}{
		{"SecondSlot", 1, 1, 500, 0, 15 * time.Second, true},
		{"ThirdSlot", 2, 1, 0, 0, time.Minute, true},
		{"NoSlotLeft", 3, 1, 500, 0, 0, false},
		{"Scaled", 1, 0.5, 500, 0, 7500 * time.Millisecond, true},
		{"RetryAfterLonger503", 1, 1, 503, time.Minute, time.Minute, true},
		{"RetryAfterLonger429", 1, 1, 429, 40 * time.Second, 40 * time.Second, true},
		{"RetryAfterShorterThanSchedule", 2, 1, 503, 5 * time.Second, time.Minute, true},
		{"RetryAfterScaled", 1, 0.1, 429, time.Minute, 6 * time.Second, true},
		{"RetryAfterIgnoredOn500", 1, 1, 500, time.Hour, 15 * time.Second, true},
		{"RetryAfterIgnoredOn200", 1, 1, 200, time.Hour, 15 * time.Second, true},
		{"RetryAfterCapped", 1, 1, 503, 100 * time.Hour, MaxRetryAfter, true},
		{"RetryAfterNoSlotLeft", 3, 1, 503, time.Minute, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := sch.Delay(tc.used, tc.scale, tc.status, tc.retryAfter)
			if got != tc.want || ok != tc.wantOK {
				t.Fatalf("Delay(%d, %v, %d, %v) = %v, %v; want %v, %v", tc.used, tc.scale, tc.status, tc.retryAfter, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestPlanDelivery(t *testing.T) {
	dropped := Attempt{Number: 1, Error: DroppedError}
	sent := Attempt{Number: 1, StatusCode: ptr(500)}
	tests := []struct {
		name      string
		scenario  string
		scheduled int
		attempts  []Attempt
		status    string
		kind      string
		want      Delivery
	}{
		{"NoScenario", "", 0, nil, "pending", AttemptScheduled, Delivery{}},
		{"DropFirstOfTwo", "notify_drop=2", 0, nil, "pending", AttemptScheduled, Delivery{Drop: true, Scenario: "notify_drop"}},
		{"DropSecondOfTwo", "notify_drop=2", 1, []Attempt{dropped}, "pending", AttemptScheduled, Delivery{Drop: true, Scenario: "notify_drop"}},
		{"DropThirdIsSent", "notify_drop=2", 2, []Attempt{dropped, dropped}, "pending", AttemptScheduled, Delivery{}},
		{"DropAll", "notify_drop", 9, nil, "pending", AttemptScheduled, Delivery{Drop: true, Scenario: "notify_drop"}},
		{"DropSparesRedelivery", "notify_drop", 3, []Attempt{dropped}, "failed", AttemptRedelivery, Delivery{}},
		{"DelayNamedOnFirst", "notify_delay=30s", 0, nil, "pending", AttemptScheduled, Delivery{Scenario: "notify_delay"}},
		{"DelayNotOnSecond", "notify_delay=30s", 1, []Attempt{sent}, "pending", AttemptScheduled, Delivery{}},
		{"OutOfOrderNamedOnFirst", "notify_out_of_order", 0, nil, "pending", AttemptScheduled, Delivery{Scenario: "notify_out_of_order"}},
		{"BadSignatureFirst", "notify_bad_signature", 0, nil, "pending", AttemptScheduled, Delivery{BadSignature: true, Scenario: "notify_bad_signature"}},
		{"BadSignatureNotSecond", "notify_bad_signature", 1, []Attempt{sent}, "pending", AttemptScheduled, Delivery{}},
		{"BadSignatureAfterDrops", "notify_drop=1,notify_bad_signature", 1, []Attempt{dropped}, "pending", AttemptScheduled, Delivery{BadSignature: true, Scenario: "notify_bad_signature"}},
		{"StaleFirst", "notify_stale_timestamp", 0, nil, "pending", AttemptScheduled, Delivery{StaleTimestamp: true, Scenario: "notify_stale_timestamp"}},
		{"TamperFirst", "notify_tamper_amount", 0, nil, "pending", AttemptScheduled, Delivery{TamperAmount: true, Scenario: "notify_tamper_amount"}},
		{"TamperFirstRedelivery", "notify_tamper_amount", 0, nil, "pending", AttemptRedelivery, Delivery{TamperAmount: true, Scenario: "notify_tamper_amount"}},
		{"DuplicateWhileUndelivered", "notify_duplicate=2", 1, []Attempt{sent}, "pending", AttemptScheduled, Delivery{Duplicates: 2}},
		{"NoDuplicateOnceDelivered", "notify_duplicate=2", 1, []Attempt{sent}, "delivered", AttemptRedelivery, Delivery{}},
		{"DuplicateCopy", "notify_duplicate=2", 1, []Attempt{sent}, "delivered", AttemptDuplicate, Delivery{Scenario: "notify_duplicate"}},
		{"Combined", "notify_delay=1s,notify_stale_timestamp,notify_tamper_amount", 0, nil, "pending", AttemptScheduled,
			Delivery{StaleTimestamp: true, TamperAmount: true, Scenario: "notify_delay,notify_stale_timestamp,notify_tamper_amount"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := ParseScenario(tc.scenario)
			if err != nil {
				t.Fatal(err)
			}
			ev := &Event{Scenario: sc, Scheduled: tc.scheduled, Attempts: tc.attempts, DeliveryStatus: tc.status}
			got := PlanDelivery(ev, tc.kind)
			got.Event, got.Kind = nil, ""
			if *got != tc.want {
				t.Fatalf("PlanDelivery = %+v, want %+v", *got, tc.want)
			}
		})
	}
}

func TestTruncateUTF8(t *testing.T) {
	long := strings.Repeat("é", 600) // 1200 bytes
	got := truncateUTF8(long, MaxResponseBody)
	if len(got) != MaxResponseBody || !utf8.ValidString(got) {
		t.Fatalf("len %d valid %v, want %d valid", len(got), utf8.ValidString(got), MaxResponseBody)
	}
	odd := "x" + long // the cut falls inside a character
	got = truncateUTF8(odd, MaxResponseBody)
	if len(got) != MaxResponseBody-1 || !utf8.ValidString(got) {
		t.Fatalf("len %d valid %v, want %d valid", len(got), utf8.ValidString(got), MaxResponseBody-1)
	}
	if got := truncateUTF8("ok\xff", 10); got != "ok\uFFFD" {
		t.Fatalf("invalid byte: got %q", got)
	}
}

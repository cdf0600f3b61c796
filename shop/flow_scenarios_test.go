package main

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayclient"
	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// TestFlow_GatewayNotificationFaults lets the real gateway misbehave with its
// notify_* scenarios (docs/scenarios.md) and checks that every order ends correct and
// its timeline explains what happened. The reconciler is kept out of the way
// (RECONCILE_AFTER 1h), so only notifications settle these orders.
func TestFlow_GatewayNotificationFaults(t *testing.T) {
	f := startFlow(t, nil, nil, "")
	ctx := context.Background()
	alice := f.signIn("alice@example.com", "alice-sandbox")
	tests := []struct {
		scenario string
		decline  bool // decline once before paying
		want     map[string]int
		flagged  bool
		// statuses the shop answered, in the order the gateway recorded them
		answers string
	}{
		{scenario: "notify_duplicate=2", want: map[string]int{shop.KindPaid: 1, shop.KindNotificationIgnored: 2}, answers: "200,200,200"},
		{scenario: "notify_tamper_amount", want: map[string]int{shop.KindPaid: 1, shop.KindNotificationRejected: 1}, flagged: true, answers: "422,200"},
		{scenario: "notify_bad_signature", want: map[string]int{shop.KindPaid: 1, shop.KindNotificationRejected: 1}, flagged: true, answers: "401,200"},
		{scenario: "notify_stale_timestamp", want: map[string]int{shop.KindPaid: 1, shop.KindNotificationRejected: 1}, flagged: true, answers: "401,200"},
		{scenario: "notify_out_of_order=1s", decline: true, want: map[string]int{shop.KindPaid: 1, shop.KindPaymentDeclined: 0, shop.KindNotificationIgnored: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			f.setScenario(tt.scenario)
			no := alice.order("6")
			alice.post("/orders/"+no+"/pay", url.Values{"method": {"alipay"}})
			p, err := f.api.GetPaymentByOutTradeNo(ctx, no+"-1")
			if err != nil {
				t.Fatal(err)
			}
			if tt.decline {
				if _, err := f.api.FailPayment(ctx, p.ID, "insufficient_funds"); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := f.api.SucceedPayment(ctx, p.ID); err != nil {
				t.Fatal(err)
			}
			f.eventually(20*time.Second, "timeline never settled:\n"+f.timeline(no), func() bool {
				if f.order(no).Status != shop.OrderPaid {
					return false
				}
				for kind, n := range tt.want {
					if count(f.timeline(no), kind+" |") != n {
						return false
					}
				}
				return true
			})
			t.Logf("timeline of %s:\n%s", no, f.timeline(no))
			if got := strings.Contains(f.timeline(no), "Refused"); got != tt.flagged {
				t.Errorf("flagged refusal in timeline = %v, want %v:\n%s", got, tt.flagged, f.timeline(no))
			}
			if tt.answers != "" {
				// The gateway records an attempt once the shop has answered
				// it, so the last answer may be recorded a moment after the
				// shop applied it.
				var got []string
				deadline := time.Now().Add(10 * time.Second)
				for {
					events, err := f.api.ListEvents(ctx, gatewayclient.ListEventsParams{ObjectID: p.ID, Type: "payment.succeeded"})
					if err != nil || len(events.Data) != 1 {
						t.Fatalf("events: %v %v", events, err)
					}
					got = got[:0]
					for _, a := range events.Data[0].Attempts {
						if a.StatusCode != nil {
							got = append(got, strconv.Itoa(*a.StatusCode))
						}
					}
					if strings.Join(got, ",") == tt.answers || time.Now().After(deadline) {
						break
					}
					time.Sleep(50 * time.Millisecond)
				}
				if strings.Join(got, ",") != tt.answers {
					t.Errorf("shop answered %v, want %s", got, tt.answers)
				}
			}
		})
	}
}

func count(s, sub string) int { return strings.Count(s, sub) }

package gateway_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// scanFixture has three merchants whose payments interleave in time.
func scanFixture(t *testing.T) (*fixture, []*gateway.Merchant, []*gateway.Payment) {
	t.Helper()
	f := newFixtureWith(t, func(c *gateway.Config) {
		c.Protocols = map[string]gateway.ProtocolRules{"echo": {RefKinds: []string{"echo.trade_no"}}}
	})
	ms := []*gateway.Merchant{f.m}
	for _, name := range []string{"Second", "Third"} {
		m, err := f.svc.CreateMerchant(f.ctx, name, "")
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	var ps []*gateway.Payment // oldest first
	for i := range 30 {
		f.clock.Set(f.clock.Now().Add(time.Second))
		m := ms[i%3]
		in := gateway.CreatePaymentInput{OutTradeNo: "scan-" + string(rune('a'+i)), Amount: int64(100 + i), Currency: "CNY",
			Method: gateway.Methods[i%4], Subject: "Tea"}
		if i%5 == 0 {
			in.Protocol, in.Refs = "echo", map[string]string{"echo.trade_no": "2031" + string(rune('a'+i))}
		}
		p, _, err := f.svc.CreatePayment(f.ctx, m, in)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	return f, ms, ps
}

func ids(ps []*gateway.Payment) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func TestService_ScanPayments(t *testing.T) {
	f, ms, ps := scanFixture(t)
	newestFirst := slices.Clone(ids(ps))
	slices.Reverse(newestFirst)

	t.Run("AcrossMerchantsInPages", func(t *testing.T) {
		var got []string
		q := gateway.ScanQuery{Limit: 7}
		for pages := 0; ; pages++ {
			pg, err := f.svc.ScanPayments(f.ctx, "", gateway.PaymentFilter{}, q)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ids(pg.Items)...)
			if !pg.More {
				break
			}
			if pages > 10 {
				t.Fatal("no end of the list")
			}
			q.StartingAfter = pg.Next
		}
		if !slices.Equal(got, newestFirst) {
			t.Fatalf("got %v\nwant %v", got, newestFirst)
		}
	})
	t.Run("OneMerchantFiltered", func(t *testing.T) {
		pg, err := f.svc.ScanPayments(f.ctx, ms[1].ID, gateway.PaymentFilter{Method: gateway.MethodWechat}, gateway.ScanQuery{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for i := len(ps) - 1; i >= 0; i-- {
			if i%3 == 1 && gateway.Methods[i%4] == gateway.MethodWechat {
				want = append(want, ps[i].ID)
			}
		}
		if got := ids(pg.Items); !slices.Equal(got, want) || pg.More {
			t.Fatalf("got %v (more %v), want %v", got, pg.More, want)
		}
	})
	t.Run("MaxScanEndsAPageEarly", func(t *testing.T) {
		// Only the oldest payment has amount 100: a page may read 10.
		q := gateway.ScanQuery{Limit: 5, MaxScan: 10}
		keep := gateway.PaymentFilter{Protocol: "echo"}
		var got []string
		for pages := 0; ; pages++ {
			pg, err := f.svc.ScanPayments(f.ctx, "", keep, q)
			if err != nil {
				t.Fatal(err)
			}
			if pg.Scanned > 10 {
				t.Fatalf("read %d objects for a page, want at most 10", pg.Scanned)
			}
			got = append(got, ids(pg.Items)...)
			if !pg.More {
				break
			}
			if pages > 10 {
				t.Fatal("no end of the list")
			}
			q.StartingAfter = pg.Next
		}
		var want []string
		for i := len(ps) - 1; i >= 0; i-- {
			if i%5 == 0 {
				want = append(want, ps[i].ID)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
	})
	t.Run("Since", func(t *testing.T) {
		pg, err := f.svc.ScanPayments(f.ctx, "", gateway.PaymentFilter{}, gateway.ScanQuery{Limit: 100, Since: ps[25].CreatedAt})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ids(pg.Items), newestFirst[:5]; !slices.Equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
	})
}

func TestService_Find(t *testing.T) {
	f, ms, ps := scanFixture(t)
	for _, tc := range []struct {
		name, term string
		want       gateway.ObjectRef
	}{
		{"PaymentID", ps[4].ID, gateway.ObjectRef{Kind: "payment", MerchantID: ms[1].ID, ID: ps[4].ID, Via: "id"}},
		{"OutTradeNo", "scan-c", gateway.ObjectRef{Kind: "payment", MerchantID: ms[2].ID, ID: ps[2].ID, Via: "out_trade_no"}},
		{"ProtocolRef", "2031k", gateway.ObjectRef{Kind: "payment", MerchantID: ms[1].ID, ID: ps[10].ID, Via: "echo.trade_no"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.svc.Find(f.ctx, tc.term)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0] != tc.want {
				t.Fatalf("got %+v, want [%+v]", got, tc.want)
			}
		})
	}
	t.Run("RefundByOutRefundNo", func(t *testing.T) {
		p := ps[0]
		if _, err := f.svc.SucceedPayment(f.ctx, ms[0], p.ID); err != nil {
			t.Fatal(err)
		}
		re, _, err := f.svc.CreateRefund(f.ctx, ms[0], gateway.CreateRefundInput{PaymentID: p.ID, OutRefundNo: "rf-1"})
		if err != nil {
			t.Fatal(err)
		}
		for _, term := range []string{"rf-1", re.ID} {
			got, err := f.svc.Find(f.ctx, term)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Kind != "refund" || got[0].ID != re.ID || got[0].MerchantID != ms[0].ID {
				t.Fatalf("find %s: got %+v, want refund %s", term, got, re.ID)
			}
		}
	})
	t.Run("Nothing", func(t *testing.T) {
		for _, term := range []string{"nope", "", "two words", "pay_0000000000aaaaaaaaaaaaaaaa"} {
			got, err := f.svc.Find(f.ctx, term)
			if err != nil || len(got) != 0 {
				t.Fatalf("find %q: %+v, %v; want nothing", term, got, err)
			}
		}
	})
}

func TestService_Counts(t *testing.T) {
	f, ms, ps := scanFixture(t)
	for _, p := range ps[20:24] {
		m := ms[slices.IndexFunc(ms, func(m *gateway.Merchant) bool { return m.ID == p.MerchantID })]
		if _, err := f.svc.SucceedPayment(f.ctx, m, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	since := ps[10].CreatedAt
	c, err := f.svc.Counts(f.ctx, since, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if c.Payments.Total != 20 || c.Payments.ByStatus["succeeded"] != 4 || c.Payments.ByStatus["pending"] != 16 || c.Payments.Partial() {
		t.Fatalf("payments %+v, want 20: 4 succeeded, 16 pending", c.Payments)
	}
	// Every success made an event (the default topics); only the first
	// merchant has a notify URL, so the other two's events failed at once.
	if c.Events.Total != 4 || c.Events.ByStatus["pending"] != 1 || c.Events.ByStatus["failed"] != 3 {
		t.Fatalf("events %+v, want 1 pending, 3 failed", c.Events)
	}
	sampled, err := f.svc.Counts(f.ctx, since, 5)
	if err != nil {
		t.Fatal(err)
	}
	if sampled.Payments.Total != 20 || sampled.Payments.Counted != 5 || !sampled.Payments.Partial() {
		t.Fatalf("sampled payments %+v, want 20 with 5 counted", sampled.Payments)
	}
}

// With many merchants each is read a few ids at a time; one merchant that
// holds all the newest payments is read again as it runs dry, and the list
// stays in order.
func TestService_ScanPayments_ManyMerchants(t *testing.T) {
	f := newFixtureWith(t, nil)
	var ms []*gateway.Merchant
	for i := range 30 {
		m, err := f.svc.CreateMerchant(f.ctx, fmt.Sprintf("Shop %d", i), "")
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	var want []string // newest first
	create := func(m *gateway.Merchant) {
		f.clock.Set(f.clock.Now().Add(time.Millisecond))
		p, _, err := f.svc.CreatePayment(f.ctx, m, gateway.CreatePaymentInput{OutTradeNo: gateway.RandomToken(12), Amount: 100, Method: "card", Subject: "Tea"})
		if err != nil {
			t.Fatal(err)
		}
		want = append([]string{p.ID}, want...)
	}
	for _, m := range ms {
		create(m)
	}
	for range 45 {
		create(ms[29])
	}
	var got []string
	q := gateway.ScanQuery{Limit: 20}
	for pages := 0; ; pages++ {
		pg, err := f.svc.ScanPayments(f.ctx, "", gateway.PaymentFilter{}, q)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ids(pg.Items)...)
		if !pg.More {
			break
		}
		if pages > 10 {
			t.Fatal("no end of the list")
		}
		q.StartingAfter = pg.Next
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %d payments, want %d in order:\ngot  %v\nwant %v", len(got), len(want), got, want)
	}
}

package reconciler

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/paysandbox/paysandbox/shared/gatewayclient"
	"github.com/paysandbox/paysandbox/shared/gatewaytest"
	"github.com/paysandbox/paysandbox/shared/redistest"
	"github.com/paysandbox/paysandbox/shop/internal/payment"
	"github.com/paysandbox/paysandbox/shop/internal/shop"
	"github.com/paysandbox/paysandbox/shop/internal/sqlite"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// TestReconciler_StuckItemsDoNotStarveNewerOnes: five expired orders whose
// payments the gateway cannot read or close (fault rules answer 503 for
// them, every time) are older than a payment that succeeded and an order
// that expired later. With two items of each kind per pass, the stuck ones
// must not be the only ones read on every pass: within three passes the
// newer payment is applied and the newer order closed.
func TestReconciler_StuckItemsDoNotStarveNewerOnes(t *testing.T) {
	ctx := context.Background()
	gw := gatewaytest.Start(t, nil)
	for _, op := range []string{"get_payment", "close_payment"} {
		gw.AddFault(map[string]any{"match": map[string]any{"operation": op, "out_trade_no_prefix": "PS-STUCK"}, "scenario": "api_error=503"})
	}
	api := gatewayclient.New(gw.URL, gw.APIKey, gatewayclient.WithMaxAttempts(1))
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "shop.db"), sqlite.WithSeedPasswordCost(bcrypt.MinCost))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Now().UTC().Add(-time.Hour)
	db.Now = func() time.Time { return now }
	alice, err := db.FindUserByEmail(ctx, "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	// order places an order at the store's clock with one attempt whose
	// gateway payment exists (pending, or succeeded when pay is set).
	order := func(no string, ttl time.Duration, pay bool) *shop.Order {
		t.Helper()
		o, err := db.CreateOrder(ctx, sqlite.NewOrder{UserID: alice.ID, Actor: "test", Currency: "CNY", TTL: ttl,
			Items: []shop.OrderItem{{ProductID: 1, Name: "Tea", UnitPrice: 6800, Quantity: 1}}, NewNo: func() (string, error) { return no, nil }})
		if err != nil {
			t.Fatal(err)
		}
		plan, err := db.StartAttempt(ctx, no, alice.ID, "alipay", "", "test", sqlite.Lease{})
		if err != nil {
			t.Fatal(err)
		}
		a := plan.Attempt
		p, err := api.CreatePayment(ctx, &gatewayclient.CreatePaymentParams{OutTradeNo: a.OutTradeNo, Amount: a.Amount, Currency: a.Currency,
			Method: a.Method, Subject: "order " + no})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AttemptCreated(ctx, a.ID, sqlite.GatewayPayment{PaymentID: p.ID, PayURL: p.PayURL, QRCodeURL: p.QRCodeURL, ExpiresAt: p.ExpiresAt}); err != nil {
			t.Fatal(err)
		}
		if pay {
			if _, err := api.SucceedPayment(ctx, p.ID); err != nil {
				t.Fatal(err)
			}
		}
		return o
	}
	for i := 1; i <= 5; i++ {
		order(fmt.Sprintf("PS-STUCK-%d", i), time.Minute, false)
		now = now.Add(time.Second)
	}
	now = now.Add(10 * time.Minute)
	paid := order("PS-PAID", 24*time.Hour, true)
	now = now.Add(10 * time.Minute)
	expired, err := db.CreateOrder(ctx, sqlite.NewOrder{UserID: alice.ID, Actor: "test", Currency: "CNY", TTL: time.Minute,
		Items: []shop.OrderItem{{ProductID: 1, Name: "Tea", UnitPrice: 6800, Quantity: 1}}, NewNo: func() (string, error) { return "PS-EXPIRED", nil }})
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Hour)

	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := payment.New(db, api, payment.Config{MerchantID: gatewaytest.DemoMerchantID, PublicURL: "http://shop.test", Methods: []string{"alipay"}, Log: log})
	r := New(db, svc, time.Hour, 0, log, WithBatch(2), WithClock(db.Now))
	for range 3 {
		_ = r.Once(ctx) // the stuck items fail on every pass
	}
	if got, _ := db.FindOrderByID(ctx, paid.ID); got.Status != shop.OrderPaid {
		t.Errorf("order paid at the gateway = %s after 3 passes, want paid: the stuck attempts starve it", got.Status)
	}
	if got, _ := db.FindOrderByID(ctx, expired.ID); got.Status != shop.OrderClosed {
		t.Errorf("expired order = %s after 3 passes, want closed: the stuck orders starve it", got.Status)
	}
	for i := 1; i <= 5; i++ {
		if o, _ := db.FindOrder(ctx, fmt.Sprintf("PS-STUCK-%d", i)); o.Status != shop.OrderPendingPayment {
			t.Errorf("stuck order %s = %s; the fault rules did not hold it, the test proves nothing", o.No, o.Status)
		}
	}
}

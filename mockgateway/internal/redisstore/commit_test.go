package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/redisstore"
	"github.com/paysandbox/paysandbox/shared/redistest"
)

// A payment's out_trade_no claim lives as long as the payment: every write
// of the payment renews both.
func TestCommit_RenewsMerchantNumberTTL(t *testing.T) {
	rdb := redistest.Client(t)
	ctx := context.Background()
	svc := gateway.NewService(redisstore.New(rdb), gateway.Config{PublicURL: "http://gw.test", DataRetention: time.Hour})
	m, err := svc.CreateMerchant(ctx, "ttl", "")
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := svc.CreatePayment(ctx, m, gateway.CreatePaymentInput{OutTradeNo: "TTL-1", Amount: 100, Currency: "CNY", Method: "card", Subject: "x"})
	if err != nil {
		t.Fatal(err)
	}
	claim := "ps:{" + m.ID + "}:otn:TTL-1"
	// Age the claim, then change the payment.
	if err := rdb.PExpire(ctx, claim, time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SucceedPayment(ctx, m, p.ID); err != nil {
		t.Fatal(err)
	}
	if ttl := rdb.PTTL(ctx, claim).Val(); ttl < 59*time.Minute {
		t.Fatalf("claim TTL %v after a write, want renewed to about 1h", ttl)
	}
}

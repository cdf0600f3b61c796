package redisstore_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/redisstore"
	"github.com/paysandbox/paysandbox/shared/redistest"
)

// A commit whose caller has gone away is still applied (the batcher sends
// it regardless), so the merchant must be marked due as well — on a
// cluster too, where the marks go after the commit — or its notification
// would wait for the minute's sweep.

// cancelledCommit is a store whose commits run under a context that has
// ended (the API client hung up while the commit was on its way). The
// batcher sends the commit anyway (WithoutCancel), so it is applied.
type cancelledCommit struct{ *redisstore.Store }

func (w cancelledCommit) Commit(ctx context.Context, mid string, b *gateway.Batch) error {
	c, cancel := context.WithCancel(ctx)
	cancel()
	return w.Store.Commit(c, mid, b)
}

func markedAfterCancelledCommit(t *testing.T, rdb redis.UniversalClient) {
	store := redisstore.New(rdb)
	ctx := context.Background()
	plain := gateway.NewService(store, gateway.Config{PublicURL: "http://gw.test"})
	m, err := plain.CreateMerchant(ctx, "m", "http://127.0.0.1:9/hook")
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := plain.CreatePayment(ctx, m, gateway.CreatePaymentInput{OutTradeNo: "Z-1", Amount: 1, Method: "card", Subject: "x"})
	if err != nil {
		t.Fatal(err)
	}
	svc := gateway.NewService(cancelledCommit{store}, gateway.Config{PublicURL: "http://gw.test"})
	res, err := svc.SucceedPayment(ctx, m, p.ID)
	t.Logf("succeed: %v", err)
	got, err := plain.Payment(ctx, m, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != gateway.PaymentSucceeded {
		t.Fatalf("the commit of a caller gone away was not applied: %v, %v", got.Status, res)
	}
	due, err := store.DueMerchants(ctx, gateway.QueueDeliver, time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(due, m.ID) {
		t.Fatalf("payment %s succeeded (its event is queued) but merchant %s is not marked due: %v — the notification waits for the next Sweep", p.ID, m.ID, due)
	}
}

func TestCommit_CancelledCallerStillMarks(t *testing.T) {
	markedAfterCancelledCommit(t, redistest.Client(t))
}

func TestCommit_CancelledCallerStillMarks_Cluster(t *testing.T) {
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: redistest.Cluster(t)})
	t.Cleanup(func() { _ = rdb.Close() })
	markedAfterCancelledCommit(t, rdb)
}

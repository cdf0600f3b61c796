package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/redistest"
)

// A fault rule's create that runs a second time (the client sent it again
// after a late reply) leaves the rule as it is: the applications taken in
// between stay taken.
func TestCreateFaultRule_RunAgainKeepsTakes(t *testing.T) {
	ctx := context.Background()
	s := New(redistest.Client(t))
	two := int64(2)
	r := &gateway.FaultRule{ID: gateway.NewID("fr", time.Now()), Object: "fault_rule", Remaining: &two, CreatedAt: time.Now()}
	for range 2 {
		if err := s.CreateFaultRule(ctx, r); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.TakeFaultRule(ctx, r.ID); err != nil || !ok {
			t.Fatalf("take: %v %v", ok, err)
		}
	}
	if ok, err := s.TakeFaultRule(ctx, r.ID); err != nil || ok {
		t.Fatalf("a rule for two calls gave a third: %v %v", ok, err)
	}
}

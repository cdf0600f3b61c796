package console_test

import (
	"testing"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

func TestConsole_Smoke(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn()
	p := e.paid(gatewayInput())
	for _, path := range []string{"/admin", "/admin/payments", "/admin/payments/" + p.ID, "/admin/refunds", "/admin/events",
		"/admin/faults", "/admin/scenarios", "/admin/merchants", "/admin/merchants/m_demo", "/admin/reset", "/admin/search?q=" + p.OutTradeNo} {
		r := b.get(path)
		if r.Status != 200 && r.Status != 303 {
			t.Errorf("GET %s: %d\n%s", path, r.Status, r.Body)
		}
	}
}

func gatewayInput() gateway.CreatePaymentInput { return gateway.CreatePaymentInput{} }

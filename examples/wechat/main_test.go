package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewaytest"
	"github.com/paysandbox/paysandbox/shared/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// The example runs as documented against a real gateway binary.
func TestExample_PaysAndRefundsOneOrder(t *testing.T) {
	g := gatewaytest.Start(t, map[string]string{"REFUND_DELAY": "200ms"})
	var out bytes.Buffer
	err := run(context.Background(), config{GatewayURL: g.URL, AdminToken: g.AdminToken, MerchantID: "m_demo", Wait: 30 * time.Second}, &out)
	if err != nil {
		t.Fatalf("%v\noutput so far:\n%s", err, out.String())
	}
	for _, want := range []string{
		"code_url " + g.URL + "/pay/pay_",
		"notified: TRANSACTION.SUCCESS",
		"queried: trade_state SUCCESS, paid 1999 fen",
		": PROCESSING",
		"notified: REFUND.SUCCESS, refund_status SUCCESS",
		"queried refund: status SUCCESS",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

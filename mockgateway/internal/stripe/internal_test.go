package stripe

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	sdk "github.com/stripe/stripe-go/v85"
	"github.com/stripe/stripe-go/v85/webhook"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// The api_version events carry by default is one the pinned stripe-go
// accepts: ConstructEvent refuses another release train.
func TestDefaultAPIVersion_IsTheSDKs(t *testing.T) {
	if DefaultAPIVersion != sdk.APIVersion {
		t.Fatalf("DefaultAPIVersion %q, stripe-go expects %q", DefaultAPIVersion, sdk.APIVersion)
	}
}

// SignatureHeader signs as Stripe does: ConstructEvent accepts it with the
// whole whsec_ string as the key, and refuses another key or an old time.
func TestSignatureHeader(t *testing.T) {
	body, _ := json.Marshal(event{ID: "evt_1", Object: "event", APIVersion: DefaultAPIVersion, Type: "payment_intent.succeeded", Data: eventData{Object: map[string]any{"id": "pi_1"}}})
	secret := "whsec_test_secret"
	if _, err := webhook.ConstructEvent(body, SignatureHeader(secret, time.Now(), body), secret); err != nil {
		t.Fatalf("valid signature refused: %v", err)
	}
	if _, err := webhook.ConstructEvent(body, SignatureHeader("whsec_other", time.Now(), body), secret); err == nil {
		t.Fatal("a signature by another key was accepted")
	}
	if _, err := webhook.ConstructEvent(body, SignatureHeader(secret, time.Now().Add(-gateway.StaleTimestampAge), body), secret); err == nil {
		t.Fatal("a stale signature was accepted")
	}
}

func TestDecodeForm(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want map[string]any
	}{
		{"a=1&b=x+y", map[string]any{"a": "1", "b": "x y"}},
		{"metadata[order]=1&metadata[k]=", map[string]any{"metadata": map[string]any{"order": "1", "k": ""}}},
		{"t[]=card&t[]=alipay", map[string]any{"t": []any{"card", "alipay"}}},
		{"t[1]=b&t[0]=a", map[string]any{"t": []any{"a", "b"}}},
		{"li[0][q]=1&li[0][p][c]=usd&li[1][q]=2", map[string]any{"li": []any{
			map[string]any{"q": "1", "p": map[string]any{"c": "usd"}}, map[string]any{"q": "2"},
		}}},
		{"li%5B0%5D%5Bq%5D=3", map[string]any{"li": []any{map[string]any{"q": "3"}}}},
	} {
		got, err := decodeForm(tc.in)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("decodeForm(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"a=1&a[b]=2", "a[b=1", "[x]=1", "a[0]=1&a[x]=2", "a[5000]=1"} {
		if got, err := decodeForm(bad); err == nil {
			t.Errorf("decodeForm(%q) = %v, want an error", bad, got)
		}
	}
}

func TestParams_UnknownNamesTheParameter(t *testing.T) {
	tree, _ := decodeForm("amount=5&line_items[0][quantity]=1&line_items[0][extra]=x")
	p := newParams(tree, "")
	_, _ = p.integer("amount", 1, 10)
	items, _, _ := p.objects("line_items")
	_, _ = items[0].integer("quantity", 1, 10)
	err := p.unknown()
	if ae, ok := err.(*apiError); !ok || ae.code != "parameter_unknown" || ae.param != "line_items[0][extra]" {
		t.Fatalf("unknown: %v", err)
	}
}

// Topics: the Stripe events each core change makes.
func TestTopics(t *testing.T) {
	intent := &gateway.Payment{Protocol: Name, Ext: paymentExt{Kind: kindIntent}.raw()}
	sess := &gateway.Payment{Protocol: Name, Ext: paymentExt{Kind: kindSession}.raw()}
	sc, _ := gateway.ParseScenario("refund_delay=1s")
	delayed := &gateway.Refund{Scenario: sc.Stored()}
	inCall := &gateway.Refund{}
	for _, tc := range []struct {
		ch   gateway.Change
		want []string
	}{
		{gateway.Change{Type: gateway.EventPaymentSucceeded, Payment: intent}, []string{"payment_intent.succeeded"}},
		{gateway.Change{Type: gateway.EventPaymentSucceeded, Payment: sess}, []string{"checkout.session.completed", "payment_intent.succeeded"}},
		{gateway.Change{Type: gateway.EventPaymentFailed, Payment: sess}, []string{"payment_intent.payment_failed"}},
		{gateway.Change{Type: gateway.EventPaymentClosed, Payment: intent}, []string{"payment_intent.canceled"}},
		{gateway.Change{Type: gateway.EventPaymentClosed, Payment: sess}, []string{"checkout.session.expired"}},
		{gateway.Change{Type: gateway.EventRefundCreated, Payment: intent, Refund: inCall}, nil},
		{gateway.Change{Type: gateway.EventRefundSucceeded, Payment: intent, Refund: inCall}, []string{"refund.created", "charge.refunded"}},
		{gateway.Change{Type: gateway.EventRefundCreated, Payment: intent, Refund: delayed}, []string{"refund.created"}},
		{gateway.Change{Type: gateway.EventRefundSucceeded, Payment: intent, Refund: delayed}, []string{"refund.updated", "charge.refunded"}},
		{gateway.Change{Type: gateway.EventRefundFailed, Payment: intent, Refund: delayed}, []string{"refund.updated"}},
	} {
		if got := Topics(tc.ch); !slices.Equal(got, tc.want) {
			t.Errorf("Topics(%s, %s) = %v, want %v", tc.ch.Type, tc.ch.Payment.Ext, got, tc.want)
		}
	}
}

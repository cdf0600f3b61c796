package stripe_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	stripe "github.com/stripe/stripe-go/v85"

	"github.com/paysandbox/paysandbox/shared/gatewaytest"
)

// setup starts a gateway, a merchant whose webhooks go to a verifying
// receiver, and a stripe-go client of that merchant on the STRIPE_ADDR
// listener.
func setup(t *testing.T) (*gatewaytest.Gateway, merchantJSON, *stripe.Client, *recorder, *receiver) {
	t.Helper()
	g := startGateway(t)
	recv := newReceiver(t)
	m := newMerchant(t, g, recv.srv.URL)
	recv.setSecret(m.Stripe.WebhookSecret)
	sc, rec := newClient(g.StripeURL, m.Stripe.SecretKey)
	return g, m, sc, rec, recv
}

// A PaymentIntent created and confirmed with pm_card_visa succeeds, its
// charge is retrievable, refunds succeed at once, and every step is a
// webhook the SDK's ConstructEvent accepts.
func TestSDK_PaymentIntentFlow(t *testing.T) {
	_, _, sc, _, recv := setup(t)
	ctx := context.Background()
	params := &stripe.PaymentIntentCreateParams{
		Amount: stripe.Int64(1999), Currency: stripe.String("usd"), Description: stripe.String("Two teas"),
		PaymentMethodTypes: stripe.StringSlice([]string{"card"}),
	}
	params.AddMetadata("order", "A-1")
	pi, err := sc.V1PaymentIntents.Create(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(pi.ID, "pi_") || pi.Status != stripe.PaymentIntentStatusRequiresPaymentMethod ||
		pi.Amount != 1999 || pi.Currency != "usd" || pi.Metadata["order"] != "A-1" || pi.LatestCharge != nil {
		t.Fatalf("created %+v", pi)
	}
	pi, err = sc.V1PaymentIntents.Update(ctx, pi.ID, &stripe.PaymentIntentUpdateParams{Amount: stripe.Int64(2999), PaymentMethod: stripe.String("pm_card_visa")})
	if err != nil || pi.Amount != 2999 || pi.Status != stripe.PaymentIntentStatusRequiresConfirmation {
		t.Fatalf("updated %+v, %v", pi, err)
	}
	pi, err = sc.V1PaymentIntents.Confirm(ctx, pi.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if pi.Status != stripe.PaymentIntentStatusSucceeded || pi.AmountReceived != 2999 || pi.LatestCharge == nil ||
		!strings.HasPrefix(pi.LatestCharge.ID, "ch_") || pi.PaymentMethod == nil || pi.PaymentMethod.ID != "pm_card_visa" {
		t.Fatalf("confirmed %+v", pi)
	}
	if _, err := sc.V1PaymentIntents.Update(ctx, pi.ID, &stripe.PaymentIntentUpdateParams{Amount: stripe.Int64(1)}); err == nil {
		t.Fatal("a succeeded intent's amount changed")
	} else if se := stripeErr(t, err); se.Code != "payment_intent_unexpected_state" || se.HTTPStatusCode != 400 {
		t.Fatalf("update after success: %+v", se)
	}
	ch, err := sc.V1Charges.Retrieve(ctx, pi.LatestCharge.ID, nil)
	if err != nil || ch.Status != stripe.ChargeStatusSucceeded || !ch.Paid || ch.Amount != 2999 || ch.PaymentIntent.ID != pi.ID ||
		ch.PaymentMethodDetails == nil || ch.PaymentMethodDetails.Card == nil || ch.PaymentMethodDetails.Card.Last4 != "4242" {
		t.Fatalf("charge %+v, %v", ch, err)
	}
	recv.waitFor(pi.ID, "payment_intent.succeeded")

	re1, err := sc.V1Refunds.Create(ctx, &stripe.RefundCreateParams{PaymentIntent: stripe.String(pi.ID), Amount: stripe.Int64(1000), Reason: stripe.String("requested_by_customer")})
	if err != nil || re1.Status != stripe.RefundStatusSucceeded || re1.Amount != 1000 || re1.Charge.ID != ch.ID || re1.Reason != "requested_by_customer" {
		t.Fatalf("refund %+v, %v", re1, err)
	}
	re2, err := sc.V1Refunds.Create(ctx, &stripe.RefundCreateParams{Charge: stripe.String(ch.ID)})
	if err != nil || re2.Status != stripe.RefundStatusSucceeded || re2.Amount != 1999 {
		t.Fatalf("refund of the rest %+v, %v", re2, err)
	}
	_, err = sc.V1Refunds.Create(ctx, &stripe.RefundCreateParams{PaymentIntent: stripe.String(pi.ID)})
	if se := stripeErr(t, err); se.Code != "charge_already_refunded" || se.HTTPStatusCode != 400 {
		t.Fatalf("third refund: %+v", se)
	}
	ch, err = sc.V1Charges.Retrieve(ctx, ch.ID, nil)
	if err != nil || ch.AmountRefunded != 2999 || !ch.Refunded {
		t.Fatalf("charge after refunds %+v, %v", ch, err)
	}
	got, err := sc.V1Refunds.Retrieve(ctx, re1.ID, nil)
	if err != nil || got.ID != re1.ID || got.Status != stripe.RefundStatusSucceeded || got.PaymentIntent.ID != pi.ID {
		t.Fatalf("retrieve refund %+v, %v", got, err)
	}
	var listed []string
	for r, err := range sc.V1Refunds.List(ctx, &stripe.RefundListParams{PaymentIntent: stripe.String(pi.ID)}).All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, r.ID)
	}
	// Newest first by id; two made in one millisecond may come either way.
	if !sameSet(listed, []string{re1.ID, re2.ID}) || !newestFirst(listed) {
		t.Fatalf("refunds listed %v, want %v newest first", listed, []string{re2.ID, re1.ID})
	}
	for _, re := range []*stripe.Refund{re1, re2} {
		recv.waitFor(re.ID, "refund.created")
	}
	charged := recv.waitCount(ch.ID, "charge.refunded", 2)
	if len(charged) != 2 {
		t.Fatalf("charge.refunded %d times, want 2:%s", len(charged), recv.summary())
	}
	for _, d := range recv.deliveries() {
		if d.Event.APIVersion != stripe.APIVersion {
			t.Fatalf("event %s api_version %q, want the SDK's %q", d.Event.ID, d.Event.APIVersion, stripe.APIVersion)
		}
	}

	// The Events API shows the same events, of one type on request.
	var types []string
	for ev, err := range sc.V1Events.List(ctx, &stripe.EventListParams{}).All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, string(ev.Type))
	}
	slices.Sort(types)
	want := []string{"charge.refunded", "charge.refunded", "payment_intent.succeeded", "refund.created", "refund.created"}
	if !slices.Equal(types, want) {
		t.Fatalf("events %v, want %v", types, want)
	}
	var refunded []*stripe.Event
	for ev, err := range sc.V1Events.List(ctx, &stripe.EventListParams{Type: stripe.String("charge.refunded")}).All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		refunded = append(refunded, ev)
	}
	if len(refunded) != 2 {
		t.Fatalf("charge.refunded listed %d", len(refunded))
	}
	ev, err := sc.V1Events.Retrieve(ctx, refunded[0].ID, nil)
	if err != nil || ev.Type != "charge.refunded" || ev.Data.Object["object"] != "charge" || ev.Data.Object["amount_refunded"].(float64) != 2999 {
		t.Fatalf("event %+v, %v", ev, err)
	}
}

// A declining test card is a 402 card_error with Stripe's code and
// decline_code; the intent is back in requires_payment_method with the
// decline as last_payment_error, and can be paid after.
func TestSDK_Declines(t *testing.T) {
	_, _, sc, _, recv := setup(t)
	ctx := context.Background()
	for _, tc := range []struct{ pm, code, decline string }{
		{"pm_card_chargeDeclined", "card_declined", "generic_decline"},
		{"pm_card_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds"},
		{"pm_card_chargeDeclinedExpiredCard", "expired_card", "expired_card"},
		{"pm_card_chargeDeclinedProcessingError", "processing_error", "processing_error"},
	} {
		t.Run(tc.pm, func(t *testing.T) {
			pi, err := sc.V1PaymentIntents.Create(ctx, &stripe.PaymentIntentCreateParams{
				Amount: stripe.Int64(500), Currency: stripe.String("eur"), PaymentMethod: stripe.String(tc.pm), Confirm: stripe.Bool(true),
			})
			if err == nil {
				t.Fatalf("confirmed with %s: %+v", tc.pm, pi)
			}
			se := stripeErr(t, err)
			if se.HTTPStatusCode != 402 || se.Type != stripe.ErrorTypeCard || string(se.Code) != tc.code || string(se.DeclineCode) != tc.decline ||
				se.PaymentIntent == nil || se.PaymentIntent.Status != stripe.PaymentIntentStatusRequiresPaymentMethod {
				t.Fatalf("decline %+v", se)
			}
			var card *stripe.CardError
			if !errorsAs(err, &card) || string(card.DeclineCode) != tc.decline {
				t.Fatalf("not a CardError with decline_code %s: %v", tc.decline, err)
			}
			id := se.PaymentIntent.ID
			pi, err = sc.V1PaymentIntents.Retrieve(ctx, id, nil)
			if err != nil || pi.Status != stripe.PaymentIntentStatusRequiresPaymentMethod || pi.LastPaymentError == nil ||
				string(pi.LastPaymentError.Code) != tc.code || pi.LastPaymentError.PaymentMethod == nil || pi.LastPaymentError.PaymentMethod.ID != tc.pm ||
				pi.PaymentMethod != nil || pi.LatestCharge == nil {
				t.Fatalf("after the decline %+v, %v", pi, err)
			}
			ch, err := sc.V1Charges.Retrieve(ctx, pi.LatestCharge.ID, nil)
			if err != nil || ch.Status != stripe.ChargeStatusFailed || ch.FailureCode != tc.code {
				t.Fatalf("failed charge %+v, %v", ch, err)
			}
			recv.waitFor(id, "payment_intent.payment_failed")
			pi, err = sc.V1PaymentIntents.Confirm(ctx, id, &stripe.PaymentIntentConfirmParams{PaymentMethod: stripe.String("pm_card_visa")})
			if err != nil || pi.Status != stripe.PaymentIntentStatusSucceeded || pi.LastPaymentError != nil {
				t.Fatalf("paid after the decline %+v, %v", pi, err)
			}
		})
	}
}

// The SDK's idempotency keys: the same key and parameters answer the same
// intent (Idempotent-Replayed), other parameters an idempotency_error.
func TestSDK_Idempotency(t *testing.T) {
	_, _, sc, rec, _ := setup(t)
	ctx := context.Background()
	mk := func(amount int64) (*stripe.PaymentIntent, error) {
		p := &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(amount), Currency: stripe.String("usd")}
		p.SetIdempotencyKey("order-42")
		p.AddMetadata("order", "42")
		return sc.V1PaymentIntents.Create(ctx, p)
	}
	first, err := mk(700)
	if err != nil {
		t.Fatal(err)
	}
	again, err := mk(700)
	if err != nil || again.ID != first.ID {
		t.Fatalf("retry answered %+v, %v; want %s", again, err, first.ID)
	}
	if reqs := rec.requests(); len(reqs) != 2 || reqs[0].Replayed || !reqs[1].Replayed {
		t.Fatalf("requests %+v: the second must be a replay", reqs)
	}
	_, err = mk(701)
	if se := stripeErr(t, err); se.Type != stripe.ErrorTypeIdempotency || se.HTTPStatusCode != 400 || !strings.Contains(se.Msg, "order-42") {
		t.Fatalf("other parameters under the key: %+v", se)
	}
	n := 0
	for _, err := range sc.V1PaymentIntents.List(ctx, nil).All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1 {
		t.Fatalf("%d intents, want 1", n)
	}
}

// A Checkout Session is paid on the gateway's cashier: the browser goes to
// success_url with the session id, the session and its PaymentIntent
// complete, and both webhooks pass ConstructEvent.
func TestSDK_CheckoutSession(t *testing.T) {
	g, _, sc, _, recv := setup(t)
	ctx := context.Background()
	params := &stripe.CheckoutSessionCreateParams{
		Mode:       stripe.String("payment"),
		SuccessURL: stripe.String("http://shop.test/done?session_id={CHECKOUT_SESSION_ID}"),
		CancelURL:  stripe.String("http://shop.test/cart"),
		LineItems: []*stripe.CheckoutSessionCreateLineItemParams{{
			Quantity: stripe.Int64(2),
			PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{
				Currency: stripe.String("usd"), UnitAmount: stripe.Int64(750),
				ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String("Green tea")},
			},
		}},
		ClientReferenceID: stripe.String("order-7"),
	}
	params.AddMetadata("order", "7")
	s, err := sc.V1CheckoutSessions.Create(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.ID, "cs_test_") || s.Status != stripe.CheckoutSessionStatusOpen || s.AmountTotal != 1500 ||
		s.PaymentStatus != stripe.CheckoutSessionPaymentStatusUnpaid || !strings.HasPrefix(s.URL, g.URL+"/pay/") {
		t.Fatalf("session %+v", s)
	}
	link := payOnCashier(t, g, s.URL, "4242424242424242")
	if want := "http://shop.test/done?session_id=" + s.ID; link != want {
		t.Fatalf("return link %q, want %q", link, want)
	}
	s, err = sc.V1CheckoutSessions.Retrieve(ctx, s.ID, &stripe.CheckoutSessionRetrieveParams{
		Expand: []*string{stripe.String("payment_intent"), stripe.String("line_items")},
	})
	if err != nil || s.Status != stripe.CheckoutSessionStatusComplete || s.PaymentStatus != stripe.CheckoutSessionPaymentStatusPaid ||
		s.PaymentIntent == nil || s.PaymentIntent.Status != stripe.PaymentIntentStatusSucceeded || s.URL != "" ||
		s.LineItems == nil || len(s.LineItems.Data) != 1 || s.LineItems.Data[0].Quantity != 2 || s.ClientReferenceID != "order-7" {
		t.Fatalf("paid session %+v, %v", s, err)
	}
	completed := recv.waitFor(s.ID, "checkout.session.completed")
	if ev := completed[0].Event; ev.Data.Object["payment_status"] != "paid" || ev.Data.Object["payment_intent"] != s.PaymentIntent.ID {
		t.Fatalf("checkout.session.completed object %v", ev.Data.Object)
	}
	recv.waitFor(s.PaymentIntent.ID, "payment_intent.succeeded")

	// A session's intent is paid on its page, not through the API.
	_, err = sc.V1PaymentIntents.Cancel(ctx, s.PaymentIntent.ID, nil)
	if se := stripeErr(t, err); se.Code != "payment_intent_unexpected_state" {
		t.Fatalf("cancel of a session's intent: %+v", se)
	}

	// An open session expires on request; a declined card leaves it open.
	other, err := sc.V1CheckoutSessions.Create(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	if link := payOnCashier(t, g, other.URL, "4000000000000002"); link != "http://shop.test/cart" {
		t.Fatalf("return link after a decline %q, want the cancel_url", link)
	}
	other, err = sc.V1CheckoutSessions.Expire(ctx, other.ID, nil)
	if err != nil || other.Status != stripe.CheckoutSessionStatusExpired {
		t.Fatalf("expired %+v, %v", other, err)
	}
	recv.waitFor(other.ID, "checkout.session.expired")
	recv.waitFor(other.PaymentIntent.ID, "payment_intent.payment_failed")
	_, err = sc.V1CheckoutSessions.Expire(ctx, other.ID, nil)
	if se := stripeErr(t, err); se.HTTPStatusCode != 400 {
		t.Fatalf("expiring twice: %+v", se)
	}
	var ids []string
	for cs, err := range sc.V1CheckoutSessions.List(ctx, &stripe.CheckoutSessionListParams{}).All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, cs.ID)
	}
	if !sameSet(ids, []string{other.ID, s.ID}) || !newestFirst(ids) {
		t.Fatalf("sessions %v", ids)
	}
}

// Lists page newest first with limit and starting_after, as the SDK's
// iterator walks them.
func TestSDK_ListPagination(t *testing.T) {
	g, m, sc, rec, _ := setup(t)
	ctx := context.Background()
	var made []string
	for i := range 5 {
		pi, err := sc.V1PaymentIntents.Create(ctx, &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(int64(100 + i)), Currency: stripe.String("jpy")})
		if err != nil {
			t.Fatal(err)
		}
		made = append([]string{pi.ID}, made...)
	}
	var got []string
	lp := &stripe.PaymentIntentListParams{}
	lp.Limit = stripe.Int64(2)
	for pi, err := range sc.V1PaymentIntents.List(ctx, lp).All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, pi.ID)
	}
	if !sameSet(got, made) || !newestFirst(got) {
		t.Fatalf("listed %v, want %v newest first", got, made)
	}
	pages := 0
	for _, r := range rec.requests() {
		if r.Method == http.MethodGet {
			pages++
		}
	}
	if pages != 3 {
		t.Fatalf("%d pages of 2 for 5 intents, want 3", pages)
	}
	st, _, body := raw(t, http.MethodGet, g.StripeURL+"/v1/payment_intents", m.Stripe.SecretKey, "limit=2&starting_after="+got[1])
	if st != 200 || body["object"] != "list" || body["has_more"] != true || body["url"] != "/v1/payment_intents" {
		t.Fatalf("page: %d %v", st, body)
	}
	if data := body["data"].([]any); len(data) != 2 || data[0].(map[string]any)["id"] != got[2] {
		t.Fatalf("page after %s: %v, want %s first", got[1], data, got[2])
	}
}

func errorsAs[T error](err error, target *T) bool {
	for err != nil {
		if t, ok := err.(T); ok {
			*target = t
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

var _ = url.Values{}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// newestFirst: ids carry their creation time in front, so a list newest
// first is sorted by id in descending order.
func newestFirst(ids []string) bool {
	return slices.IsSortedFunc(ids, func(a, b string) int {
		return strings.Compare(b[strings.LastIndexByte(b, '_'):], a[strings.LastIndexByte(a, '_'):])
	})
}

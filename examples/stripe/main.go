// Command stripe shows a shop's Stripe flow against PaySandbox's Stripe
// subset with the official stripe-go SDK, changed only in its backend URL:
// a PaymentIntent paid with a test payment method, a declined one, a
// refund, a Checkout Session to pay on the cashier, and the events the
// gateway recorded. It needs a running gateway (make run) and a merchant's
// Stripe secret key (GET /admin/api/merchants/m_demo, under "stripe").
//
//	go run ./examples/stripe -key sk_test_…
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"

	stripe "github.com/stripe/stripe-go/v85"
)

func main() {
	base := flag.String("base", "http://localhost:12111", "the Stripe subset: STRIPE_ADDR (stripe-go refuses a base URL with a path)")
	key := flag.String("key", os.Getenv("STRIPE_SECRET_KEY"), "the merchant's Stripe secret key (sk_test_…)")
	flag.Parse()
	if *key == "" {
		log.Fatal("give the merchant's Stripe secret key with -key or STRIPE_SECRET_KEY (admin API: GET /admin/api/merchants/m_demo, \"stripe\".\"secret_key\")")
	}
	if err := run(context.Background(), *base, *key); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, base, key string) error {
	sc := stripe.NewClient(key, stripe.WithBackends(stripe.NewBackendsWithConfig(&stripe.BackendConfig{URL: stripe.String(base)})))

	// 1. A PaymentIntent confirmed with a test card that pays.
	params := &stripe.PaymentIntentCreateParams{
		Amount: stripe.Int64(1999), Currency: stripe.String("usd"), Description: stripe.String("Two teas"),
		PaymentMethod: stripe.String("pm_card_visa"), Confirm: stripe.Bool(true),
	}
	params.AddMetadata("order_id", "A-1001")
	pi, err := sc.V1PaymentIntents.Create(ctx, params)
	if err != nil {
		return fmt.Errorf("create payment intent: %w", err)
	}
	fmt.Printf("payment intent %s: %s, charge %s\n", pi.ID, pi.Status, pi.LatestCharge.ID)

	// 2. A declined card: a *stripe.Error with the decline, the intent back
	// in requires_payment_method.
	_, err = sc.V1PaymentIntents.Create(ctx, &stripe.PaymentIntentCreateParams{
		Amount: stripe.Int64(500), Currency: stripe.String("usd"),
		PaymentMethod: stripe.String("pm_card_chargeDeclinedInsufficientFunds"), Confirm: stripe.Bool(true),
	})
	var se *stripe.Error
	if !errors.As(err, &se) {
		return fmt.Errorf("expected a decline, got %v", err)
	}
	fmt.Printf("declined: %s / %s, intent %s is %s\n", se.Code, se.DeclineCode, se.PaymentIntent.ID, se.PaymentIntent.Status)

	// 3. A partial refund, succeeded at once.
	re, err := sc.V1Refunds.Create(ctx, &stripe.RefundCreateParams{PaymentIntent: stripe.String(pi.ID), Amount: stripe.Int64(500)})
	if err != nil {
		return fmt.Errorf("refund: %w", err)
	}
	fmt.Printf("refund %s: %s\n", re.ID, re.Status)

	// 4. A Checkout Session: open its url in a browser and pay with
	// 4242 4242 4242 4242; the browser then goes to success_url.
	s, err := sc.V1CheckoutSessions.Create(ctx, &stripe.CheckoutSessionCreateParams{
		Mode:       stripe.String("payment"),
		SuccessURL: stripe.String("http://localhost:8080/thanks?session_id={CHECKOUT_SESSION_ID}"),
		CancelURL:  stripe.String("http://localhost:8080/cart"),
		LineItems: []*stripe.CheckoutSessionCreateLineItemParams{{
			Quantity: stripe.Int64(1),
			PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{
				Currency: stripe.String("usd"), UnitAmount: stripe.Int64(1250),
				ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String("Green tea")},
			},
		}},
	})
	if err != nil {
		return fmt.Errorf("checkout session: %w", err)
	}
	fmt.Printf("checkout session %s: pay at %s\n", s.ID, s.URL)

	// 5. The events the gateway recorded (and sent to the merchant's
	// notify_url, signed for webhook.ConstructEvent).
	lp := &stripe.EventListParams{}
	lp.Limit = stripe.Int64(10)
	lp.Single = true
	for ev, err := range sc.V1Events.List(ctx, lp).All(ctx) {
		if err != nil {
			return fmt.Errorf("events: %w", err)
		}
		fmt.Printf("event %s %s\n", ev.ID, ev.Type)
	}
	return nil
}

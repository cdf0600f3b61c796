package payment

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/gatewayclient"
	"github.com/paysandbox/paysandbox/shared/i18n"
	"github.com/paysandbox/paysandbox/shop/internal/shop"
	"github.com/paysandbox/paysandbox/shop/internal/sqlite"
)

// Pay returns the attempt that pays order orderNo of user u with method,
// ready for the customer: the open attempt when it has that method and the
// gateway still has it pending (a retry after a decline), otherwise a new
// attempt after closing the open one. An attempt that another request is
// creating or settling is waited for (at most Config.WaitTimeout), never
// decided about behind its back. Errors: EINVALID (method not offered),
// ENOTFOUND, ECONFLICT (the order cannot be paid, e.g. it turned out to be
// paid already, or another request kept its attempt too long), EUNAVAILABLE
// (gateway unreachable; nothing is lost, the customer may try again).
//
// locale is the customer's language (i18n.Supported, or ""): a new attempt
// keeps it and its gateway payment is created with it, so the cashier
// speaks the customer's language.
func (s *Service) Pay(ctx context.Context, u *shop.User, orderNo, method, locale string) (*shop.Attempt, error) {
	if !s.MethodAllowed(method) {
		return nil, shop.Errorf(shop.EINVALID, "shop.error.method_not_offered")
	}
	if !i18n.Supported(locale) {
		locale = ""
	}
	actor := shop.ActorCustomer(u.Email)
	deadline := time.Now().Add(s.cfg.WaitTimeout)
	// Each round either returns or settles one open attempt, so a few rounds
	// always suffice; the bound only guards against a gateway that lies.
	// Waiting for another request's attempt is not a round.
	for rounds := 0; rounds < 4; {
		lease := s.newLease()
		plan, err := s.db.StartAttempt(ctx, orderNo, u.ID, method, locale, actor, lease)
		if err != nil {
			return nil, err
		}
		switch {
		case plan.Wait != nil:
			if err := s.waitFor(ctx, plan.Wait, deadline); err != nil {
				return nil, err
			}
			continue
		case plan.Close != nil:
			rounds++
			if err := s.closeAttempt(ctx, plan.Close, lease.Token, actor); err != nil {
				return nil, err
			}
			continue
		case plan.Create:
			return s.create(ctx, plan.Order, plan.Attempt, lease.Token)
		}
		rounds++
		a := plan.Attempt
		p, err := s.gw.GetPayment(ctx, a.PaymentID)
		if gatewayclient.IsNotFound(err) {
			// The gateway forgot the payment: the attempt is closed and
			// the next round opens a new one.
			if err := s.forgotten(ctx, a, a.PaymentID, "", actor); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, unavailable(err, doingCheck)
		}
		if _, err := s.ApplyPayment(ctx, PaymentFacts(p, ""), shop.Source{Actor: shop.ActorSystem}); err != nil {
			return nil, err
		}
		if p.Status == gatewayapi.PaymentPending {
			return s.db.FindAttempt(ctx, a.OrderID, a.N)
		}
	}
	return nil, shop.Errorf(shop.ECONFLICT, "shop.error.not_started")
}

// create creates an attempt's gateway payment; the caller holds the
// attempt with lease. The Idempotency-Key and the body depend only on the
// stored attempt, so a repeat after a crash or a double click finds the
// same payment. The call is bounded by CreateTimeout, inside the lease, and
// is not cut short when the customer goes away: its answer is recorded.
func (s *Service) create(ctx context.Context, o *shop.Order, a *shop.Attempt, lease string) (*shop.Attempt, error) {
	params := &gatewayclient.CreatePaymentParams{
		OutTradeNo:  a.OutTradeNo,
		Amount:      a.Amount,
		Currency:    a.Currency,
		Method:      a.Method,
		Subject:     subject(o, a),
		Description: describe(o, a),
		Locale:      a.Locale,
		NotifyURL:   s.NotifyURL(),
		ReturnURL:   s.orderURL(o.No, "/return"),
		ExpiresIn:   expiresIn(a),
		Metadata:    map[string]string{"order_no": o.No, "attempt": strconv.Itoa(a.N)},
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.CreateTimeout)
	defer cancel()
	defer s.letGo.broadcast()
	p, err := s.gw.CreatePayment(ctx, params, gatewayclient.WithIdempotencyKey("create-"+a.OutTradeNo))
	if err != nil {
		if gatewayclient.IsTemporary(err) {
			if !mayLand(err) {
				// Nothing of this call is on its way: nobody need wait
				// for the lease to run out.
				s.release(ctx, a, lease)
			}
			return nil, unavailable(err, doingStart)
		}
		// Refused for good: this attempt can never be paid; record why so
		// the next click opens a fresh one.
		if _, cerr := s.db.CloseAttemptLocally(ctx, a.ID, shop.LocalClose{Reason: shop.LocalRefused, Lease: lease,
			Code: gatewayclient.ErrorCode(err), Detail: err.Error()}, shop.ActorSystem); cerr != nil {
			return nil, cerr
		}
		return nil, fmt.Errorf("payment: create %s: %w", a.OutTradeNo, err)
	}
	got, err := s.db.AttemptCreated(ctx, a.ID, sqlite.GatewayPayment{PaymentID: p.ID, PayURL: p.PayURL, QRCodeURL: p.QRCodeURL, ExpiresAt: p.ExpiresAt})
	if err != nil {
		return nil, err
	}
	if got.Status == shop.AttemptClosed {
		// Closed here while this call was on its way. The lease makes that
		// impossible unless this request outlived its lease (stalled far
		// beyond CreateTimeout), but should it happen, the payment it made
		// must not stay open at the gateway. If it succeeded meanwhile,
		// applying it pays the order or refunds the money. Should the
		// gateway be unreachable now, the payment expires with the order,
		// and a success would still arrive and be applied.
		if err := s.closePayment(ctx, got, p.ID, "", shop.ActorSystem); err != nil {
			return nil, err
		}
		return s.db.FindAttempt(ctx, a.OrderID, a.N)
	}
	if p.Status != gatewayapi.PaymentPending || p.LastError != nil {
		// An existing payment answered again (after a crash) may have moved on.
		if _, err := s.ApplyPayment(ctx, PaymentFacts(p, ""), shop.Source{Actor: shop.ActorSystem}); err != nil {
			return nil, err
		}
		return s.db.FindAttempt(ctx, a.OrderID, a.N)
	}
	return got, nil
}

// subject is the payment's subject, in the attempt's language: the customer
// reads it on the cashier.
func subject(o *shop.Order, a *shop.Attempt) string {
	return i18n.Default.Localizer(a.Locale).T("shop.payment.subject", "Order", o.No)
}

// describe lists the order's items for the cashier, in the attempt's
// language.
func describe(o *shop.Order, a *shop.Attempt) string {
	loc := i18n.Default.Localizer(a.Locale)
	d := ""
	for i, it := range o.Items {
		if i > 0 {
			d += loc.T("shop.payment.item_separator")
		}
		d += loc.T("shop.checkout.line", "Count", it.Quantity, "Product", shop.ProductText(it.Slug, "name", it.Name))
	}
	// Cut on a character boundary: "×" and product names are multi-byte.
	if r := []rune(d); len(r) > 250 {
		d = string(r[:250])
	}
	return d
}

// closeAttempt settles an open attempt at the gateway: it closes the
// payment, or learns that it succeeded (then the order becomes paid, or the
// money is refunded), or that it never existed or no longer exists. An
// attempt still being created must be held by the caller with lease: only
// then does a 404 mean that the gateway never created it, because no create
// call for it can land while the caller holds it. The hold ends here.
func (s *Service) closeAttempt(ctx context.Context, a *shop.Attempt, lease, actor string) error {
	id := a.PaymentID
	if id == "" {
		defer s.release(ctx, a, lease)
		p, err := s.gw.GetPaymentByOutTradeNo(ctx, a.OutTradeNo)
		if gatewayclient.IsNotFound(err) {
			// Not closed when the hold was lost meanwhile; the caller
			// finds the attempt open and decides again.
			_, err := s.db.CloseAttemptLocally(ctx, a.ID, shop.LocalClose{Reason: shop.LocalNeverCreated, Lease: lease}, actor)
			return err
		}
		if err != nil {
			return unavailable(err, doingClose)
		}
		id = p.ID
	}
	return s.closePayment(ctx, a, id, lease, actor)
}

// closePayment closes attempt a's gateway payment id and applies what the
// gateway says: closed, or succeeded (it could not be closed), or unknown.
func (s *Service) closePayment(ctx context.Context, a *shop.Attempt, id, lease, actor string) error {
	p, err := s.gw.ClosePayment(ctx, id)
	if gatewayclient.ErrorCode(err) == gatewayclient.CodePaymentNotClosable {
		p, err = s.gw.GetPayment(ctx, id)
	}
	if gatewayclient.IsNotFound(err) {
		return s.forgotten(ctx, a, id, lease, actor)
	}
	if err != nil {
		return unavailable(err, doingClose)
	}
	_, err = s.ApplyPayment(ctx, PaymentFacts(p, ""), shop.Source{Actor: actor})
	return err
}

// forgotten closes an attempt whose payment the gateway answers 404 for: it
// had the payment (we hold its id, or found it by out_trade_no while holding
// the attempt) and lost it, which a reset or a restart of its embedded
// Redis does. Nothing can be paid or closed there any more, so the attempt
// is closed here, flagged, and the order may go on.
func (s *Service) forgotten(ctx context.Context, a *shop.Attempt, paymentID, lease, actor string) error {
	_, err := s.db.CloseAttemptLocally(ctx, a.ID, shop.LocalClose{Reason: shop.LocalForgotten, PaymentID: paymentID, Lease: lease}, actor)
	return err
}

// closeOpenAttempts settles every open attempt of an order at the gateway.
// An attempt being created is taken over first; one that another request
// holds is waited for until deadline, or, with a zero deadline, left for
// later: then closeOpenAttempts returns errBusy.
func (s *Service) closeOpenAttempts(ctx context.Context, orderID int64, actor string, deadline time.Time) error {
	for {
		attempts, err := s.db.Attempts(ctx, orderID)
		if err != nil {
			return err
		}
		var busy *shop.Attempt
		for i := range attempts {
			a := &attempts[i]
			if !a.Open() {
				continue
			}
			lease := ""
			if a.Status == shop.AttemptCreating {
				l := s.newLease()
				cur, held, err := s.db.HoldAttempt(ctx, a.ID, l)
				if err != nil {
					return err
				}
				if !held {
					busy = cur
					break
				}
				if !cur.Open() {
					continue
				}
				a, lease = cur, l.Token
			}
			if err := s.closeAttempt(ctx, a, lease, actor); err != nil {
				return err
			}
		}
		if busy == nil {
			return nil
		}
		if deadline.IsZero() {
			return errBusy
		}
		if err := s.waitFor(ctx, busy, deadline); err != nil {
			return err
		}
	}
}

// Cancel closes an unpaid order of u at the customer's request: its open
// payment is closed at the gateway first; if that payment had already
// succeeded the order is paid instead and ECONFLICT says so.
func (s *Service) Cancel(ctx context.Context, u *shop.User, orderNo string) (*shop.Order, error) {
	o, err := s.db.FindOrderForUser(ctx, orderNo, u.ID)
	if err != nil {
		return nil, err
	}
	if err := shop.CheckCancel(o); err != nil {
		return o, err
	}
	actor := shop.ActorCustomer(u.Email)
	if err := s.closeOpenAttempts(ctx, o.ID, actor, time.Now().Add(s.cfg.WaitTimeout)); err != nil {
		return o, err
	}
	return s.db.CloseOrder(ctx, o.ID, shop.CloseCancelled, actor)
}

// CloseExpired closes an order whose ORDER_TTL has passed, the same way as a
// cancellation, except that an attempt another request is creating is not
// waited for: the order is left for a later pass.
func (s *Service) CloseExpired(ctx context.Context, o *shop.Order, actor string) error {
	if err := s.closeOpenAttempts(ctx, o.ID, actor, time.Time{}); errors.Is(err, errBusy) {
		return nil
	} else if err != nil {
		return err
	}
	_, err := s.db.CloseOrder(ctx, o.ID, shop.CloseExpired, actor)
	if shop.ErrorCode(err) == shop.ECONFLICT {
		// Paid meanwhile (closing found a succeeded payment) or a new
		// attempt raced in; the next round decides again.
		return nil
	}
	return err
}

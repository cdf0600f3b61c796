package payment

import (
	"context"
	"errors"
	"fmt"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/gatewayclient"
	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// SyncAttempt reads an attempt's payment from the gateway and applies it as
// a notification would be applied. An attempt the gateway never created is
// left for its order's expiry, when closing settles it (its create call may
// still be on its way); one whose payment the gateway forgot is closed.
func (s *Service) SyncAttempt(ctx context.Context, a *shop.Attempt, actor string) error {
	p, err := s.gw.GetPaymentByOutTradeNo(ctx, a.OutTradeNo)
	if gatewayclient.IsNotFound(err) {
		if a.Status == shop.AttemptCreating {
			return nil
		}
		return s.forgotten(ctx, a, a.PaymentID, "", actor)
	}
	if err != nil {
		return fmt.Errorf("payment: read %s: %w", a.OutTradeNo, err)
	}
	_, err = s.ApplyPayment(ctx, PaymentFacts(p, ""), shop.Source{Actor: actor})
	if shop.ErrorCode(err) == shop.EMISMATCH {
		// Flagged on the timeline already; nothing else to do.
		return nil
	}
	return err
}

// CheckReturn is the return page's check: when the order still awaits
// payment, the payment named by a verified return redirect is read from the
// gateway and applied. It never trusts the redirect's status itself.
func (s *Service) CheckReturn(ctx context.Context, a *shop.Attempt, paymentID string) error {
	if !a.Open() {
		return nil
	}
	if a.PaymentID != "" && paymentID != a.PaymentID {
		return shop.Errorf(shop.EMISMATCH, "shop.error.return_other_payment")
	}
	p, err := s.gw.GetPayment(ctx, paymentID)
	if gatewayclient.IsNotFound(err) && a.PaymentID != "" {
		return s.forgotten(ctx, a, a.PaymentID, "", shop.ActorReturn)
	}
	if err != nil {
		return unavailable(err, doingConfirm)
	}
	_, err = s.ApplyPayment(ctx, PaymentFacts(p, ""), shop.Source{Actor: shop.ActorReturn})
	return err
}

// SubmitRefund creates a queued refund at the gateway. The out_refund_no
// was fixed when the refund was queued and doubles as the Idempotency-Key,
// so submitting twice creates one refund.
func (s *Service) SubmitRefund(ctx context.Context, r *shop.Refund, actor string) error {
	t, err := s.db.FindRefundTarget(ctx, r.ID)
	if err != nil {
		return err
	}
	if t.Refund.Status != shop.RefundCreating {
		return nil
	}
	got, err := s.gw.CreateRefund(ctx, &gatewayclient.CreateRefundParams{
		PaymentID: t.PaymentID, OutRefundNo: r.OutRefundNo, Amount: r.Amount, Reason: r.Reason, NotifyURL: s.NotifyURL(),
	}, gatewayclient.WithIdempotencyKey("refund-"+r.OutRefundNo))
	if err != nil {
		if gatewayclient.IsTemporary(err) {
			return fmt.Errorf("payment: create refund %s: %w", r.OutRefundNo, err)
		}
		// Any other answer is for good, a 404 included: the gateway does
		// not know the payment (it was reset), and asking again will not
		// change that.
		var e *gatewayclient.Error
		msg := err.Error()
		if errors.As(err, &e) {
			msg = e.Message
		}
		return s.db.RefundRefused(ctx, r.ID, gatewayclient.ErrorCode(err), msg, actor)
	}
	if err := s.db.RefundCreated(ctx, r.ID, got.ID, actor); err != nil {
		return err
	}
	if got.Status != gatewayapi.RefundPending {
		_, err := s.ApplyRefund(ctx, RefundFacts(got, s.cfg.MerchantID, ""), shop.Source{Actor: actor})
		return err
	}
	return nil
}

// SyncRefund reads a pending refund from the gateway and applies it; one
// the gateway no longer has fails.
func (s *Service) SyncRefund(ctx context.Context, r *shop.Refund, actor string) error {
	got, err := s.gw.GetRefundByOutRefundNo(ctx, r.OutRefundNo)
	if gatewayclient.IsNotFound(err) {
		// It accepted the refund and has forgotten it (a reset): the
		// money will not move, so the refund failed and support decides.
		return s.db.RefundMissing(ctx, r.ID, actor)
	}
	if err != nil {
		return fmt.Errorf("payment: read refund %s: %w", r.OutRefundNo, err)
	}
	_, err = s.ApplyRefund(ctx, RefundFacts(got, s.cfg.MerchantID, ""), shop.Source{Actor: actor})
	if shop.ErrorCode(err) == shop.EMISMATCH {
		return nil
	}
	return err
}

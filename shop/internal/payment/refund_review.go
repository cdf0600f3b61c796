package payment

import (
	"context"

	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// ApproveRefund records a support user's approval of a refund request,
// which writes the request's gateway refund with its out_refund_no, and
// then creates that refund at the gateway. A double-clicked approval finds
// the request decided (ECONFLICT) and sends nothing. Errors: ENOTFOUND,
// EINVALID (note), ECONFLICT.
func (s *Service) ApproveRefund(ctx context.Context, support *shop.User, requestNo, note string) (*shop.Refund, error) {
	r, err := s.db.ApproveRefundRequest(ctx, requestNo, support, note)
	if err != nil {
		return nil, err
	}
	return s.send(ctx, r, shop.ActorSupport(support.Name)), nil
}

// RejectRefund records a support user's rejection of a refund request.
// Errors as ApproveRefund.
func (s *Service) RejectRefund(ctx context.Context, support *shop.User, requestNo, note string) error {
	return s.db.RejectRefundRequest(ctx, requestNo, support, note)
}

// RetryRefund records a support user's retry of a failed refund, which
// writes its replacement with a new out_refund_no, and creates that at the
// gateway. Errors: ENOTFOUND, EINVALID (note), ECONFLICT (not failed, or
// retried already).
func (s *Service) RetryRefund(ctx context.Context, support *shop.User, outRefundNo, note string) (*shop.Refund, error) {
	r, err := s.db.RetryRefund(ctx, outRefundNo, support, note)
	if err != nil {
		return nil, err
	}
	return s.send(ctx, r, shop.ActorSupport(support.Name)), nil
}

// send creates a just-written refund at the gateway and returns it as it
// stands afterwards. The decision is already committed, so a gateway that
// cannot be reached is not the support user's problem: the refund stays
// "creating" and the reconciler sends it with the same out_refund_no and
// Idempotency-Key once it is older than RECONCILE_AFTER.
func (s *Service) send(ctx context.Context, r *shop.Refund, actor string) *shop.Refund {
	if err := s.SubmitRefund(ctx, r, actor); err != nil {
		s.cfg.Log.Warn("refund not created at the gateway yet; the reconciler will send it", "out_refund_no", r.OutRefundNo, "err", err)
	}
	t, err := s.db.FindRefundTarget(ctx, r.ID)
	if err != nil {
		return r
	}
	return &t.Refund
}

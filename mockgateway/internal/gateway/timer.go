package gateway

import (
	"context"
	"fmt"
)

// RunTimer carries out one due QueueTimer member ("kind:id") of a merchant
// and takes it off the queue. A timer whose object has moved on (a payment
// paid before it expired) is simply dropped. Running a timer twice is
// harmless: every transition checks the state first.
func (s *Service) RunTimer(ctx context.Context, merchantID, member string) error {
	m, err := s.merchantByID(ctx, merchantID)
	if err != nil {
		return err
	}
	kind, id := SplitTimer(member)
	switch kind {
	case TimerExpire:
		_, err = s.ExpirePayment(ctx, m, id)
	case TimerAutoSucceed:
		_, err = s.SucceedPayment(ctx, m, id)
	case TimerSettle:
		_, err = s.SettleRefund(ctx, m, id, SettleNatural, "")
	default:
		err = fmt.Errorf("gateway: unknown timer %q", member)
	}
	switch ErrorCode(err) {
	case PaymentNotPending, RefundNotPending, ResourceMissing:
		err = nil // the object moved on or expired: nothing left to do
	}
	if err != nil {
		return fmt.Errorf("gateway: timer %s: %w", member, err)
	}
	b := s.batch()
	b.Unschedule = []ScheduleEntry{{Queue: QueueTimer, Member: member}}
	return s.commit(ctx, merchantID, b)
}

// Package payment runs the shop's side of the payment flow against the
// gateway: opening and reusing payment attempts, closing them, applying what
// the gateway says (notifications, reads, return redirects) and creating
// automatic refunds and the refunds support approves or retries. It owns every gateway call the shop makes; the rules
// themselves are in package shop and every write is one store transaction.
package payment

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/gatewayclient"
	"github.com/paysandbox/paysandbox/shared/i18n"
	"github.com/paysandbox/paysandbox/shop/internal/shop"
	"github.com/paysandbox/paysandbox/shop/internal/sqlite"
)

// Config is what the service needs besides its store and gateway.
type Config struct {
	// MerchantID is the shop's merchant, learned from GET /v1/merchant.
	MerchantID string
	// PublicURL is the shop's base URL for notify_url and return_url.
	PublicURL string
	// Methods are the payment methods offered (PAYMENT_METHODS).
	Methods []string
	Log     *slog.Logger
	// RefundQueued is called after a transaction queued an automatic
	// refund, so the reconciler creates it now rather than at its next tick.
	RefundQueued func()
	// CreateTimeout bounds a payment's create call, retries included
	// (default DefaultCreateTimeout). The attempt is held for half as long
	// again (see newLease).
	CreateTimeout time.Duration
	// WaitTimeout bounds how long a customer's request waits for an
	// attempt another request holds (default DefaultWaitTimeout).
	WaitTimeout time.Duration
}

// Defaults of Config.
const (
	DefaultCreateTimeout = 20 * time.Second
	DefaultWaitTimeout   = 10 * time.Second
)

// Service is the shop's payment flow.
type Service struct {
	db  *sqlite.DB
	gw  *gatewayclient.Client
	cfg Config
	// letGo wakes requests waiting for an attempt when a request of this
	// process lets go of one.
	letGo signal
}

// New returns a Service.
func New(db *sqlite.DB, gw *gatewayclient.Client, cfg Config) *Service {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.RefundQueued == nil {
		cfg.RefundQueued = func() {}
	}
	if cfg.CreateTimeout <= 0 {
		cfg.CreateTimeout = DefaultCreateTimeout
	}
	if cfg.WaitTimeout <= 0 {
		cfg.WaitTimeout = DefaultWaitTimeout
	}
	return &Service{db: db, gw: gw, cfg: cfg}
}

// MerchantID returns the shop's merchant id.
func (s *Service) MerchantID() string { return s.cfg.MerchantID }

// Methods returns the payment methods offered at checkout.
func (s *Service) Methods() []string { return s.cfg.Methods }

// MethodAllowed reports whether m is offered.
func (s *Service) MethodAllowed(m string) bool {
	for _, x := range s.cfg.Methods {
		if x == m {
			return true
		}
	}
	return false
}

// What the shop was doing when the gateway could not be reached, as the
// customer is told (catalogue keys).
const (
	doingCheck   = "shop.doing.checking"
	doingStart   = "shop.doing.starting"
	doingClose   = "shop.doing.closing"
	doingConfirm = "shop.doing.confirming"
)

// unavailable turns a gateway error into what the customer sees: a
// transient one is EUNAVAILABLE ("try again"), anything else is internal and
// keeps its details for the log.
func unavailable(err error, doing string) error {
	what := i18n.M(doing)
	if gatewayclient.IsTemporary(err) {
		return &wrapped{shop.Errorf(shop.EUNAVAILABLE, "shop.error.unavailable", "Doing", what), err}
	}
	return fmt.Errorf("payment: %s: %w", what, err)
}

// wrapped is a domain error that keeps its cause for the log.
type wrapped struct {
	domain *shop.Error
	cause  error
}

func (w *wrapped) Unwrap() []error { return []error{w.domain, w.cause} }
func (w *wrapped) Error() string   { return w.domain.Error() + ": " + w.cause.Error() }

// PaymentFacts converts the gateway's payment into the domain's facts.
func PaymentFacts(p *gatewayapi.Payment, eventType string) shop.PaymentFacts {
	f := shop.PaymentFacts{PaymentID: p.ID, MerchantID: p.MerchantID, OutTradeNo: p.OutTradeNo, Amount: p.Amount, Currency: p.Currency,
		Method: p.Method, Status: p.Status, EventType: eventType, PayURL: p.PayURL, QRCodeURL: p.QRCodeURL}
	if p.LastError != nil {
		f.ErrorCode, f.ErrorMessage = p.LastError.Code, p.LastError.Message
	}
	return f
}

// RefundFacts converts the gateway's refund into the domain's facts;
// merchantID comes from the envelope or our own key (refunds carry none).
func RefundFacts(r *gatewayapi.Refund, merchantID, eventType string) shop.RefundFacts {
	f := shop.RefundFacts{RefundID: r.ID, MerchantID: merchantID, OutRefundNo: r.OutRefundNo, PaymentID: r.PaymentID, Amount: r.Amount,
		Currency: r.Currency, Status: r.Status, EventType: eventType}
	if r.FailureCode != nil {
		f.FailureCode = *r.FailureCode
	}
	if r.FailureMessage != nil {
		f.FailureMessage = *r.FailureMessage
	}
	return f
}

// ApplyPayment applies a payment the gateway sent or answered. Errors as
// sqlite.DB.ApplyPayment.
func (s *Service) ApplyPayment(ctx context.Context, f shop.PaymentFacts, src shop.Source) (*sqlite.Applied, error) {
	out, err := s.db.ApplyPayment(ctx, f, s.cfg.MerchantID, src)
	if err == nil && out.RefundQueued {
		s.cfg.RefundQueued()
	}
	return out, err
}

// ApplyRefund applies a refund the gateway sent or answered.
func (s *Service) ApplyRefund(ctx context.Context, f shop.RefundFacts, src shop.Source) (*sqlite.Applied, error) {
	return s.db.ApplyRefund(ctx, f, s.cfg.MerchantID, src)
}

// expiresIn is the gateway expiry of an attempt: the time its order had
// left when the attempt was opened. It is computed from stored times so a
// repeated create call has the same body (and Idempotency-Key fingerprint).
func expiresIn(a *shop.Attempt) int {
	secs := int(a.ExpiresAt.Sub(a.CreatedAt) / time.Second)
	return min(max(secs, 60), 86400)
}

func (s *Service) orderURL(no, suffix string) string {
	return s.cfg.PublicURL + "/orders/" + url.PathEscape(no) + suffix
}

// NotifyURL is where the gateway sends notifications.
func (s *Service) NotifyURL() string { return s.cfg.PublicURL + "/webhooks/gateway" }

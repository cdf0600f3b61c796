package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/webhook"
	"github.com/paysandbox/paysandbox/shop/internal/payment"
	"github.com/paysandbox/paysandbox/shop/internal/shop"
	"github.com/paysandbox/paysandbox/shop/internal/sqlite"
)

// maxWebhookBody bounds a notification; the gateway's are a few KiB.
const maxWebhookBody = 1 << 20

// outcome is what the receiver made of one delivery.
type outcome int

const (
	// Applied: verified, matched and applied, its id recorded.
	outcomeApplied outcome = iota
	// Duplicate: its id was recorded before (applied, or not ours);
	// nothing changed.
	outcomeDuplicate
	// Ignored: verified, but about nothing of ours (another integrator on
	// the merchant, or an event type we do not use); its id is recorded.
	outcomeIgnored
	// TooLarge: the body is over maxWebhookBody or unreadable.
	outcomeTooLarge
	// Unverified: the signature or the timestamp is not valid; nothing of
	// the body was used.
	outcomeUnverified
	// Malformed: validly signed, but not an event we can read.
	outcomeMalformed
	// Mismatch: validly signed, but it contradicts our records (merchant,
	// order, attempt, amount, currency): a flagged entry, nothing changed,
	// the id not recorded, so a correct retry still applies.
	outcomeMismatch
	// Failed: the shop itself failed (e.g. the database is locked); the id
	// is not recorded, so the gateway's retry is applied.
	outcomeFailed
)

// webhookAnswers is the one table from the receiver's outcomes to what the
// gateway gets back (docs/shop.md, "How an order is paid", step 4): only
// 2xx answers record the webhook-id, and 5xx is for the shop's own
// transient failures. Failures answer {"error": detail}.
var webhookAnswers = map[outcome]struct {
	status int
	body   gin.H // the 2xx answers' body
}{
	outcomeApplied:    {http.StatusOK, gin.H{"received": true}},
	outcomeDuplicate:  {http.StatusOK, gin.H{"received": true, "duplicate": true}},
	outcomeIgnored:    {http.StatusOK, gin.H{"received": true, "ignored": true}},
	outcomeTooLarge:   {http.StatusRequestEntityTooLarge, nil},
	outcomeUnverified: {http.StatusUnauthorized, nil},
	outcomeMalformed:  {http.StatusBadRequest, nil},
	outcomeMismatch:   {http.StatusUnprocessableEntity, nil},
	outcomeFailed:     {http.StatusInternalServerError, nil},
}

// handleWebhook receives the gateway's notifications and answers each as
// webhookAnswers says.
func (s *Server) handleWebhook(c *gin.Context) {
	out, detail := s.receive(c)
	a := webhookAnswers[out]
	if a.status < 300 {
		c.JSON(a.status, a.body)
		return
	}
	c.JSON(a.status, gin.H{"error": detail})
}

// receive verifies, reads and applies one notification, and says what came
// of it (with a detail for the failures).
func (s *Server) receive(c *gin.Context) (outcome, string) {
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, maxWebhookBody+1))
	if err != nil || len(body) > maxWebhookBody {
		return outcomeTooLarge, "body too large or unreadable"
	}
	if err := s.cfg.Verifier.Verify(body, c.Request.Header); err != nil {
		s.log.Warn("notification refused", "err", err, "webhook_id", c.GetHeader(webhook.HeaderID), "request_id", requestID(c.Request.Context()))
		s.noteUnverified(body, err)
		return outcomeUnverified, "signature or timestamp not valid"
	}
	var env gatewayapi.Envelope
	if err := json.Unmarshal(body, &env); err != nil || env.Type == "" {
		return outcomeMalformed, "not an event"
	}
	src := shop.Source{Actor: shop.ActorNotification, WebhookID: c.GetHeader(webhook.HeaderID)}
	ctx := c.Request.Context()
	var out *sqlite.Applied
	var applied error
	switch {
	case strings.HasPrefix(env.Type, "payment."):
		var p gatewayapi.Payment
		if err := json.Unmarshal(env.Data.Object, &p); err != nil {
			return outcomeMalformed, "data.object is not a payment"
		}
		f := payment.PaymentFacts(&p, env.Type)
		f.EnvelopeMerchantID = env.MerchantID
		out, applied = s.notifications.ApplyPayment(ctx, f, src)
	case strings.HasPrefix(env.Type, "refund."):
		var r gatewayapi.Refund
		if err := json.Unmarshal(env.Data.Object, &r); err != nil {
			return outcomeMalformed, "data.object is not a refund"
		}
		out, applied = s.notifications.ApplyRefund(ctx, payment.RefundFacts(&r, env.MerchantID, env.Type), src)
	default:
		applied = shop.Errorf(shop.ENOTFOUND, "shop.error.unknown_event")
	}
	switch shop.ErrorCode(applied) {
	case "":
		if out != nil && out.Duplicate {
			// Already applied, or recorded as not ours: QA sees in the
			// gateway's delivery log that the retry changed nothing.
			return outcomeDuplicate, ""
		}
		return outcomeApplied, ""
	case shop.ENOTFOUND:
		// Not ours: acknowledged and recorded, so it is not retried.
		if err := s.notifyLog.RecordIrrelevant(ctx, src, env.Type); err != nil {
			s.log.Error("record notification", "err", err, "request_id", requestID(ctx))
			return outcomeFailed, "internal error; please retry"
		}
		s.log.Info("notification ignored: not ours", "webhook_id", src.WebhookID, "type", env.Type)
		return outcomeIgnored, ""
	case shop.EMISMATCH:
		s.log.Warn("notification does not match our records", "webhook_id", src.WebhookID, "type", env.Type, "err", applied)
		return outcomeMismatch, shop.ErrorMessage(applied)
	}
	s.log.Error("notification not applied", "webhook_id", src.WebhookID, "err", applied, "request_id", requestID(ctx))
	return outcomeFailed, "internal error; please retry"
}

// unverifiedNote is what a refused notification leaves for support: the
// names it carried (only to find the order) and why it was refused.
type unverifiedNote struct{ outTradeNo, outRefundNo, why string }

// noteQueue bounds the notes waiting to be written; past it they are
// dropped (and counted), so a flood of forged posts costs no more than the
// writer can do.
const noteQueue = 256

// noteUnverified hands a note about a refused notification to Run, for the
// timeline of the order it names, if any, for support only. The receiver
// itself never touches the database for a message it could not verify:
// anyone can send one, and it must not take, or wait for, the write lock.
// Only the names are read from the unverified body, to find the order; the
// cause comes from the verifier and the wording is the domain's
// (shop.UnverifiedEntry).
func (s *Server) noteUnverified(body []byte, verr error) {
	var env gatewayapi.Envelope
	if json.Unmarshal(body, &env) != nil {
		return
	}
	var names struct {
		OutTradeNo  string `json:"out_trade_no"`
		OutRefundNo string `json:"out_refund_no"`
	}
	if json.Unmarshal(env.Data.Object, &names) != nil || (names.OutTradeNo == "" && names.OutRefundNo == "") {
		return
	}
	why := shop.UnverifiedSignature
	switch {
	case errors.Is(verr, webhook.ErrTimestampTooOld):
		why = shop.UnverifiedTooOld
	case errors.Is(verr, webhook.ErrTimestampTooNew):
		why = shop.UnverifiedTooNew
	case errors.Is(verr, webhook.ErrMissingHeaders), errors.Is(verr, webhook.ErrInvalidHeaders):
		why = shop.UnverifiedHeaders
	}
	select {
	case s.notes <- unverifiedNote{names.OutTradeNo, names.OutRefundNo, why}:
	default:
		// Logged at the 1st, 2nd, 4th, 8th, … drop: a flood is visible
		// without flooding the log.
		if n := s.droppedNotes.Add(1); n&(n-1) == 0 {
			s.log.Warn("notes about refused notifications dropped: too many at once", "dropped_total", n)
		}
	}
}

// Run does the server's background work until ctx ends: it writes the
// notes about refused notifications (noteUnverified), one at a time.
func (s *Server) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case n := <-s.notes:
			if err := s.notifyLog.NoteUnverified(ctx, n.outTradeNo, n.outRefundNo, n.why); err != nil && ctx.Err() == nil {
				s.log.Error("note refused notification", "err", err)
			}
		}
	}
}

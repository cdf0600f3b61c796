package web

import (
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

// handleWebhook receives the gateway's notifications (DESIGN §8):
//   - 401 for a bad signature or a stale timestamp (nothing is read);
//   - 422 for a validly signed message that does not match our records (a
//     flagged timeline entry, the order unchanged, the id not recorded);
//   - 200 for applied, duplicate ("duplicate": true) and irrelevant
//     ("ignored": true) messages;
//   - 500 only when the shop itself failed, so the gateway tries again.
func (s *Server) handleWebhook(c *gin.Context) {
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, maxWebhookBody+1))
	if err != nil || len(body) > maxWebhookBody {
		c.JSON(http.StatusRequestEntityTooLarge, gin.H{"error": "body too large or unreadable"})
		return
	}
	if err := s.cfg.Verifier.Verify(body, c.Request.Header); err != nil {
		s.log.Warn("notification refused", "err", err, "webhook_id", c.GetHeader(webhook.HeaderID), "request_id", requestID(c.Request.Context()))
		s.noteUnverified(c, body, err)
		c.JSON(http.StatusUnauthorized, gin.H{"error": "signature or timestamp not valid"})
		return
	}
	var env gatewayapi.Envelope
	if err := json.Unmarshal(body, &env); err != nil || env.Type == "" {
		c.JSON(http.StatusBadRequest, gin.H{"error": "not an event"})
		return
	}
	src := shop.Source{Actor: shop.ActorNotification, WebhookID: c.GetHeader(webhook.HeaderID)}
	ctx := c.Request.Context()
	var out *sqlite.Applied
	var applied error
	switch {
	case strings.HasPrefix(env.Type, "payment."):
		var p gatewayapi.Payment
		if err := json.Unmarshal(env.Data.Object, &p); err != nil {
			c.JSON(http.StatusBadRequest, gin.H{"error": "data.object is not a payment"})
			return
		}
		f := payment.PaymentFacts(&p, env.Type)
		f.EnvelopeMerchantID = env.MerchantID
		out, applied = s.notifications.ApplyPayment(ctx, f, src)
	case strings.HasPrefix(env.Type, "refund."):
		var r gatewayapi.Refund
		if err := json.Unmarshal(env.Data.Object, &r); err != nil {
			c.JSON(http.StatusBadRequest, gin.H{"error": "data.object is not a refund"})
			return
		}
		out, applied = s.notifications.ApplyRefund(ctx, payment.RefundFacts(&r, env.MerchantID, env.Type), src)
	default:
		applied = shop.Errorf(shop.ENOTFOUND, "unknown event type")
	}
	switch shop.ErrorCode(applied) {
	case "":
		if out != nil && out.Duplicate {
			// Already applied, or recorded as not ours: QA sees in the
			// gateway's delivery log that the retry changed nothing.
			c.JSON(http.StatusOK, gin.H{"received": true, "duplicate": true})
			return
		}
		c.JSON(http.StatusOK, gin.H{"received": true})
	case shop.ENOTFOUND:
		// Not ours (another integrator on the same merchant, or an event
		// type we do not use): acknowledged so it is not retried.
		if err := s.notifyLog.RecordIrrelevant(ctx, src, env.Type); err != nil {
			s.log.Error("record notification", "err", err, "request_id", requestID(ctx))
			c.JSON(http.StatusInternalServerError, gin.H{"error": "internal error"})
			return
		}
		s.log.Info("notification ignored: not ours", "webhook_id", src.WebhookID, "type", env.Type)
		c.JSON(http.StatusOK, gin.H{"received": true, "ignored": true})
	case shop.EMISMATCH:
		s.log.Warn("notification does not match our records", "webhook_id", src.WebhookID, "type", env.Type, "err", applied)
		c.JSON(http.StatusUnprocessableEntity, gin.H{"error": shop.ErrorMessage(applied)})
	default:
		s.log.Error("notification not applied", "webhook_id", src.WebhookID, "err", applied, "request_id", requestID(ctx))
		c.JSON(http.StatusInternalServerError, gin.H{"error": "internal error; please retry"})
	}
}

// noteUnverified notes a refused notification on the timeline of the order
// it names, if any, for support only. Only the names are read from the
// unverified body, to find the order; the cause comes from the verifier and
// the wording is the domain's (shop.UnverifiedEntry): an unsigned message
// can be sent by anyone.
func (s *Server) noteUnverified(c *gin.Context, body []byte, verr error) {
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
	if err := s.notifyLog.NoteUnverified(c.Request.Context(), names.OutTradeNo, names.OutRefundNo, why); err != nil {
		s.log.Error("note refused notification", "err", err, "request_id", requestID(c.Request.Context()))
	}
}

package apicall

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

const (
	ctxRequestID = "paysandbox.request_id"
	ctxProtocol  = "paysandbox.protocol"
	ctxLogAttrs  = "paysandbox.log_attrs"
)

// RequestID gives every request an id, sent back in Request-Id.
func RequestID(c *gin.Context) {
	var b [12]byte
	_, _ = rand.Read(b[:])
	id := "req_" + hex.EncodeToString(b[:])
	c.Set(ctxRequestID, id)
	c.Header("Request-Id", id)
	c.Next()
}

// RequestIDOf returns the request's id.
func RequestIDOf(c *gin.Context) string { return c.GetString(ctxRequestID) }

// AddLogAttrs adds key/value pairs to the request's log line (the console's
// admin session, say).
func AddLogAttrs(c *gin.Context, kv ...any) {
	prev, _ := c.Get(ctxLogAttrs)
	attrs, _ := prev.([]any)
	c.Set(ctxLogAttrs, append(attrs, kv...))
}

// LogRequests writes one slog line per request: id, method, path, status,
// duration, and the merchant and protocol of an API call. Query strings are
// left out: nothing secret travels there today, and this keeps it that way.
func LogRequests(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		attrs := make([]slog.Attr, 0, 12)
		attrs = append(attrs,
			slog.String("request_id", c.GetString(ctxRequestID)), slog.String("method", c.Request.Method),
			slog.String("path", c.Request.URL.Path), slog.Int("status", c.Writer.Status()),
			slog.Int64("duration_ms", time.Since(start).Milliseconds()))
		if m, ok := c.Get(ctxMerchant); ok {
			attrs = append(attrs, slog.String("merchant", m.(*gateway.Merchant).ID))
		}
		if p := c.GetString(ctxProtocol); p != "" {
			attrs = append(attrs, slog.String("protocol", p))
		}
		if extra, ok := c.Get(ctxLogAttrs); ok {
			attrs = append(attrs, slog.Group("", extra.([]any)...).Value.Group()...)
		}
		level := slog.LevelInfo
		if c.Writer.Status() >= 500 {
			level = slog.LevelWarn
		}
		log.LogAttrs(c.Request.Context(), level, "request", attrs...)
	}
}

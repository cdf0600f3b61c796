package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

const (
	ctxRequestID = "paysandbox.request_id"
	ctxMerchant  = "paysandbox.merchant"
)

// requestID gives every request an id, sent back in Request-Id.
func requestID(c *gin.Context) {
	var b [12]byte
	_, _ = rand.Read(b[:])
	id := "req_" + hex.EncodeToString(b[:])
	c.Set(ctxRequestID, id)
	c.Header("Request-Id", id)
	c.Next()
}

// logRequests writes one slog line per request. Query strings are left out:
// nothing secret travels there today, and this keeps it that way.
func logRequests(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		attrs := []any{
			"request_id", c.GetString(ctxRequestID), "method", c.Request.Method,
			"path", c.Request.URL.Path, "status", c.Writer.Status(),
			"duration_ms", time.Since(start).Milliseconds(),
		}
		if m, ok := c.Get(ctxMerchant); ok {
			attrs = append(attrs, "merchant", m.(*gatewayapi.Merchant).ID)
		}
		level := slog.LevelInfo
		if c.Writer.Status() >= 500 {
			level = slog.LevelWarn
		}
		log.Log(c.Request.Context(), level, "request", attrs...)
	}
}

// bearer returns the token of an Authorization: Bearer header.
func bearer(c *gin.Context) string {
	h := c.GetHeader("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// authMerchant authenticates the merchant of a /v1 call.
func (s *Server) authMerchant(c *gin.Context) {
	m, err := s.svc.Authenticate(c.Request.Context(), bearer(c))
	if err != nil {
		writeError(c, err)
		return
	}
	c.Set(ctxMerchant, m)
	c.Next()
}

func merchant(c *gin.Context) *gatewayapi.Merchant {
	return c.MustGet(ctxMerchant).(*gatewayapi.Merchant)
}

// readBody reads the whole body up to MaxBody; a bigger one is a 413.
func readBody(c *gin.Context) {
	if c.Request.Body != nil {
		body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, MaxBody))
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(c, gateway.Errorf(gateway.BodyTooLarge, "", "The request body is larger than 1 MiB."))
			return
		} else if err != nil {
			writeError(c, gateway.Errorf(gateway.InvalidJSON, "", "The request body could not be read: %v.", err))
			return
		}
		c.Set(ctxBody, body)
	}
	c.Next()
}

// notFound answers unknown routes the way the API answers unknown objects.
func notFound(c *gin.Context) {
	if strings.HasPrefix(c.Request.URL.Path, "/v1/") || strings.HasPrefix(c.Request.URL.Path, "/admin/api/") {
		writeError(c, gateway.Errorf(gateway.ResourceMissing, "", "Unrecognized request URL (%s %s); see /openapi.yaml.", c.Request.Method, c.Request.URL.Path))
		return
	}
	c.String(http.StatusNotFound, "404 page not found\n")
}

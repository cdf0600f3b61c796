// Package assets serves what the cashier pages load besides themselves: a
// payment's QR code as a PNG (/qr) and the embedded static files (/static).
package assets

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/templates"
)

// Bounds and default of the size of a QR image, in pixels (DESIGN §5).
const (
	qrMinSize     = 64
	qrMaxSize     = 1024
	qrDefaultSize = 256
)

// Payments finds a payment by id alone, as the unauthenticated cashier does.
type Payments interface {
	PublicPayment(ctx context.Context, id string) (*gateway.Payment, *gateway.Merchant, error)
}

// Register adds /qr and /static.
func Register(r *gin.Engine, payments Payments, log *slog.Logger) {
	q := &qr{payments: payments, log: log}
	r.GET("/qr/:file", q.handleQR)
	r.GET("/static/*filepath", staticHandler())
}

type qr struct {
	payments Payments
	log      *slog.Logger
}

// handleQR answers GET /qr/{id}.png?size=: the payment's qr_code as a
// size×size PNG. The content of a payment's code never changes, so the image
// may be cached; errors may not.
func (s *qr) handleQR(c *gin.Context) {
	c.Header("X-Content-Type-Options", "nosniff")
	id, ok := strings.CutSuffix(c.Param("file"), ".png")
	if !ok || id == "" {
		plain(c, http.StatusNotFound, "404 page not found")
		return
	}
	size := qrDefaultSize
	if v, given := c.GetQuery("size"); given {
		n, err := strconv.Atoi(v)
		if err != nil || n < qrMinSize || n > qrMaxSize {
			plain(c, http.StatusBadRequest, "size must be a whole number of pixels from 64 to 1024")
			return
		}
		size = n
	}
	p, _, err := s.payments.PublicPayment(c.Request.Context(), id)
	if err != nil {
		if gateway.ErrorCode(err) == gateway.ResourceMissing {
			plain(c, http.StatusNotFound, "no payment with this id")
			return
		}
		s.log.ErrorContext(c.Request.Context(), "qr", "request_id", apicall.RequestIDOf(c), "err", err)
		plain(c, http.StatusInternalServerError, "internal error")
		return
	}
	// Medium recovery (15%) keeps the code small enough for 64 px while
	// surviving a screen's glare.
	png, err := qrcode.Encode(p.PayURL, qrcode.Medium, size)
	if err != nil {
		s.log.ErrorContext(c.Request.Context(), "qr encode", "request_id", apicall.RequestIDOf(c), "payment", p.ID, "err", err)
		plain(c, http.StatusInternalServerError, "internal error")
		return
	}
	c.Header("Cache-Control", "public, max-age=86400")
	c.Data(http.StatusOK, "image/png", png)
}

// plain answers a short text message that must not be cached.
func plain(c *gin.Context, status int, msg string) {
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/plain; charset=utf-8", []byte(msg+"\n"))
	c.Abort()
}

// staticHandler serves templates/static under /static/.
func staticHandler() gin.HandlerFunc {
	sub, err := fs.Sub(templates.Static, "static")
	if err != nil {
		panic(err) // the directory is embedded; this cannot fail
	}
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=3600")
		c.Header("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(c.Writer, c.Request)
	}
}

package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// Handler returns the gateway's HTTP handler with every route registered.
func (s *Server) Handler() http.Handler {
	registerValidations()
	r := gin.New()
	r.HandleMethodNotAllowed = false
	r.Use(requestID, logRequests(s.log), gin.CustomRecovery(func(c *gin.Context, err any) {
		s.log.Error("panic", "request_id", c.GetString(ctxRequestID), "err", err)
		writeError(c, errNoAnswer)
	}))
	r.NoRoute(notFound)

	r.GET("/healthz", s.handleHealthz)
	r.GET("/readyz", s.handleReadyz)
	r.GET("/openapi.yaml", s.handleOpenAPI)
	if s.cfg.Metrics != nil {
		r.GET("/metrics", gin.WrapH(s.cfg.Metrics))
	}

	v1 := r.Group("/v1", s.authMerchant, readBody, s.pipeline)
	v1.GET("/merchant", s.handleMerchant)
	v1.POST("/payments", s.handlePaymentCreate)
	v1.GET("/payments", s.handlePaymentList)
	v1.GET("/payments/:id", s.handlePaymentGet)
	v1.POST("/payments/:id/close", s.handlePaymentClose)
	v1.POST("/test_helpers/payments/:id/succeed", s.handleHelperSucceed)
	v1.POST("/test_helpers/payments/:id/fail", s.handleHelperFail)
	v1.POST("/test_helpers/payments/:id/expire", s.handleHelperExpire)
	v1.POST("/refunds", s.handleRefundCreate)
	v1.GET("/refunds", s.handleRefundList)
	v1.GET("/refunds/:id", s.handleRefundGet)
	v1.POST("/test_helpers/refunds/:id/succeed", s.handleHelperRefundSucceed)
	v1.POST("/test_helpers/refunds/:id/fail", s.handleHelperRefundFail)
	v1.GET("/events", s.handleEventList)
	v1.GET("/events/:id", s.handleEventGet)
	v1.POST("/events/:id/redeliver", s.handleEventRedeliver)
	v1.POST("/test_helpers/events/deliver_due", s.handleHelperDeliverDue)

	admin := r.Group("/admin/api", s.authAdmin, readBody)
	admin.POST("/merchants", s.handleAdminMerchantCreate)
	admin.GET("/merchants", s.handleAdminMerchantList)
	admin.POST("/reset", s.handleAdminReset)
	admin.POST("/faults", s.handleFaultCreate)
	admin.GET("/faults", s.handleFaultList)
	admin.DELETE("/faults/:id", s.handleFaultDelete)

	// Customer-facing HTML (DESIGN §5): the cashier, QR images and static
	// files. Outside the /v1 pipeline: no API key, only a payment id.
	cashier := s.newCashier()
	pay := r.Group("/pay", cashierHeaders)
	pay.GET("/:id", cashier.handleCashierPage)
	pay.GET("/:id/result", cashier.handleCashierResult)
	pay.GET("/:id/status", cashier.handleCashierStatus)
	pay.POST("/:id/pay", cashier.crossOrigin, cashier.handleCashierPay)
	pay.POST("/:id/fail", cashier.crossOrigin, cashier.handleCashierFail)
	pay.POST("/:id/cancel", cashier.crossOrigin, cashier.handleCashierCancel)
	r.GET("/qr/:file", s.handleQR)
	r.GET("/static/*filepath", staticHandler())

	return r
}

package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// routes registers every route of the shop, in one place.
func (s *Server) routes(r *gin.Engine) {
	r.GET("/healthz", s.handleHealthz)
	r.GET("/readyz", s.handleReadyz)
	r.StaticFS("/static", http.FS(s.cfg.Static))
	r.POST("/webhooks/gateway", s.handleWebhook)
	r.POST("/lang", s.handleLanguage)

	r.GET("/", s.handleCatalogue)
	r.GET("/products/:slug", s.handleProduct)
	r.GET("/cart", s.handleCart)
	r.POST("/cart/add", s.handleCartAdd)
	r.POST("/cart/set", s.handleCartSet)

	r.GET("/signin", s.handleSigninForm)
	r.POST("/signin", s.handleSignin)
	r.GET("/signup", s.handleSignupForm)
	r.POST("/signup", s.handleSignup)
	r.POST("/signout", s.handleSignout)

	auth := r.Group("/", s.requireUser)
	auth.GET("/checkout", s.handleCheckoutForm)
	auth.POST("/checkout", s.handleCheckout)
	auth.GET("/orders", s.handleOrders)
	auth.GET("/orders/:no", s.handleOrder)
	auth.GET("/orders/:no/pay", s.handlePayPage)
	auth.POST("/orders/:no/pay", s.handlePay)
	auth.GET("/orders/:no/return", s.handleReturn)
	auth.GET("/orders/:no/result", s.handleResult)
	auth.POST("/orders/:no/cancel", s.handleCancel)
	auth.GET("/orders/:no/refund", s.handleRefundForm)
	auth.POST("/orders/:no/refund", s.handleRefundRequest)
	auth.GET("/refunds/:no", s.handleRefundResult)
	auth.GET("/notifications", s.handleNotices)

	// The back office: support only; anyone else gets 404.
	admin := r.Group("/admin", s.requireSupport)
	admin.GET("", s.handleAdminQueue)
	admin.GET("/refunds/:no", s.handleAdminReview)
	admin.POST("/refunds/:no/approve", s.handleAdminApprove)
	admin.POST("/refunds/:no/reject", s.handleAdminReject)
	admin.GET("/failed", s.handleAdminFailed)
	admin.POST("/failed/:refund/retry", s.handleAdminRetry)
	admin.GET("/orders", s.handleAdminOrders)
	admin.GET("/orders/:no", s.handleAdminOrder)
}

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
}

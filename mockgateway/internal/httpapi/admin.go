package httpapi

import (
	"crypto/subtle"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

// authAdmin guards /admin/api with ADMIN_TOKEN.
func (s *Server) authAdmin(c *gin.Context) {
	got := bearer(c)
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.AdminToken)) != 1 {
		writeError(c, gateway.Errorf(gateway.InvalidAPIKey, "", "The admin API needs `Authorization: Bearer <ADMIN_TOKEN>`; the gateway logs a generated token at start when ADMIN_TOKEN is unset."))
		return
	}
	c.Next()
}

type createMerchantRequest struct {
	Name      string `json:"name" binding:"required,min=1,max=128"`
	NotifyURL string `json:"notify_url" binding:"omitempty,max=2048,httpurl"`
}

func (s *Server) handleAdminMerchantCreate(c *gin.Context) {
	var req createMerchantRequest
	if err := strictJSONBinding.BindBody(requestBody(c), &req); err != nil {
		writeError(c, bindError(err))
		return
	}
	m, err := s.svc.CreateMerchant(c.Request.Context(), req.Name, req.NotifyURL)
	if err != nil {
		writeError(c, err)
		return
	}
	writeJSON(c, http.StatusCreated, m)
}

func (s *Server) handleAdminMerchantList(c *gin.Context) {
	ms, err := s.svc.Store().Merchants(c.Request.Context())
	if err != nil {
		writeError(c, err)
		return
	}
	out := make([]gatewayapi.Merchant, len(ms))
	for i, m := range ms {
		out[i] = *m
		out[i].Object = "merchant"
	}
	writeJSON(c, http.StatusOK, list(out, false))
}

func (s *Server) handleAdminReset(c *gin.Context) {
	var empty struct{}
	if err := strictJSONBinding.BindBody(requestBody(c), &empty); err != nil {
		writeError(c, bindError(err))
		return
	}
	if err := s.svc.Reset(c.Request.Context(), s.cfg.Demo); err != nil {
		writeError(c, err)
		return
	}
	s.log.Warn("all gateway state was reset through the admin API")
	writeJSON(c, http.StatusOK, gin.H{"reset": true})
}

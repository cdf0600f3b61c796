package adminapi

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/jsonapi"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

type createMerchantRequest struct {
	Name      string `json:"name" binding:"required,min=1,max=128,plaintext"`
	NotifyURL string `json:"notify_url" binding:"omitempty,max=2048,httpurl"`
}

func (a *API) handleMerchantCreate(c *gin.Context) {
	var req createMerchantRequest
	if !bind(c, &req) {
		return
	}
	if err := a.o.Core.CheckNotifyURL(c.Request.Context(), "notify_url", req.NotifyURL); err != nil {
		jsonapi.WriteError(c, err)
		return
	}
	m, err := a.o.Core.CreateMerchant(c.Request.Context(), req.Name, req.NotifyURL)
	if err != nil {
		jsonapi.WriteError(c, err)
		return
	}
	writeMerchant(c, http.StatusCreated, m)
}

func (a *API) handleMerchantList(c *gin.Context) {
	ms, err := a.o.Core.Merchants(c.Request.Context())
	if err != nil {
		jsonapi.WriteError(c, err)
		return
	}
	out := make([]map[string]any, len(ms))
	for i, m := range ms {
		out[i] = MerchantJSON(m)
	}
	jsonapi.WriteJSON(c, http.StatusOK, gatewayapi.List[map[string]any]{Object: "list", Data: out})
}

func (a *API) handleMerchantGet(c *gin.Context) {
	m, err := a.o.Core.Merchant(c.Request.Context(), c.Param("id"))
	if err != nil {
		jsonapi.WriteError(c, err)
		return
	}
	writeMerchant(c, http.StatusOK, m)
}

// handleCredentialsPut registers a merchant's own keys for a protocol:
// PUT /admin/api/merchants/{id}/{protocol}.
func (a *API) handleCredentialsPut(c *gin.Context) {
	protocol := c.Param("protocol")
	form, ok := a.o.Forms[protocol]
	if !ok {
		jsonapi.WriteError(c, gateway.Errorf(gateway.ResourceMissing, "", "Unrecognized request URL (%s %s); see /openapi.yaml.", c.Request.Method, c.Request.URL.Path))
		return
	}
	ctx := c.Request.Context()
	m, err := a.o.Core.Merchant(ctx, c.Param("id"))
	if err != nil {
		jsonapi.WriteError(c, err)
		return
	}
	raw, err := form(m.Credentials[protocol], body(c))
	if err != nil {
		jsonapi.WriteError(c, err)
		return
	}
	if m, err = a.o.Core.SetCredentials(ctx, m, protocol, raw); err != nil {
		jsonapi.WriteError(c, err)
		return
	}
	a.o.Log.Info("merchant credentials registered", "merchant", m.ID, "protocol", protocol)
	writeMerchant(c, http.StatusOK, m)
}

// MerchantJSON is a merchant as the admin API shows it: its native keys,
// and each protocol's credentials under the protocol's name (DESIGN §7).
func MerchantJSON(m *gateway.Merchant) map[string]any {
	out := map[string]any{
		"id": m.ID, "object": "merchant", "name": m.Name, "notify_url": m.NotifyURL,
		"api_key": m.APIKey, "webhook_secret": m.WebhookSecret, "created_at": m.CreatedAt,
	}
	for protocol, raw := range m.Credentials {
		out[protocol] = json.RawMessage(raw)
	}
	return out
}

func writeMerchant(c *gin.Context, status int, m *gateway.Merchant) {
	jsonapi.WriteJSON(c, status, MerchantJSON(m))
}

func (a *API) handleReset(c *gin.Context) {
	var empty struct{}
	if !bind(c, &empty) {
		return
	}
	if err := a.o.Core.Reset(c.Request.Context(), a.o.Demo); err != nil {
		jsonapi.WriteError(c, err)
		return
	}
	a.o.Log.Warn("all gateway state was reset through the admin API")
	jsonapi.WriteJSON(c, http.StatusOK, gin.H{"reset": true})
}

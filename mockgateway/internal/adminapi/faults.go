package adminapi

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/jsonapi"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

type faultRequest struct {
	Match struct {
		MerchantID       string `json:"merchant_id" binding:"omitempty,max=64"`
		Protocol         string `json:"protocol" binding:"max=32"`
		Operation        string `json:"operation" binding:"omitempty,oneof=create_payment get_payment close_payment create_refund get_refund notify"`
		Method           string `json:"method" binding:"omitempty,oneof=alipay wechat unionpay card"`
		Amount           *int64 `json:"amount" binding:"omitempty,min=1,max=10000000000"`
		OutTradeNoPrefix string `json:"out_trade_no_prefix" binding:"omitempty,max=64"`
	} `json:"match"`
	Scenario  string `json:"scenario" binding:"required,max=1024"`
	Remaining *int64 `json:"remaining" binding:"omitempty,min=1,max=1000000"`
}

func (a *API) handleFaultCreate(c *gin.Context) {
	var req faultRequest
	if !bind(c, &req) {
		return
	}
	m := req.Match
	if m.Protocol != "" && !slices.Contains(a.o.Protocols, m.Protocol) {
		jsonapi.WriteError(c, gateway.Errorf(gateway.ParameterInvalid, "protocol", "protocol must be one of: %s.", strings.Join(a.o.Protocols, ", ")))
		return
	}
	r, err := a.o.Core.CreateFaultRule(c.Request.Context(), gateway.FaultMatch{
		MerchantID: m.MerchantID, Protocol: m.Protocol, Operation: m.Operation, Method: m.Method,
		Amount: m.Amount, OutTradeNoPrefix: m.OutTradeNoPrefix,
	}, req.Scenario, req.Remaining)
	if err != nil {
		jsonapi.WriteError(c, err)
		return
	}
	a.o.Log.Info("fault rule created", "fault_rule", r.ID, "scenario", r.Scenario.String())
	jsonapi.WriteJSON(c, http.StatusCreated, r)
}

func (a *API) handleFaultList(c *gin.Context) {
	rules, err := a.o.Core.FaultRules(c.Request.Context())
	if err != nil {
		jsonapi.WriteError(c, err)
		return
	}
	out := make([]gateway.FaultRule, len(rules))
	for i, r := range rules {
		out[i] = *r
	}
	jsonapi.WriteJSON(c, http.StatusOK, gatewayapi.List[gateway.FaultRule]{Object: "list", Data: out})
}

func (a *API) handleFaultDelete(c *gin.Context) {
	id := c.Param("id")
	if err := a.o.Core.DeleteFaultRule(c.Request.Context(), id); err != nil {
		jsonapi.WriteError(c, err)
		return
	}
	jsonapi.WriteJSON(c, http.StatusOK, gin.H{"id": id, "object": "fault_rule", "deleted": true})
}

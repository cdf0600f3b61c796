package gatewayclient

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

// CreatePaymentParams is the body of POST /v1/payments. Zero values are left
// out, so the gateway's defaults apply (currency CNY, expires_in 900).
type CreatePaymentParams struct {
	OutTradeNo  string            `json:"out_trade_no"`
	Amount      int64             `json:"amount"`
	Currency    string            `json:"currency,omitempty"`
	Method      string            `json:"method"`
	Subject     string            `json:"subject"`
	Description string            `json:"description,omitempty"`
	NotifyURL   string            `json:"notify_url,omitempty"`
	ReturnURL   string            `json:"return_url,omitempty"`
	ExpiresIn   int               `json:"expires_in,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
	// Locale is the language the cashier speaks to the customer: en or
	// zh-CN (omitted: the customer's browser decides).
	Locale string `json:"locale,omitempty"`
}

// ListPaymentsParams filters GET /v1/payments; zero values are left out.
type ListPaymentsParams struct {
	Status        string
	Method        string
	Limit         int
	StartingAfter string
}

// Merchant returns the merchant the API key belongs to.
func (c *Client) Merchant(ctx context.Context, opts ...RequestOption) (*gatewayapi.Merchant, error) {
	var m gatewayapi.Merchant
	return &m, c.call(ctx, http.MethodGet, "/v1/merchant", nil, &m, opts)
}

// CreatePayment creates a payment, or answers the existing one for the same
// out_trade_no, amount, currency and method. Errors: out_trade_no_conflict,
// parameter_* (400).
func (c *Client) CreatePayment(ctx context.Context, p *CreatePaymentParams, opts ...RequestOption) (*gatewayapi.Payment, error) {
	var out gatewayapi.Payment
	return &out, c.call(ctx, http.MethodPost, "/v1/payments", p, &out, opts)
}

// GetPayment reads a payment by its id. Errors: resource_missing (404).
func (c *Client) GetPayment(ctx context.Context, id string, opts ...RequestOption) (*gatewayapi.Payment, error) {
	var out gatewayapi.Payment
	return &out, c.call(ctx, http.MethodGet, "/v1/payments/"+url.PathEscape(id), nil, &out, opts)
}

// GetPaymentByOutTradeNo reads a payment by the merchant's own number.
// Errors: resource_missing (404) when no payment has it.
func (c *Client) GetPaymentByOutTradeNo(ctx context.Context, outTradeNo string, opts ...RequestOption) (*gatewayapi.Payment, error) {
	var out gatewayapi.Payment
	q := url.Values{"out_trade_no": {outTradeNo}}
	return &out, c.call(ctx, http.MethodGet, "/v1/payments?"+q.Encode(), nil, &out, opts)
}

// ListPayments lists payments, newest first.
func (c *Client) ListPayments(ctx context.Context, p ListPaymentsParams, opts ...RequestOption) (*gatewayapi.List[gatewayapi.Payment], error) {
	q := listQuery(p.Limit, p.StartingAfter, "status", p.Status, "method", p.Method)
	var out gatewayapi.List[gatewayapi.Payment]
	return &out, c.call(ctx, http.MethodGet, "/v1/payments?"+q.Encode(), nil, &out, opts)
}

// ClosePayment closes a pending payment; a closed one is answered unchanged.
// Errors: payment_not_closable (409) when it already succeeded.
func (c *Client) ClosePayment(ctx context.Context, id string, opts ...RequestOption) (*gatewayapi.Payment, error) {
	var out gatewayapi.Payment
	return &out, c.call(ctx, http.MethodPost, "/v1/payments/"+url.PathEscape(id)+"/close", nil, &out, opts)
}

// listQuery builds the query of a list call from its page and its filters
// (name, value pairs); empty values and a zero limit are left out.
func listQuery(limit int, startingAfter string, filters ...string) url.Values {
	q := url.Values{}
	filters = append(filters, "starting_after", startingAfter)
	for i := 0; i+1 < len(filters); i += 2 {
		if filters[i+1] != "" {
			q.Set(filters[i], filters[i+1])
		}
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	return q
}

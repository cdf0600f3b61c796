package gatewayclient

import (
	"context"
	"net/http"
	"net/url"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

// CreateRefundParams is the body of POST /v1/refunds: exactly one of
// PaymentID and OutTradeNo; Amount 0 means "all that is still refundable".
type CreateRefundParams struct {
	PaymentID   string `json:"payment_id,omitempty"`
	OutTradeNo  string `json:"out_trade_no,omitempty"`
	OutRefundNo string `json:"out_refund_no"`
	Amount      int64  `json:"amount,omitempty"`
	Reason      string `json:"reason,omitempty"`
	NotifyURL   string `json:"notify_url,omitempty"`
}

// CreateRefund asks for a refund; it settles asynchronously. Errors:
// payment_not_refundable, out_refund_no_conflict (409),
// amount_exceeds_refundable (400).
func (c *Client) CreateRefund(ctx context.Context, p *CreateRefundParams, opts ...RequestOption) (*gatewayapi.Refund, error) {
	var out gatewayapi.Refund
	return &out, c.call(ctx, http.MethodPost, "/v1/refunds", p, &out, opts)
}

// GetRefund reads a refund by its id. Errors: resource_missing (404).
func (c *Client) GetRefund(ctx context.Context, id string, opts ...RequestOption) (*gatewayapi.Refund, error) {
	var out gatewayapi.Refund
	return &out, c.call(ctx, http.MethodGet, "/v1/refunds/"+url.PathEscape(id), nil, &out, opts)
}

// GetRefundByOutRefundNo reads a refund by the merchant's own number.
// Errors: resource_missing (404).
func (c *Client) GetRefundByOutRefundNo(ctx context.Context, outRefundNo string, opts ...RequestOption) (*gatewayapi.Refund, error) {
	var out gatewayapi.Refund
	q := url.Values{"out_refund_no": {outRefundNo}}
	return &out, c.call(ctx, http.MethodGet, "/v1/refunds?"+q.Encode(), nil, &out, opts)
}

// ListRefundsParams filters GET /v1/refunds; zero values are left out.
type ListRefundsParams struct {
	PaymentID     string
	Status        string
	Limit         int
	StartingAfter string
}

// ListRefunds lists refunds (of one payment when PaymentID is set), newest
// first.
func (c *Client) ListRefunds(ctx context.Context, p ListRefundsParams, opts ...RequestOption) (*gatewayapi.List[gatewayapi.Refund], error) {
	q := listQuery(p.Limit, p.StartingAfter, "payment_id", p.PaymentID, "status", p.Status)
	var out gatewayapi.List[gatewayapi.Refund]
	return &out, c.call(ctx, http.MethodGet, "/v1/refunds?"+q.Encode(), nil, &out, opts)
}

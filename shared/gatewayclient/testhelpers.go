package gatewayclient

import (
	"context"
	"net/http"
	"net/url"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

// failBody is the body of the fail test helpers; an empty code means the
// gateway's default.
type failBody struct {
	Code string `json:"code,omitempty"`
}

// SucceedPayment pays a pending payment as if the customer had. Errors:
// payment_not_pending (409).
func (c *Client) SucceedPayment(ctx context.Context, id string, opts ...RequestOption) (*gatewayapi.Payment, error) {
	var out gatewayapi.Payment
	return &out, c.call(ctx, http.MethodPost, "/v1/test_helpers/payments/"+url.PathEscape(id)+"/succeed", nil, &out, opts)
}

// FailPayment records a declined attempt with code (default card_declined);
// the payment stays pending. Errors: payment_not_pending (409).
func (c *Client) FailPayment(ctx context.Context, id, code string, opts ...RequestOption) (*gatewayapi.Payment, error) {
	var out gatewayapi.Payment
	return &out, c.call(ctx, http.MethodPost, "/v1/test_helpers/payments/"+url.PathEscape(id)+"/fail", failBody{code}, &out, opts)
}

// ExpirePayment closes a pending payment as its expiry would. Errors:
// payment_not_pending (409).
func (c *Client) ExpirePayment(ctx context.Context, id string, opts ...RequestOption) (*gatewayapi.Payment, error) {
	var out gatewayapi.Payment
	return &out, c.call(ctx, http.MethodPost, "/v1/test_helpers/payments/"+url.PathEscape(id)+"/expire", nil, &out, opts)
}

// SucceedRefund settles a pending refund as succeeded now. Errors:
// refund_not_pending (409).
func (c *Client) SucceedRefund(ctx context.Context, id string, opts ...RequestOption) (*gatewayapi.Refund, error) {
	var out gatewayapi.Refund
	return &out, c.call(ctx, http.MethodPost, "/v1/test_helpers/refunds/"+url.PathEscape(id)+"/succeed", nil, &out, opts)
}

// FailRefund settles a pending refund as failed with code now. Errors:
// refund_not_pending (409).
func (c *Client) FailRefund(ctx context.Context, id, code string, opts ...RequestOption) (*gatewayapi.Refund, error) {
	var out gatewayapi.Refund
	return &out, c.call(ctx, http.MethodPost, "/v1/test_helpers/refunds/"+url.PathEscape(id)+"/fail", failBody{code}, &out, opts)
}

// DeliverDue makes every scheduled or held notification of this merchant due
// now and answers how many there were.
func (c *Client) DeliverDue(ctx context.Context, opts ...RequestOption) (int, error) {
	var out struct {
		Scheduled int `json:"scheduled"`
	}
	err := c.call(ctx, http.MethodPost, "/v1/test_helpers/events/deliver_due", nil, &out, opts)
	return out.Scheduled, err
}

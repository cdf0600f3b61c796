package gatewayclient

import (
	"context"
	"net/http"
	"net/url"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

// ListEventsParams filters GET /v1/events; zero values are left out.
type ListEventsParams struct {
	ObjectID       string
	Type           string
	DeliveryStatus string
	Limit          int
	StartingAfter  string
}

// ListEvents lists notifications with their delivery state, newest first.
func (c *Client) ListEvents(ctx context.Context, p ListEventsParams, opts ...RequestOption) (*gatewayapi.List[gatewayapi.Event], error) {
	q := listQuery(p.Limit, p.StartingAfter, "object_id", p.ObjectID, "type", p.Type, "delivery_status", p.DeliveryStatus)
	var out gatewayapi.List[gatewayapi.Event]
	return &out, c.call(ctx, http.MethodGet, "/v1/events?"+q.Encode(), nil, &out, opts)
}

// GetEvent reads one notification with its attempts. Errors:
// resource_missing (404).
func (c *Client) GetEvent(ctx context.Context, id string, opts ...RequestOption) (*gatewayapi.Event, error) {
	var out gatewayapi.Event
	return &out, c.call(ctx, http.MethodGet, "/v1/events/"+url.PathEscape(id), nil, &out, opts)
}

// RedeliverEvent makes one extra delivery attempt now (202).
func (c *Client) RedeliverEvent(ctx context.Context, id string, opts ...RequestOption) (*gatewayapi.Event, error) {
	var out gatewayapi.Event
	return &out, c.call(ctx, http.MethodPost, "/v1/events/"+url.PathEscape(id)+"/redeliver", nil, &out, opts)
}

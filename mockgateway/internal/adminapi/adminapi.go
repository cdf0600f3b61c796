// Package adminapi is the gateway's admin API at /admin/api (DESIGN §7):
// merchants with their keys and every protocol's credentials, fault rules,
// and reset. It takes the admin token and answers in the native API's JSON
// and error shape.
package adminapi

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"log/slog"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/jsonapi"
	"github.com/paysandbox/paysandbox/mockgateway/internal/jsonbind"
)

// Core is what the admin API asks of the core.
type Core interface {
	CreateMerchant(ctx context.Context, name, notifyURL string) (*gateway.Merchant, error)
	CheckNotifyURL(ctx context.Context, param, url string) error
	Merchant(ctx context.Context, id string) (*gateway.Merchant, error)
	Merchants(ctx context.Context) ([]*gateway.Merchant, error)
	SetCredentials(ctx context.Context, m *gateway.Merchant, protocol string, raw json.RawMessage) (*gateway.Merchant, error)
	Reset(ctx context.Context, demo *gateway.Merchant) error
	CreateFaultRule(ctx context.Context, match gateway.FaultMatch, scenario string, remaining *int64) (*gateway.FaultRule, error)
	FaultRules(ctx context.Context) ([]*gateway.FaultRule, error)
	DeleteFaultRule(ctx context.Context, id string) error
}

// CredentialsForm registers a merchant's own keys for a protocol (PUT
// /admin/api/merchants/{id}/{protocol}): it validates the request body
// against the merchant's current credentials of that protocol and returns
// the new ones, or a *gateway.Error naming the bad field.
type CredentialsForm func(current json.RawMessage, body []byte) (json.RawMessage, error)

// Options configure the admin API.
type Options struct {
	Core  Core
	Token string
	// Demo is the seeded merchant, restored by reset.
	Demo *gateway.Merchant
	// Forms are the protocols whose merchants may register their own keys.
	Forms map[string]CredentialsForm
	// Protocols are the protocols the gateway speaks (fault rules may name
	// them).
	Protocols []string
	Log       *slog.Logger
}

// API is the admin API.
type API struct {
	o Options
}

// New returns the admin API.
func New(o Options) *API {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &API{o: o}
}

// Register adds the /admin/api routes.
func (a *API) Register(r *gin.Engine) {
	jsonbind.Register()
	admin := r.Group("/admin/api", a.authenticate, readBody)
	admin.POST("/merchants", a.handleMerchantCreate)
	admin.GET("/merchants", a.handleMerchantList)
	admin.GET("/merchants/:id", a.handleMerchantGet)
	admin.PUT("/merchants/:id/:protocol", a.handleCredentialsPut)
	admin.POST("/reset", a.handleReset)
	admin.POST("/faults", a.handleFaultCreate)
	admin.GET("/faults", a.handleFaultList)
	admin.DELETE("/faults/:id", a.handleFaultDelete)
}

// authenticate guards /admin/api with ADMIN_TOKEN.
func (a *API) authenticate(c *gin.Context) {
	got := jsonapi.Bearer(c)
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(a.o.Token)) != 1 {
		jsonapi.WriteError(c, gateway.Errorf(gateway.InvalidAPIKey, "", "The admin API needs `Authorization: Bearer <ADMIN_TOKEN>`; the gateway logs a generated token at start when ADMIN_TOKEN is unset."))
		return
	}
	c.Next()
}

package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

// Config is what the HTTP layer needs beyond the core service.
type Config struct {
	AdminToken string
	// Demo is the seeded merchant, restored by POST /admin/api/reset.
	Demo *gatewayapi.Merchant
	// FaultHold bounds how long api_timeout holds a request.
	FaultHold time.Duration
	// Metrics serves /metrics; nil serves nothing there.
	Metrics http.Handler
	// OpenAPI is the document served at /openapi.yaml.
	OpenAPI []byte
}

// Server holds the dependencies of every handler.
type Server struct {
	svc *gateway.Service
	cfg Config
	log *slog.Logger
}

// New returns a Server.
func New(svc *gateway.Service, cfg Config, log *slog.Logger) *Server {
	if cfg.FaultHold <= 0 {
		cfg.FaultHold = 30 * time.Second
	}
	return &Server{svc: svc, cfg: cfg, log: log}
}

// ready reports whether the gateway can serve: Redis answers.
func (s *Server) ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return s.svc.Store().Ping(ctx)
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayclient"
	"github.com/paysandbox/paysandbox/shared/webhook"
	"github.com/paysandbox/paysandbox/shop/internal/payment"
	"github.com/paysandbox/paysandbox/shop/internal/reconciler"
	"github.com/paysandbox/paysandbox/shop/internal/sqlite"
	"github.com/paysandbox/paysandbox/shop/internal/web"
	"github.com/paysandbox/paysandbox/templates"
)

// app is the wired shop: the one place where the dependencies are built.
type app struct {
	cfg        config
	log        *slog.Logger
	db         *sqlite.DB
	sessions   *sqlite.SessionStore
	gateway    *gatewayclient.Client
	payments   *payment.Service
	reconciler *reconciler.Reconciler
	web        *web.Server
}

// options are the seams tests use; production passes none.
type options struct {
	// gatewayHTTP replaces the HTTP client used for the gateway.
	gatewayHTTP *http.Client
	// db adds options to opening the database.
	db []sqlite.Option
	// gatewayClient adds options to the gateway client (e.g. fewer tries).
	gatewayClient []gatewayclient.Option
	// payment changes the payment service's configuration (e.g. shorter
	// create timeouts).
	payment func(*payment.Config)
}

// newApp opens the database, learns the merchant id from the gateway and
// builds every component.
func newApp(ctx context.Context, cfg config, log *slog.Logger, opt options) (*app, error) {
	db, err := sqlite.Open(ctx, cfg.DB, opt.db...)
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, log: log, db: db}
	clientOpts := []gatewayclient.Option{}
	if opt.gatewayHTTP != nil {
		clientOpts = append(clientOpts, gatewayclient.WithHTTPClient(opt.gatewayHTTP))
	}
	clientOpts = append(clientOpts, opt.gatewayClient...)
	a.gateway = gatewayclient.New(cfg.GatewayURL, cfg.APIKey, clientOpts...)
	merchant, err := a.learnMerchant(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	verifier, err := webhook.NewVerifier(cfg.WebhookSecret)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("GATEWAY_WEBHOOK_SECRET: %w", err)
	}
	var kick func()
	pcfg := payment.Config{
		MerchantID: merchant, PublicURL: cfg.PublicURL, Methods: cfg.Methods, Log: log,
		RefundQueued: func() { kick() },
	}
	if opt.payment != nil {
		opt.payment(&pcfg)
	}
	a.payments = payment.New(db, a.gateway, pcfg)
	a.reconciler = reconciler.New(db, a.payments, cfg.ReconcileEvery, cfg.ReconcileAfter, log,
		reconciler.WithClock(func() time.Time { return db.Now() }), reconciler.WithWebhookRetention(cfg.WebhookRetention))
	kick = a.reconciler.Kick
	a.sessions = db.NewSessionStore(cfg.SessionSecret)
	pages, _ := fs.Sub(templates.Shop, "shop")
	static, _ := fs.Sub(templates.Static, "static")
	a.web, err = web.New(web.Config{
		Store: db, Payments: a.payments, Verifier: verifier, Sessions: a.sessions, Templates: pages, Static: static,
		PublicURL: cfg.PublicURL, Log: log, OrderTTL: cfg.OrderTTL,
		SigninPerAddress: cfg.SigninPerAddress, SigninPerAccount: cfg.SigninPerAccount,
		GatewayReady: func(ctx context.Context) error {
			_, err := a.gateway.Merchant(ctx, gatewayclient.WithoutRetries())
			return err
		},
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

// learnMerchant asks the gateway who we are, waiting up to a minute for a
// gateway that is still starting (docker compose, make run).
func (a *app) learnMerchant(ctx context.Context) (string, error) {
	deadline := time.Now().Add(time.Minute)
	for {
		m, err := a.gateway.Merchant(ctx)
		if err == nil {
			a.log.Info("gateway merchant", "merchant_id", m.ID, "name", m.Name, "gateway", a.cfg.GatewayURL)
			return m.ID, nil
		}
		if !gatewayclient.IsTemporary(err) || time.Now().After(deadline) || ctx.Err() != nil {
			return "", fmt.Errorf("GATEWAY_URL/GATEWAY_API_KEY: cannot read the merchant from %s: %w", a.cfg.GatewayURL, err)
		}
		a.log.Warn("waiting for the gateway", "gateway", a.cfg.GatewayURL, "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(2 * time.Second):
		}
	}
}

// serve serves on ln and runs the reconciler and session cleanup until ctx
// ends, then shuts down gracefully.
func (a *app) serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.web,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	bg, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { a.reconciler.Run(bg) })
	wg.Go(func() { a.sessions.Cleanup(bg, 10*time.Minute, a.log) })
	wg.Go(func() { a.web.Run(bg) })
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.log.Info("shop listening", "addr", ln.Addr().String(), "public_url", a.cfg.PublicURL, "db", a.cfg.DB)
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		shutdownCtx, done := context.WithTimeout(context.Background(), 10*time.Second)
		err = srv.Shutdown(shutdownCtx)
		done()
	}
	cancel()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	if cerr := a.db.Close(); err == nil {
		err = cerr
	}
	return err
}

// run starts the shop as configured and blocks until ctx ends.
func run(ctx context.Context, cfg config, log *slog.Logger) error {
	if cfg.SessionSecretGenerated {
		log.Warn("SESSION_SECRET is not set: a random one is used, so sessions end when the shop restarts")
	}
	a, err := newApp(ctx, cfg, log, options{})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		a.db.Close()
		return fmt.Errorf("SHOP_ADDR: %w", err)
	}
	return a.serve(ctx, ln)
}

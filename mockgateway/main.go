// Command mockgateway is the PaySandbox mock payment gateway: payments with
// QR codes and payment links, a cashier page, refunds, signed asynchronous
// notifications with retries, and failure injection on demand.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/docs"
	"github.com/paysandbox/paysandbox/mockgateway/internal/dispatcher"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/httpapi"
	"github.com/paysandbox/paysandbox/mockgateway/internal/metrics"
	"github.com/paysandbox/paysandbox/mockgateway/internal/redisconn"
	"github.com/paysandbox/paysandbox/mockgateway/internal/redisstore"
	"github.com/paysandbox/paysandbox/mockgateway/internal/timers"
	"github.com/paysandbox/paysandbox/shared/envconfig"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/serve"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(log, os.Args[1:]); err != nil {
		log.Error("mockgateway stopped", "err", err)
		os.Exit(1)
	}
}

func run(log *slog.Logger, args []string) error {
	cfg, err := loadConfig(envconfig.New(), args)
	if err != nil {
		return err
	}
	gin.SetMode(gin.ReleaseMode)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	conn, err := redisconn.Open(ctx, redisconn.Options{URL: cfg.RedisURL, ClusterAddrs: cfg.ClusterAddrs}, log)
	if err != nil {
		return err
	}
	defer conn.Close()

	svc := gateway.NewService(redisstore.New(conn.Client), gateway.Config{
		PublicURL: cfg.PublicURL, Schedule: cfg.NotifySchedule, TimeScale: cfg.TimeScale,
		RefundDelay: cfg.RefundDelay, EventRetention: cfg.EventRetention, DataRetention: cfg.DataRetention,
	})
	demo := &gatewayapi.Merchant{
		ID: gateway.DemoMerchantID, Name: "PaySandbox Demo Shop", NotifyURL: cfg.DemoNotifyURL,
		APIKey: cfg.DemoAPIKey, WebhookSecret: cfg.DemoWebhookSecret,
	}
	if err := svc.SeedMerchant(ctx, demo); err != nil {
		return fmt.Errorf("seed demo merchant: %w", err)
	}
	if cfg.AdminGenerated {
		// The one secret ever logged: without it nobody could use the admin API.
		log.Warn("ADMIN_TOKEN is not set; generated one for this run", "admin_token", cfg.AdminToken)
	}

	mx := metrics.New(svc.Store())
	api := httpapi.New(svc, httpapi.Config{
		AdminToken: cfg.AdminToken, Demo: demo, FaultHold: cfg.FaultHold, OpenAPI: docs.OpenAPI,
		Metrics: mx.Handler(),
	}, log)
	srv := cfg.HTTP.Server(api.Handler())
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	serve.WarnExposedDemoSecrets(log, ln.Addr(), "GATEWAY_ADDR", cfg.demoSecretsInUse())

	var workers sync.WaitGroup
	workCtx, stopWork := context.WithCancel(context.Background())
	workers.Go(func() {
		(&timers.Runner{Service: svc, Log: log}).Run(workCtx)
	})
	workers.Go(func() {
		// On stop it waits for the attempts in flight (at most
		// NOTIFY_TIMEOUT) and records them.
		(&dispatcher.Dispatcher{
			Service: svc, Log: log, Timeout: cfg.NotifyTimeout,
			Concurrency: cfg.NotifyConcurrency, Observer: mx,
		}).Run(workCtx)
	})

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("mockgateway listening", "addr", ln.Addr().String(), "public_url", cfg.PublicURL,
		"redis", conn.Addr, "embedded_redis", conn.Embedded, "notify_schedule_attempts", len(cfg.NotifySchedule),
		"time_scale", cfg.TimeScale)

	select {
	case err := <-serveErr:
		stopWork()
		workers.Wait()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(shutCtx)
	stopWork()
	workers.Wait()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// Command mockgateway is the PaySandbox mock payment gateway: payments with
// QR codes and payment links, a cashier page, refunds, signed asynchronous
// notifications with retries, and failure injection on demand.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/docs"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/logbuf"
	"github.com/paysandbox/paysandbox/mockgateway/internal/redisconn"
	"github.com/paysandbox/paysandbox/mockgateway/internal/redisstore"
	"github.com/paysandbox/paysandbox/mockgateway/internal/server"
	"github.com/paysandbox/paysandbox/shared/envconfig"
	"github.com/paysandbox/paysandbox/shared/serve"
)

func main() {
	tuneGC()
	log, reqLog, flush := loggers(os.Stderr, 50*time.Millisecond)
	err := run(log, reqLog, os.Args[1:])
	flush()
	if err != nil {
		log.Error("mockgateway stopped", "err", err)
		os.Exit(1)
	}
}

// loggers returns the process's log and its request log, both writing to
// w: a request line is held for at most hold and written with the others of
// that moment (logbuf); every other line goes out at once, after them.
// flush writes what is held; lines after it go out at once.
func loggers(w io.Writer, hold time.Duration) (log, reqLog *slog.Logger, flush func()) {
	lines := logbuf.New(w, hold)
	return slog.New(slog.NewTextHandler(lines.Direct(), nil)), slog.New(slog.NewTextHandler(lines, nil)),
		func() { _ = lines.Close() }
}

func run(log, reqLog *slog.Logger, args []string) error {
	protos := protocols()
	cfg, err := loadConfig(envconfig.New(), args, protos)
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
	store := redisstore.New(conn.Client)
	if cfg.WipeRedis {
		if err := store.Wipe(ctx); err != nil {
			return err
		}
		log.Warn("deleted every PaySandbox key in Redis (-wipe-redis)", "redis", conn.Addr)
	}
	if err := store.CheckLayout(ctx); err != nil {
		if errors.Is(err, redisstore.ErrLayout) {
			return fmt.Errorf("%w. Its data cannot be read by this version; start once with -wipe-redis "+
				"(mockgateway -wipe-redis) to delete it, or point REDIS_URL at an empty database", err)
		}
		return err
	}

	demo := &gateway.Merchant{
		ID: gateway.DemoMerchantID, Name: "PaySandbox Demo Shop", NotifyURL: cfg.DemoNotifyURL,
		APIKey: cfg.DemoAPIKey, WebhookSecret: cfg.DemoWebhookSecret,
	}
	gw, err := server.New(store, server.Config{
		PublicURL: cfg.PublicURL, AdminToken: cfg.AdminToken, Demo: demo, Schedules: cfg.Schedules,
		TimeScale: cfg.TimeScale, RefundDelay: cfg.RefundDelay, EventRetention: cfg.EventRetention,
		DataRetention: cfg.DataRetention, FaultHold: cfg.FaultHold, NotifyTimeout: cfg.NotifyTimeout,
		NotifyConcurrency: cfg.NotifyConcurrency, DenyPrivate: cfg.DenyPrivate, OpenAPI: docs.OpenAPI, Log: log, RequestLog: reqLog, Protocols: protos,
	})
	if err != nil {
		return err
	}
	if err := gw.Seed(ctx); err != nil {
		return fmt.Errorf("seed demo merchant: %w", err)
	}
	if cfg.AdminGenerated {
		// The one secret ever logged: without it nobody could use the admin API.
		log.Warn("ADMIN_TOKEN is not set; generated one for this run", "admin_token", cfg.AdminToken)
	}

	srv := cfg.HTTP.Server(gw.Handler())
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	serve.WarnExposedDemoSecrets(log, ln.Addr(), "GATEWAY_ADDR", cfg.demoSecretsInUse())

	// The Stripe subset's own listener (DESIGN §11.3): SDKs that take only a
	// host and port reach /v1 there.
	var stripeSrv *http.Server
	var stripeLn net.Listener
	if h, ok := gw.RootHandler(stripeProtocol); ok && cfg.StripeAddr != "" {
		if stripeLn, err = net.Listen("tcp", cfg.StripeAddr); err != nil {
			_ = ln.Close()
			return fmt.Errorf("listen on STRIPE_ADDR %s: %w (set STRIPE_ADDR= to disable the Stripe listener)", cfg.StripeAddr, err)
		}
		stripeSrv = cfg.HTTP.Server(h)
	}

	workCtx, stopWork := context.WithCancel(context.Background())
	workersDone := make(chan struct{})
	go func() {
		// On stop the dispatcher waits for the attempts in flight (at most
		// NOTIFY_TIMEOUT) and records them.
		gw.RunWorkers(workCtx)
		close(workersDone)
	}()

	serveErr := make(chan error, 2)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("mockgateway listening", "addr", ln.Addr().String(), "public_url", cfg.PublicURL,
		"redis", conn.Addr, "embedded_redis", conn.Embedded, "time_scale", cfg.TimeScale)
	if stripeSrv != nil {
		go func() { serveErr <- stripeSrv.Serve(stripeLn) }()
		log.Info("stripe subset listening", "addr", stripeLn.Addr().String(), "path", "/v1")
	}

	select {
	case err := <-serveErr:
		stopWork()
		<-workersDone
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(shutCtx)
	if stripeSrv != nil {
		err = errors.Join(err, stripeSrv.Shutdown(shutCtx))
	}
	stopWork()
	<-workersDone
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// tuneGC trades memory for CPU unless GOGC or GOMEMLIMIT say otherwise:
// the gateway's live heap is small (tens of MiB) and every request
// allocates, so with Go's default the collector ran every few hundred
// requests. Collecting at 5× the live heap instead of 2× gave 8–25 % more
// requests per second under load (docs/benchmarks.md); the soft limit
// makes the collector work harder again before the heap reaches 1 GiB.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(1 << 30)
	}
}

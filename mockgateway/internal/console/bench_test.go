package console_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/paysandbox/paysandbox/docs"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/native"
	"github.com/paysandbox/paysandbox/mockgateway/internal/redisstore"
	"github.com/paysandbox/paysandbox/mockgateway/internal/server"
	"github.com/paysandbox/paysandbox/mockgateway/internal/stripe"
	"github.com/paysandbox/paysandbox/mockgateway/internal/wechat"
	"github.com/paysandbox/paysandbox/shared/redistest"
)

// bigPayments is the size of the gateway the console must stay fast on:
// the payments list and search answer in well under 50 ms of server time
// with this many payments in Redis (make bench).
const (
	bigPayments  = 100_000
	bigMerchants = 20
)

// bigGateway is a gateway holding bigPayments payments of bigMerchants
// merchants (every tenth paid, every hundredth through WeChat Pay with a
// transaction_id), made through the core as the adapters make them, and a
// signed-in console session.
type bigGateway struct {
	h       http.Handler
	cookie  string
	sample  *gateway.Payment // an old payment, deep in the lists
	wechat  *gateway.Payment
	mid     string
	midPage string // a cursor deep down the list
}

var (
	bigOnce sync.Once
	big     *bigGateway
	bigErr  error
)

func newBigGateway(b *testing.B) *bigGateway {
	b.Helper()
	bigOnce.Do(func() { big, bigErr = seedBig(redistest.URL(b)) })
	if bigErr != nil {
		b.Fatal(bigErr)
	}
	return big
}

func seedBig(redisURL string) (*bigGateway, error) {
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		return nil, err
	}
	opts.PoolSize = 32
	// Kept open for the rest of the process: every sub-benchmark reads it.
	rdb := redis.NewClient(opts)
	demo := &gateway.Merchant{ID: gateway.DemoMerchantID, Name: "Demo", APIKey: "sk_test_demo", WebhookSecret: "whsec_cGF5c2FuZGJveC1kZW1vLXdlYmhvb2stc2VjcmV0"}
	g, err := server.New(redisstore.New(rdb), server.Config{
		PublicURL: "http://gateway.test", AdminToken: adminToken, Demo: demo, TimeScale: 1, RefundDelay: time.Hour,
		OpenAPI: docs.OpenAPI, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Protocols: []server.Protocol{native.Protocol(), stripe.Protocol(), wechat.Protocol()},
	})
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	if err := g.Seed(ctx); err != nil {
		return nil, err
	}
	var ms []*gateway.Merchant
	for i := range bigMerchants {
		m, err := g.Service.CreateMerchant(ctx, fmt.Sprintf("Shop %d", i), "")
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	out := &bigGateway{h: g.Handler(), mid: ms[3].ID}
	const workers = 16
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	var mu sync.Mutex
	for w := range workers {
		wg.Go(func() {
			for i := w; i < bigPayments; i += workers {
				m := ms[i%bigMerchants]
				in := gateway.CreatePaymentInput{OutTradeNo: fmt.Sprintf("BIG-%06d", i), Amount: int64(100 + i%5000), Currency: "CNY",
					Method: gateway.Methods[i%4], Subject: "Tea", ExpiresIn: 24 * time.Hour}
				if i%100 == 7 {
					in.Protocol, in.Method = gateway.ProtocolWechat, gateway.MethodWechat
					in.Refs = map[string]string{"wechat.transaction_id": fmt.Sprintf("4200%024d", i)}
				}
				p, _, err := g.Service.CreatePayment(ctx, m, in)
				if err == nil && i%10 == 0 {
					_, err = g.Service.SucceedPayment(ctx, m, p.ID)
				}
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				if i == 1234 {
					out.sample = p
				}
				if i == 4507 {
					out.wechat = p
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	// Sign in once; every request carries the session cookie.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "http://gateway.test/admin/signin", strings.NewReader(url.Values{"token": {adminToken}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	out.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		return nil, fmt.Errorf("sign in: %d %s", rec.Code, rec.Body)
	}
	out.cookie = strings.Split(rec.Header().Get("Set-Cookie"), ";")[0]
	// An old payment's id is a cursor deep down the list.
	out.midPage = out.sample.ID
	return out, nil
}

// get serves one console page in process: the server time of a request,
// without a network in between.
func (g *bigGateway) get(b *testing.B, path, want string) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "http://gateway.test"+path, nil)
	req.Header.Set("Cookie", g.cookie)
	g.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK && rec.Code != http.StatusSeeOther {
		b.Fatalf("GET %s: %d", path, rec.Code)
	}
	if want != "" && !strings.Contains(rec.Body.String()+rec.Header().Get("Location"), want) {
		b.Fatalf("GET %s: the answer lacks %q", path, want)
	}
}

// BenchmarkConsole100k measures the console's lists and search on a gateway
// of 100 000 payments: each list page reads about a page of objects,
// whatever the size of the gateway, and a search is one pipeline of key
// lookups per merchant.
func BenchmarkConsole100k(b *testing.B) {
	g := newBigGateway(b)
	for _, bc := range []struct{ name, path, want string }{
		{"PaymentsFirstPage", "/admin/payments", "Older »"},
		{"PaymentsDeepPage", "/admin/payments?after=" + g.midPage, "Older »"},
		{"PaymentsOneMerchant", "/admin/payments?merchant=" + g.mid, "Older »"},
		{"PaymentsSucceeded", "/admin/payments?status=succeeded", "Older »"},
		{"PaymentsWechat", "/admin/payments?protocol=wechat", "Older »"},
		{"SearchOutTradeNo", "/admin/payments?q=BIG-001234", g.sample.ID},
		{"SearchPaymentID", "/admin/payments?q=" + g.sample.ID, g.sample.ID},
		{"SearchTransactionID", "/admin/payments?q=" + g.wechat.Refs["wechat.transaction_id"], g.wechat.ID},
		{"HeaderSearch", "/admin/search?q=BIG-001234", g.sample.ID},
		{"Overview", "/admin", "Overview"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				g.get(b, bc.path, bc.want)
			}
		})
	}
}

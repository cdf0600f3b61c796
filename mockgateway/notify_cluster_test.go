package main

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewaytest"
	"github.com/paysandbox/paysandbox/shared/redistest"
)

// Two replicas on a three-master Redis Cluster: the merchants' schedules
// live in different slots, the dispatchers find and claim them across
// nodes, and every event is delivered exactly once.
func TestNotify_RedisClusterTwoReplicas(t *testing.T) {
	const merchants, perMerchant = 4, 15
	addrs := redistest.Cluster(t)
	env := map[string]string{"REDIS_URL": "", "REDIS_CLUSTER_ADDRS": strings.Join(addrs, ","),
		"NOTIFY_SCHEDULE": "0s,200ms,200ms,1s", "NOTIFY_TIMEOUT": "5s"}
	g1 := gatewaytest.Start(t, env)
	g2 := gatewaytest.Start(t, env)

	var (
		mu  sync.Mutex
		got = map[string]int{}
	)
	rc := newNotifyReceiver(t, func(n int, r *http.Request, body []byte) (int, http.Header, string) {
		mu.Lock()
		got[r.Header.Get("webhook-id")]++
		mu.Unlock()
		return http.StatusNoContent, nil, ""
	})
	var ms []*notifyMerchant
	for range merchants {
		m := newNotifyMerchant(t, g1, rc.URL)
		ms = append(ms, m)
		payMany(t, perMerchant, m, m.on(g2))
	}
	waitNotify(t, 60*time.Second, "every event to be delivered", func() bool {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n < merchants*perMerchant {
			return false
		}
		for _, m := range ms {
			if undelivered(t, m) != 0 {
				return false
			}
		}
		return true
	})
	mu.Lock()
	defer mu.Unlock()
	for id, c := range got {
		if c != 1 {
			t.Errorf("%s delivered %d times, want once", id, c)
		}
	}
	if len(got) != merchants*perMerchant {
		t.Errorf("%d events delivered, want %d", len(got), merchants*perMerchant)
	}
	// The queue collector reads every merchant's schedule across the nodes.
	if v := scrapeMetric(t, g2, `paysandbox_gateway_notification_queue{queue="deliver",state="due"}`); v != 0 {
		t.Errorf("due deliveries on the cluster = %v, want 0", v)
	}
}

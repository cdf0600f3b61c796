// Package metrics exposes the gateway's Prometheus metrics at /metrics:
// notification attempts by outcome, their latency, the time to a first
// delivery, and the depth of the delivery schedule read from Redis at scrape
// time (so every replica reports the shared queue, not its own view).
package metrics

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// Metric names.
const (
	NameAttempts        = "paysandbox_gateway_notification_attempts_total"
	NameAttemptDuration = "paysandbox_gateway_notification_attempt_duration_seconds"
	NameDeliveryLag     = "paysandbox_gateway_notification_delivery_lag_seconds"
	NameQueue           = "paysandbox_gateway_notification_queue"
	NamePanics          = "paysandbox_gateway_panics_total"
)

// QueueReader is what the queue collector reads: the merchants and the
// depth of each one's schedule.
type QueueReader interface {
	Merchants(ctx context.Context) ([]*gateway.Merchant, error)
	QueueStats(ctx context.Context, merchantID, queue string, now time.Time) (due, later int64, err error)
}

// Metrics holds the gateway's registry and instruments. It implements
// dispatcher.Observer.
type Metrics struct {
	reg      *prometheus.Registry
	attempts *prometheus.CounterVec
	duration *prometheus.HistogramVec
	lag      prometheus.Histogram
	panics   *prometheus.CounterVec
}

// New returns the gateway's metrics, with the Go runtime and process
// collectors and a queue collector over store.
func New(store QueueReader) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: NameAttempts,
			Help: "Notification delivery attempts, by kind (scheduled, redelivery, duplicate) and outcome (success, http_error, timeout, network_error, dropped, no_url).",
		}, []string{"kind", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    NameAttemptDuration,
			Help:    "How long the merchant took to answer a notification attempt, by outcome.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"outcome"}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    NameDeliveryLag,
			Help:    "Time from an event's creation to its first acknowledged delivery.",
			Buckets: prometheus.ExponentialBuckets(0.05, 4, 12), // 50ms … ~58h
		}),
		panics: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: NamePanics,
			Help: "Panics recovered, by component (http, dispatcher, dispatcher worker, timers); the process kept running.",
		}, []string{"component"}),
	}
	m.reg.MustRegister(m.attempts, m.duration, m.lag, m.panics,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&queueCollector{store: store, now: time.Now})
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Registry returns the registry, for other parts of the gateway to add to.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// ObserveAttempt counts one attempt and its duration. Attempts that sent
// nothing (dropped, no URL) are counted but not timed.
func (m *Metrics) ObserveAttempt(kind, outcome string, d time.Duration) {
	m.attempts.WithLabelValues(kind, outcome).Inc()
	if outcome != "dropped" && outcome != "no_url" {
		m.duration.WithLabelValues(outcome).Observe(d.Seconds())
	}
}

// ObserveDelivered records the time from an event's creation to its first
// 2xx.
func (m *Metrics) ObserveDelivered(lag time.Duration) { m.lag.Observe(lag.Seconds()) }

// ObservePanic counts a panic recovered in a component.
func (m *Metrics) ObservePanic(component string) { m.panics.WithLabelValues(component).Inc() }

// queueCollector reports the delivery schedule's depth at scrape time.
type queueCollector struct {
	store QueueReader
	now   func() time.Time
}

var queueDesc = prometheus.NewDesc(NameQueue,
	"Notification attempts in the Redis schedule across all merchants: state due (due now, including attempts in flight past their lease) or scheduled (due later, including attempts in flight under a lease), by queue (deliver, redeliver).",
	[]string{"queue", "state"}, nil)

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- queueDesc }

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ms, err := c.store.Merchants(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(queueDesc, err)
		return
	}
	now := c.now()
	for _, queue := range []string{gateway.QueueDeliver, gateway.QueueRedeliver} {
		var due, later int64
		for _, m := range ms {
			d, l, err := c.store.QueueStats(ctx, m.ID, queue, now)
			if err != nil {
				ch <- prometheus.NewInvalidMetric(queueDesc, err)
				return
			}
			due, later = due+d, later+l
		}
		ch <- prometheus.MustNewConstMetric(queueDesc, prometheus.GaugeValue, float64(due), queue, "due")
		ch <- prometheus.MustNewConstMetric(queueDesc, prometheus.GaugeValue, float64(later), queue, "scheduled")
	}
}

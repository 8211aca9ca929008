package server

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"

	"github.com/wagate/wagate/gen"
)

// unmatchedOperation is the operation label of a request no route matched: its path cannot
// be a label, since a scanner would make the values unbounded.
const unmatchedOperation = "unmatched"

// latencyBuckets are in seconds. A lookup takes some 2 to 20 ms, so the buckets are finest
// there; the upper ones tell a slow database from a stalled one.
var latencyBuckets = []float64{.001, .0025, .005, .0075, .01, .015, .02, .03, .05, .1, .25, .5, 1, 2.5, 5}

// Metrics are wagate's Prometheus metrics: requests by operation and status with their
// latency, the database pool, the Go runtime and the process. Each Metrics has a registry of
// its own, so that servers in one process (tests) count apart.
type Metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// NewMetrics registers the metrics, reading pool's statistics at each scrape.
func NewMetrics(pool *sql.DB) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wagate_http_requests_total",
			Help: "HTTP requests answered, by operation (the spec's operationId) and status.",
		}, []string{"operation", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "wagate_http_request_duration_seconds",
			Help:    "Time from a request's arrival to its answer, by operation (the spec's operationId).",
			Buckets: latencyBuckets,
		}, []string{"operation"}),
	}
	m.registry.MustRegister(
		m.requests, m.latency,
		collectors.NewDBStatsCollector(pool, "wagate"),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Handler serves the metrics in whichever format the scraper asks for (METRICS_ADDR).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// instrument counts and times every request under the operation Echo's route maps to. It runs
// outside the error handling (accessLog's), so the status is the one the client got; an error
// still unhandled is handled here first, as Echo would after.
// labels maps each route (method, Echo's path pattern) to its operation label (addMetricLabels).
func (m *Metrics) instrument(labels map[route]string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil && !c.Response().Committed {
				c.Error(err)
			}
			op, ok := labels[route{c.Request().Method, c.Path()}]
			if !ok {
				op = unmatchedOperation
			}
			m.requests.WithLabelValues(op, strconv.Itoa(c.Response().Status)).Inc()
			m.latency.WithLabelValues(op).Observe(time.Since(start).Seconds())
			return err
		}
	}
}

// metricsResponse is /metrics on the main listener: the text format, which every Prometheus
// reads, since a strict handler does not see the request's Accept header.
type metricsResponse struct{ gatherer prometheus.Gatherer }

func (r metricsResponse) VisitGetMetricsResponse(w http.ResponseWriter) error {
	families, err := r.gatherer.Gather()
	if err != nil {
		return err
	}
	format := expfmt.NewFormat(expfmt.TypeTextPlain)
	w.Header().Set(echo.HeaderContentType, string(format))
	w.WriteHeader(http.StatusOK)
	enc := expfmt.NewEncoder(w, format)
	for _, f := range families {
		if err := enc.Encode(f); err != nil {
			return err
		}
	}
	return nil
}

func (h *handlers) GetMetrics(context.Context, gen.GetMetricsRequestObject) (gen.GetMetricsResponseObject, error) {
	if h.metrics == nil {
		return nil, newError(kindNoRoute, "metrics are not served here (METRICS_ADDR)")
	}
	return metricsResponse{h.metrics.registry}, nil
}

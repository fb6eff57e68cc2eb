package handlers

import (
	"database/sql"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds a router's Prometheus metrics, on a registry of its own (never the
// global one, so that several apps can run in one process, as tests do).
//
// Requests are labelled by route template (/api/v1/articles/:slug), never by the
// path: slugs and query strings would make the series grow without bound, and would
// record what people looked for.
type Metrics struct {
	registry    *prometheus.Registry
	handler     http.Handler
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	notModified *prometheus.CounterVec

	// CacheHits and CacheMisses count the answers of the in-memory response cache:
	// a hit is a response served from it, a miss one that had to be rendered.
	CacheHits, CacheMisses prometheus.Counter

	// series keeps each observationKey's series, found once: finding them by their
	// label values every time was a tenth of the time of a cached answer. There are
	// as many as methods, routes and statuses, a few hundred at most.
	series sync.Map // of observationKey to *observation
}

type observationKey struct {
	method, route string
	status        int
}

// observation is the series one request adds to.
type observation struct {
	requests    prometheus.Counter
	duration    prometheus.Observer
	notModified prometheus.Counter // nil but for 304
}

// NewMetrics makes the metrics of one router and registers them with the Go runtime
// and process collectors and, for each named database pool, its connection figures
// (go_sql_*{db_name="…"}).
func NewMetrics(pools map[string]*sql.DB) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "signpost_http_requests_total",
			Help: "HTTP requests answered, by method, route template and status code.",
		}, []string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "signpost_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by method and route template.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
		notModified: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "signpost_http_not_modified_total",
			Help: "Conditional requests answered 304 Not Modified (the client's copy was current), by route template.",
		}, []string{"route"}),
		CacheHits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "signpost_response_cache_hits_total",
			Help: "Responses served from the in-memory response cache.",
		}),
		CacheMisses: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "signpost_response_cache_misses_total",
			Help: "Responses that the in-memory response cache did not hold and that were rendered.",
		}),
	}
	reg.MustRegister(m.requests, m.duration, m.notModified, m.CacheHits, m.CacheMisses,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	for name, db := range pools {
		reg.MustRegister(collectors.NewDBStatsCollector(db, name))
	}
	// The Conditional middleware compresses the text like any other response.
	m.handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{DisableCompression: true, Registry: reg})
	return m
}

// Register adds collectors of other parts of the server (the webhook outbox) to
// the registry.
func (m *Metrics) Register(cs ...prometheus.Collector) { m.registry.MustRegister(cs...) }

// Observe counts every request and times it. It runs before the other middleware,
// so rate-limited, failed and unmatched requests are counted too.
func (m *Metrics) Observe() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		m.observe(c.Request.Method, c.FullPath(), c.Writer.Status(), start)
	}
}

// observe counts a request answered with status on route (a route template; ""
// for none) that started at start, for gin's path and for the fast path.
func (m *Metrics) observe(method, route string, status int, start time.Time) {
	if route == "" {
		route = "(unmatched)"
	}
	k := observationKey{metricMethod(method), route, status}
	o, ok := m.series.Load(k)
	if !ok {
		obs := &observation{requests: m.requests.WithLabelValues(k.method, route, strconv.Itoa(status)),
			duration: m.duration.WithLabelValues(k.method, route)}
		if status == http.StatusNotModified {
			obs.notModified = m.notModified.WithLabelValues(route)
		}
		o, _ = m.series.LoadOrStore(k, obs)
	}
	obs := o.(*observation)
	obs.requests.Inc()
	obs.duration.Observe(time.Since(start).Seconds())
	if obs.notModified != nil {
		obs.notModified.Inc()
	}
}

// metricMethod is the method label: one of the standard methods, or OTHER, so that
// made-up methods cannot add series.
func metricMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// Routes registers /metrics.
func (m *Metrics) Routes(r gin.IRoutes) {
	r.Match(getHead, "/metrics", m.serve)
}

// serve godoc
//
//	@Summary		Prometheus metrics
//	@ID				getMetrics
//	@Description	Requests by method, route template and status; latency by route template; 304 answers; response cache hits and misses; database pool figures; Go runtime and process figures. In the Prometheus text format.
//	@Tags			operations
//	@Produce		plain
//	@Success		200	{string}	string	"metrics in the Prometheus text exposition format"
//	@Failure		404	{object}	Problem	"-metrics-addr is set: the metrics are served on that listener alone"
//	@Router			/metrics [get]
func (m *Metrics) serve(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	m.handler.ServeHTTP(c.Writer, c.Request)
}

package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"signpost/handlers"
	"signpost/models/store"
)

// notifyMetrics count what the notifications of other instances' writes did.
type notifyMetrics struct {
	notifications *prometheus.CounterVec
	reconnects    prometheus.Counter
}

func newNotifyMetrics(m *handlers.Metrics) *notifyMetrics {
	nm := &notifyMetrics{
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "signpost_cache_notifications_total",
			Help: "Notifications of writes (PostgreSQL LISTEN/NOTIFY) heard by the response cache, by outcome: applied at once, refreshed (a gap or a notification without its tags: the invalidations were read from the database), ignored (already applied).",
		}, []string{"outcome"}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "signpost_cache_listen_reconnects_total",
			Help: "Times the connection that listens for writes was made again after it broke; each is followed by a read of the invalidations, since notifications sent meanwhile were lost.",
		}),
	}
	for _, o := range []handlers.NotifyOutcome{handlers.NotifyApplied, handlers.NotifyRefreshed, handlers.NotifyIgnored} {
		nm.notifications.WithLabelValues(string(o)) // every series from the start, at 0
	}
	m.Register(nm.notifications, nm.reconnects)
	return nm
}

// listenForWrites passes the writes that instances announce (on PostgreSQL) to the
// response cache until ctx is done: each notification as it comes, and a read of the
// invalidations from the database whenever the listening connection is made, since
// writes committed while none listened were announced to no one. It logs when the
// connection is lost and when it is back; meanwhile the periodic check
// (-cache-check) is all there is.
func listenForWrites(ctx context.Context, s *store.Store, cache *handlers.ResponseCache, nm *notifyMetrics, logger *slog.Logger) {
	var lostAt time.Time // zero while listening
	err := s.Listen(ctx, store.ListenHandler{
		Invalidation: func(inv store.Invalidation, complete bool) {
			o := cache.Notify(ctx, handlers.Invalidation{Version: inv.Version, Tags: inv.Tags}, complete)
			nm.notifications.WithLabelValues(string(o)).Inc()
		},
		Connected: func(reconnected bool) {
			cache.Resync(ctx)
			if reconnected {
				nm.reconnects.Inc()
				logger.Info("listening for writes again; the cache read what it missed", "channel", store.InvalidationChannel,
					"down", time.Since(lostAt).Round(time.Millisecond).String())
			} else {
				logger.Info("listening for writes", "channel", store.InvalidationChannel)
			}
			lostAt = time.Time{}
		},
		Lost: func(err error, retry time.Duration) {
			if lostAt.IsZero() {
				lostAt = time.Now()
				logger.Error("cannot listen for writes; the periodic check stands in until the connection is back",
					"err", err, "retry", retry.Round(time.Millisecond).String(), "check", "-cache-check")
			}
		},
	})
	if err != nil {
		logger.Error("cannot listen for writes", "err", err)
	}
}

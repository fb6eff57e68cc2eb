package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"signpost/models/store"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"signpost/handlers"
	"signpost/models"
	"signpost/webhook"
)

// newWorker makes the webhook worker of a server, counting its attempts in the
// router's metrics along with the outbox's depth and age.
func newWorker(st *store.Store, cfg Config, policy *webhook.Policy, logger *slog.Logger, m *handlers.Metrics) *webhook.Worker {
	results := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "signpost_webhook_deliveries_total",
		Help: "Webhook delivery attempts by result: delivered, retrying (failed, tried again later) or failed (the last attempt of the schedule failed).",
	}, []string{"result"})
	for _, r := range []string{"delivered", "retrying", "failed"} {
		results.WithLabelValues(r)
	}
	if m != nil {
		m.Register(results, &outboxCollector{store: st,
			depth: prometheus.NewDesc("signpost_webhook_queue_depth", "Webhook deliveries pending (due now or waiting for a retry).", nil, nil),
			age:   prometheus.NewDesc("signpost_webhook_oldest_pending_seconds", "Age of the oldest pending webhook delivery, in seconds (0 when none is pending).", nil, nil),
		})
	}
	return webhook.New(webhook.Config{Store: st, Policy: policy, Timeout: cfg.WebhooksTimeout, Now: st.Now, Logger: logger,
		OnResult: func(r string) { results.WithLabelValues(r).Inc() }})
}

// outboxCollector reads the outbox's figures when metrics are scraped.
type outboxCollector struct {
	store      *store.Store
	depth, age *prometheus.Desc
}

func (o *outboxCollector) Describe(ch chan<- *prometheus.Desc) { ch <- o.depth; ch <- o.age }

func (o *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	q, err := o.store.WebhookQueue(ctx)
	if err != nil {
		return
	}
	age := 0.0
	if q.OldestPending != nil {
		age = max(0, o.store.Now().Sub(*q.OldestPending).Seconds())
	}
	ch <- prometheus.MustNewConstMetric(o.depth, prometheus.GaugeValue, float64(q.Pending))
	ch <- prometheus.MustNewConstMetric(o.age, prometheus.GaugeValue, age)
}

// webhooksCommand runs `webhooks create|list|delete|test`. `webhooks create` prints
// the signing secret alone on the last line of its output.
func webhooksCommand(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	const usage = `usage: signpost webhooks create [flags] --url URL --events TYPES [--types TYPES] [--regions SLUGS] [--description TEXT]
       signpost webhooks list [flags]
       signpost webhooks delete [flags] ID
       signpost webhooks test [flags] ID`
	if len(args) == 0 {
		return errors.New(usage)
	}
	sub, args := args[0], args[1:]
	var url, events, types, regions, description string
	extra := func(fs *flag.FlagSet) {
		if sub != "create" {
			return
		}
		fs.StringVar(&url, "url", "", "the target URL (https)")
		fs.StringVar(&events, "events", "", "comma-separated event types, e.g. helpline.updated,*.deleted, helpline.* or *")
		fs.StringVar(&types, "types", "", "comma-separated item types to keep (article, helpline, campaign, organisation); default all")
		fs.StringVar(&regions, "regions", "", "comma-separated region slugs to keep; default all")
		fs.StringVar(&description, "description", "", "what the subscription is for")
	}
	switch sub {
	case "create", "list", "delete", "test":
	default:
		return errors.New(usage)
	}
	cfg, rest, err := loadConfig("signpost webhooks "+sub, args, getenv, extra)
	if err != nil {
		return err
	}
	var id int64
	switch sub {
	case "create", "list":
		if len(rest) > 0 {
			return errors.New(usage)
		}
	default:
		if len(rest) != 1 {
			return errors.New(usage)
		}
		if id, err = strconv.ParseInt(rest[0], 10, 64); err != nil || id <= 0 {
			return fmt.Errorf("not a webhook id: %q", rest[0])
		}
	}
	st, err := store.Open(ctx, cfg.storeConfig())
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "create":
		policy := cfg.webhookPolicy()
		if msg := policy.CheckURL(ctx, url); url != "" && msg != "" {
			return fmt.Errorf("--url: %s", msg)
		}
		w, err := st.CreateWebhook(ctx, &models.Webhook{URL: url, Events: splitList(events), Types: splitList(types),
			Regions: splitList(regions), Description: description})
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "Created webhook %d for %s (%s). Its signing secret is shown only this once; store it safely:\n%s\n",
			w.ID, w.URL, strings.Join(w.Events, ", "), w.Secret)
		return nil
	case "list":
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tURL\tEVENTS\tSTATUS\tFAILURES\tREASON")
		for cur := ""; ; {
			page, err := st.FindWebhooks(ctx, cur, models.MaxLimit)
			if err != nil {
				return err
			}
			for _, h := range page.Items {
				reason := h.FailureReason
				if reason == "" {
					reason = "-"
				}
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%d\t%s\n", h.ID, h.URL, strings.Join(h.Events, ","), h.Status, h.ConsecutiveFailures, reason)
			}
			if cur = page.NextCursor; cur == "" {
				break
			}
		}
		return w.Flush()
	case "delete":
		if err := st.DeleteWebhook(ctx, id); err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "Deleted webhook %d.\n", id)
		return nil
	}
	// test: queue a test message and send it at once from here, so that the
	// operator sees the receiver's answer.
	d, err := st.EnqueueTest(ctx, id, handlers.WebhookTest)
	if err != nil {
		return describe(err)
	}
	worker := newWorker(st, cfg, cfg.webhookPolicy(), slog.New(slog.DiscardHandler), nil)
	o, err := st.ClaimDelivery(ctx, id, d.ID, worker.Instance(), worker.Lease())
	if err != nil {
		return err
	}
	if o == nil {
		fmt.Fprintf(stdout, "Queued test message %s (delivery %d); the server is sending it.\n", d.MsgID, d.ID)
		return nil
	}
	r := worker.Send(ctx, *o)
	if err := st.RecordAttempt(ctx, r); err != nil {
		return err
	}
	if !r.Delivered {
		return fmt.Errorf("test message %s (delivery %d) was not delivered: %s", d.MsgID, d.ID, r.Error)
	}
	fmt.Fprintf(stdout, "Delivered test message %s (delivery %d): %d in %s.\n", d.MsgID, d.ID, *r.StatusCode, r.Duration.Round(time.Millisecond))
	return nil
}

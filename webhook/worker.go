package webhook

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"signpost/models"
)

// Schedule is the time to wait after each failed attempt before the next: 14 retries
// after the first attempt, 3 days and 4 hours in all, each wait stretched or shrunk
// by up to a tenth at random (jitter), so that receivers that come back are not hit
// by every sender at once. After the last one fails the delivery is given up.
var Schedule = []time.Duration{
	5 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour,
	12 * time.Hour, 12 * time.Hour, 12 * time.Hour, 12 * time.Hour, 12 * time.Hour,
}

// Retention is how long settled deliveries stay in the log.
const Retention = 30 * 24 * time.Hour

// MaxResponse is how much of a receiver's answer is read: enough to show in the
// deliveries log why it failed, and no more, whatever it sends.
const MaxResponse = 1024

// Store is what the worker needs of the outbox.
type Store interface {
	ClaimDeliveries(ctx context.Context, by string, lease time.Duration, limit int) ([]models.Outbound, error)
	RecordAttempt(ctx context.Context, r models.AttemptResult) error
}

// Config configures a Worker.
type Config struct {
	Store  Store
	Policy *Policy
	// Timeout bounds one attempt, from dialling to the end of the answer's head;
	// 0 means 10s.
	Timeout time.Duration
	// Now is the clock of timestamps and retries (the store's); nil means time.Now.
	Now func() time.Time
	// Jitter changes a wait of the schedule; nil means up to a tenth either way.
	Jitter func(time.Duration) time.Duration
	// Instance names this process in leases and the attempts log; "" makes one
	// from the host name, the process id and a random part.
	Instance string
	// Concurrency is how many messages are sent at once; 0 means 4.
	Concurrency int
	// Poll is how often the outbox is checked when it had nothing due; 0 means 500ms.
	Poll time.Duration
	// Logger gets a line for each failed attempt; nil means discard.
	Logger *slog.Logger
	// OnResult, when set, counts attempts by result: delivered, retrying or failed
	// (the last attempt of the schedule failed).
	OnResult func(result string)
}

// Worker delivers the outbox.
type Worker struct {
	cfg    Config
	client *http.Client
	lease  time.Duration
}

// New returns a worker.
func New(cfg Config) *Worker {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Jitter == nil {
		cfg.Jitter = func(d time.Duration) time.Duration {
			return d + time.Duration((rand.Float64()*0.2-0.1)*float64(d))
		}
	}
	if cfg.Instance == "" {
		host, _ := os.Hostname()
		b := make([]byte, 4)
		crand.Read(b)
		cfg.Instance = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 500 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Policy == nil {
		cfg.Policy = &Policy{}
	}
	// The lease outlasts an attempt by far, so that a slow answer never lets a
	// second instance send the same attempt.
	return &Worker{cfg: cfg, client: NewClient(cfg.Policy, cfg.Timeout), lease: 2*cfg.Timeout + 5*time.Second}
}

// Instance is the name of this worker's process in leases and the log.
func (w *Worker) Instance() string { return w.cfg.Instance }

// Lease is how long a claimed delivery stays this worker's.
func (w *Worker) Lease() time.Duration { return w.lease }

// NewClient returns the HTTP client of deliveries: a timeout, no redirects followed,
// no proxy from the environment, and a dialer that refuses every connection to an
// address the policy forbids, after DNS resolution.
func NewClient(p *Policy, timeout time.Duration) *http.Client {
	dialer := &net.Dialer{
		Timeout:  timeout,
		Resolver: p.Resolver,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return err
			}
			return p.CheckAddr(ap.Addr())
		},
	}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:                  nil,
			DialContext:            dialer.DialContext,
			ForceAttemptHTTP2:      true,
			TLSHandshakeTimeout:    timeout,
			ResponseHeaderTimeout:  timeout,
			MaxIdleConnsPerHost:    2,
			IdleConnTimeout:        90 * time.Second,
			MaxResponseHeaderBytes: 64 << 10,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// pruner is a store that can forget settled deliveries.
type pruner interface {
	PruneDeliveries(ctx context.Context, before time.Time) (int64, error)
}

// Run delivers due messages until ctx is done. Attempts under way when it ends are
// finished (each is bounded by the timeout), so that none is cut off half sent.
// Once an hour it removes the deliveries settled more than Retention ago.
func (w *Worker) Run(ctx context.Context) {
	var pruned time.Time
	for {
		if p, ok := w.cfg.Store.(pruner); ok && time.Since(pruned) > time.Hour {
			pruned = time.Now()
			if _, err := p.PruneDeliveries(ctx, w.cfg.Now().Add(-Retention)); err != nil && ctx.Err() == nil {
				w.cfg.Logger.Error("webhook outbox: prune", "err", err)
			}
		}
		n, err := w.Tick(ctx)
		if err != nil && ctx.Err() == nil {
			w.cfg.Logger.Error("webhook outbox", "err", err)
		}
		if n > 0 && err == nil {
			continue // there may be more due
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(w.cfg.Poll):
		}
	}
}

// Tick claims the deliveries due now, sends them, records the results, and returns
// how many it attempted.
func (w *Worker) Tick(ctx context.Context) (int, error) {
	if ctx.Err() != nil {
		return 0, nil
	}
	batch, err := w.cfg.Store.ClaimDeliveries(ctx, w.cfg.Instance, w.lease, 4*w.cfg.Concurrency)
	if err != nil || len(batch) == 0 {
		return 0, err
	}
	// A claimed attempt is made and recorded even when ctx ends meanwhile.
	work := context.WithoutCancel(ctx)
	sem := make(chan struct{}, w.cfg.Concurrency)
	var wg sync.WaitGroup
	errs := make([]error, len(batch))
	for i := range batch {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = w.cfg.Store.RecordAttempt(work, w.Send(work, batch[i]))
		}()
	}
	wg.Wait()
	return len(batch), errors.Join(errs...)
}

// Send makes one attempt at a claimed delivery and returns its result, with the
// time of the next attempt after a failure.
func (w *Worker) Send(ctx context.Context, o models.Outbound) models.AttemptResult {
	at := w.cfg.Now().UTC()
	r := models.AttemptResult{Outbound: o, At: at, Instance: w.cfg.Instance}
	status, resp, err := w.post(ctx, o, at)
	r.Duration = time.Since(at) // the attempt's own length, whatever the clock says
	if d := w.cfg.Now().Sub(at); d > r.Duration {
		r.Duration = d
	}
	r.Response = resp
	if status != 0 {
		r.StatusCode = &status
	}
	switch {
	case err != nil:
		r.Error = describe(err, w.cfg.Timeout)
	case status >= 200 && status < 300:
		r.Delivered = true
	case status >= 300 && status < 400:
		r.Error = fmt.Sprintf("answered %d %s: redirects are not followed; give the final URL", status, http.StatusText(status))
	default:
		r.Error = fmt.Sprintf("answered %d %s", status, http.StatusText(status))
	}
	result := "delivered"
	if !r.Delivered {
		if o.Attempt <= len(Schedule) {
			next := at.Add(w.cfg.Jitter(Schedule[o.Attempt-1]))
			r.NextAttemptAt = &next
			result = "retrying"
		} else {
			result = "failed"
		}
		w.cfg.Logger.Warn("webhook attempt failed", "webhook", o.WebhookID, "delivery", o.DeliveryID, "msg_id", o.MsgID,
			"attempt", o.Attempt, "host", hostOf(o.URL), "err", r.Error, "next_attempt_at", r.NextAttemptAt)
	}
	if w.cfg.OnResult != nil {
		w.cfg.OnResult(result)
	}
	return r
}

func (w *Worker) post(ctx context.Context, o models.Outbound, at time.Time) (int, string, error) {
	sig, err := Sign(o.Secrets, o.MsgID, at, o.Body)
	if err != nil {
		return 0, "", err
	}
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.URL, bytes.NewReader(o.Body))
	if err != nil {
		return 0, "", err
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "Signpost-Webhooks/1")
	h.Set("webhook-id", o.MsgID)
	h.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
	h.Set("webhook-signature", sig)
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	// An answer's body that breaks off is no matter: the status has been given.
	b, _ := io.ReadAll(io.LimitReader(resp.Body, MaxResponse))
	return resp.StatusCode, string(b), nil
}

// describe words a failed attempt for the deliveries log: never the URL (a partner
// may have put a token in it), never a secret.
func describe(err error, timeout time.Duration) string {
	var te *TargetError
	var ue *url.Error
	var ne net.Error
	switch {
	case errors.As(err, &te):
		return te.Error()
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return fmt.Sprintf("timed out after %s", timeout)
	case errors.Is(err, syscall.ECONNRESET):
		return "the connection was reset by the receiver"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the connection was refused"
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return "the receiver closed the connection without an answer"
	case errors.As(err, &ue):
		return ue.Err.Error()
	}
	return err.Error()
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Host
	}
	return ""
}

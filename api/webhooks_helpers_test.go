package main

// Helpers of the webhook tests: a receiver on a real loopback listener that records
// what it gets and answers as told, a DNS server of the test's own, and a worker
// driven by hand over the test's clock.

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"signpost/handlers"
	"signpost/webhook"
)

// received is one request a receiver got.
type received struct {
	Path      string
	ID        string
	Timestamp string
	Signature string
	Body      []byte
}

// message decodes the body as a webhook message.
func (r received) message(tb testing.TB) webhookMsg {
	tb.Helper()
	var m webhookMsg
	if err := json.Unmarshal(r.Body, &m); err != nil {
		tb.Fatalf("message body: %v\n%s", err, r.Body)
	}
	return m
}

type webhookMsg struct {
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      struct {
		handlers.Change
		Item json.RawMessage `json:"item"`
	} `json:"data"`
}

// hookReceiver is a webhook receiver on 127.0.0.1 (or another loopback address).
// respond decides each answer; nil answers 204.
type hookReceiver struct {
	URL     string
	srv     *httptest.Server
	mu      sync.Mutex
	got     []received
	respond func(w http.ResponseWriter, r *http.Request, n int)
}

func newReceiver(tb testing.TB) *hookReceiver { return newReceiverOn(tb, "127.0.0.1") }

func newReceiverOn(tb testing.TB, ip string) *hookReceiver {
	tb.Helper()
	rv := &hookReceiver{}
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		tb.Fatalf("listen: %v", err)
	}
	rv.srv = &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rv.mu.Lock()
		n := len(rv.got)
		rv.got = append(rv.got, received{Path: r.URL.Path, ID: r.Header.Get("webhook-id"), Timestamp: r.Header.Get("webhook-timestamp"),
			Signature: r.Header.Get("webhook-signature"), Body: body})
		respond := rv.respond
		rv.mu.Unlock()
		if respond == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		respond(w, r, n)
	})}}
	rv.srv.Start()
	tb.Cleanup(rv.srv.Close)
	rv.URL = rv.srv.URL
	return rv
}

// setRespond changes how the receiver answers.
func (rv *hookReceiver) setRespond(f func(w http.ResponseWriter, r *http.Request, n int)) {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	rv.respond = f
}

// all returns what the receiver got so far.
func (rv *hookReceiver) all() []received {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	return append([]received(nil), rv.got...)
}

// withHooks lets webhooks go to plain http receivers on 127.0.0.1, as the tests'
// receivers are, and makes attempts time out quickly.
func withHooks() TestOption {
	return WithConfig(func(c *Config) {
		c.WebhooksAllowHTTP = true
		c.WebhooksAllowTargets = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
		c.WebhooksTimeout = 2 * time.Second
	})
}

// mustWorker returns a worker over the app's store and clock with no jitter, so that
// a test can move the clock by exactly the schedule's waits, and runs nothing by
// itself: the test calls Tick.
func mustWorker(tb testing.TB, app *testApp, instance string, logger *slog.Logger) *webhook.Worker {
	tb.Helper()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return webhook.New(webhook.Config{Store: app.Store, Policy: app.Config.webhookPolicy(), Timeout: app.Config.WebhooksTimeout,
		Now: app.Store.Now, Jitter: func(d time.Duration) time.Duration { return d }, Instance: instance, Logger: logger})
}

// mustTick runs one round of the worker and returns how many deliveries it tried.
func mustTick(tb testing.TB, w *webhook.Worker) int {
	tb.Helper()
	n, err := w.Tick(context.Background())
	if err != nil {
		tb.Fatalf("worker: %v", err)
	}
	return n
}

// webhookView is a subscription as the API returns it.
type webhookView struct {
	ID                  int64    `json:"id"`
	URL                 string   `json:"url"`
	Events              []string `json:"events"`
	Status              string   `json:"status"`
	FailureReason       *string  `json:"failure_reason"`
	ConsecutiveFailures int      `json:"consecutive_failures"`
	Secret              string   `json:"secret"`
}

// mustCreateWebhook subscribes through the API with the admin key.
func mustCreateWebhook(tb testing.TB, app *editorApp, body obj) webhookView {
	tb.Helper()
	var out struct{ Data webhookView }
	resp := app.DoJSON(tb, http.MethodPost, "/api/v1/webhooks", body, &out, auth(app.Admin)...)
	MustStatus(tb, resp, http.StatusCreated)
	return out.Data
}

type deliveryView struct {
	ID            int64      `json:"id"`
	MessageID     string     `json:"message_id"`
	EventType     string     `json:"event_type"`
	Seq           *int64     `json:"seq"`
	State         string     `json:"state"`
	AttemptCount  int        `json:"attempt_count"`
	NextAttemptAt *time.Time `json:"next_attempt_at"`
	LastError     *string    `json:"last_error"`
	Attempts      []struct {
		StatusCode *int    `json:"status_code"`
		Error      *string `json:"error"`
		Response   *string `json:"response"`
	} `json:"attempts"`
}

// mustDeliveries returns a subscription's deliveries, newest first.
func mustDeliveries(tb testing.TB, app *editorApp, id int64) []deliveryView {
	tb.Helper()
	var out struct{ Data []deliveryView }
	resp := app.GetJSON(tb, "/api/v1/webhooks/"+itoa(id)+"/deliveries?limit=100", &out, auth(app.Admin)...)
	MustStatus(tb, resp, http.StatusOK)
	return out.Data
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// mustPatchHelpline changes a helpline's description through the API.
func mustPatchHelpline(tb testing.TB, app *editorApp, slug, description string) {
	tb.Helper()
	resp := app.DoJSON(tb, http.MethodPatch, "/api/v1/helplines/"+slug, obj{"description": description}, nil, auth(app.Editor)...)
	MustStatus(tb, resp, http.StatusOK)
}

// fakeDNS answers A queries for the names it is told, on a UDP port of 127.0.0.1,
// so that a test can make a name resolve to one address and later to another.
type fakeDNS struct {
	addr    string
	mu      sync.Mutex
	answers map[string]netip.Addr
}

func startFakeDNS(tb testing.TB) *fakeDNS {
	tb.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("listen udp: %v", err)
	}
	tb.Cleanup(func() { pc.Close() })
	d := &fakeDNS{addr: pc.LocalAddr().String(), answers: map[string]netip.Addr{}}
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if out := d.answer(buf[:n]); out != nil {
				pc.WriteTo(out, from)
			}
		}
	}()
	return d
}

// set makes name resolve to ip (IPv4) from now on.
func (d *fakeDNS) set(name, ip string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.answers[name] = netip.MustParseAddr(ip)
}

func (d *fakeDNS) answer(query []byte) []byte {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil {
		return nil
	}
	q, err := p.Question()
	if err != nil {
		return nil
	}
	name := strings.TrimSuffix(q.Name.String(), ".")
	d.mu.Lock()
	ip, ok := d.answers[name]
	d.mu.Unlock()
	rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RCode: dnsmessage.RCodeSuccess}
	if !ok {
		rh.RCode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, rh)
	b.EnableCompression()
	b.StartQuestions()
	b.Question(q)
	b.StartAnswers()
	if ok && q.Type == dnsmessage.TypeA {
		b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 0}, dnsmessage.AResource{A: ip.As4()})
	}
	out, err := b.Finish()
	if err != nil {
		return nil
	}
	return out
}

// resolver is a resolver that asks only this server.
func (d *fakeDNS) resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var dl net.Dialer
		return dl.DialContext(ctx, "udp", d.addr)
	}}
}

// deliveryCount is how many deliveries of a subscription are in a state.
func deliveryCount(tb testing.TB, app *testApp, webhookID int64, state string) int64 {
	tb.Helper()
	return app.MustQueryInt(tb, `SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = ? AND state = ?`, webhookID, state)
}

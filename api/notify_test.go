package main

// Tests of how instances on one PostgreSQL database keep their response caches in
// step: each write's notification reaches every other instance's cache as it
// commits (LISTEN/NOTIFY), the periodic check (-cache-check) brings what a lost
// notification would have, and a listening connection that breaks comes back and
// reads what it missed. They run the real binary, several times over, on a
// throwaway PostgreSQL (pgtest), and skip without one.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"signpost/models/store"
)

// instance is one `signpost serve` process, read through the test harness (every
// response checked against the OpenAPI document).
type instance struct {
	*testApp
	srv *server
}

// mustStartInstance starts the binary on db with flags and waits until it is ready.
func mustStartInstance(t *testing.T, ctx context.Context, bin, db string, flags ...string) *instance {
	t.Helper()
	srv := mustStartServer(t, ctx, bin, db, flags...)
	var sqlDB *sql.DB
	app := &testApp{URL: srv.URL, Client: &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 10 * time.Second},
		check: true, sqlDB: &sqlDB, mu: new(sync.Mutex)}
	return &instance{testApp: app, srv: srv}
}

// withApplicationName returns db with application_name set, so that the instance's
// connections can be told apart in pg_stat_activity.
func withApplicationName(t *testing.T, db, name string) string {
	t.Helper()
	u, err := url.Parse(db)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("application_name", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// body reads path and returns its body; anything but 200 fails the test.
func (in *instance) body(t *testing.T, path string) string {
	t.Helper()
	resp := in.Get(t, path)
	MustStatus(t, resp, http.StatusOK)
	return string(ReadBody(t, resp))
}

// metric returns a sample of /metrics, 0 when there is none.
func (in *instance) metric(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	v, _ := metricValue(in.scrape(t), name, labels...)
	return v
}

// notifications returns the notifications the instance's cache heard, by outcome.
func (in *instance) notifications(t *testing.T) map[string]float64 {
	t.Helper()
	m := in.scrape(t)
	out := map[string]float64{}
	for _, o := range []string{"applied", "refreshed", "ignored"} {
		out[o], _ = metricValue(m, "signpost_cache_notifications_total", "outcome", o)
	}
	return out
}

// poll calls ok every few milliseconds until it is true, failing the test after
// 10 s. It is a deadline, not a guess at how long something takes.
func poll(t *testing.T, what string, ok func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !ok() {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("%s: not within 10 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

// The article and the helpline that the three-instance test reads and writes.
const (
	articlePath  = "/api/v1/articles/" + cumbriaSlug
	helplinePath = "/api/v1/helplines/stop-it-now"
)

// shown is a field of an item's public answer and the value a write gives it.
type shown struct {
	path, field, value string
}

// field reads path on in and returns the string field of its data.
func (in *instance) field(t *testing.T, path, name string) string {
	t.Helper()
	var v struct {
		Data map[string]any `json:"data"`
	}
	MustStatus(t, in.GetJSON(t, path, &v), http.StatusOK)
	s, ok := v.Data[name].(string)
	if !ok {
		t.Fatalf("%s: no string %q in the answer", path, name)
	}
	return s
}

// TestNotifyThreeInstances proves that three instances on one PostgreSQL database
// keep their response caches in step by notification alone: with a check interval
// of an hour, once a write is acknowledged on A, B and C serve the new article and
// helpline as soon as the notification arrives, and never the old ones after
// having served the new. Then: with notifications off, the periodic check still
// brings a write; a listening connection that is cut comes back, says so in the log
// and the metrics, and the cache reads what it missed; and an instance stops
// cleanly, listener and all.
func TestNotifyThreeInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the real binary and runs it on PostgreSQL")
	}
	if !onPostgres() {
		t.Skip("PostgreSQL only: it runs in the tests' PostgreSQL pass (pgtest.Both)")
	}
	aLogs := func() string { return "" }
	defer func() {
		if t.Failed() {
			t.Logf("A's log:\n%s", aLogs())
		}
	}()
	db := mustPostgresURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bin := mustBuildBinary(t, t.TempDir())
	// An hour between checks: only a notification can explain a fresh answer.
	flags := []string{"-cache-check", "1h", "-rate-limit", "0"}
	a := mustStartInstance(t, ctx, bin, withApplicationName(t, db, "signpost-a"), flags...) // loads the seed content
	aLogs = a.srv.logs
	b := mustStartInstance(t, ctx, bin, withApplicationName(t, db, "signpost-b"), append(flags, "-no-seed")...)
	c := mustStartInstance(t, ctx, bin, withApplicationName(t, db, "signpost-c"), append(flags, "-no-seed")...)
	out, err := exec.CommandContext(ctx, bin, "keys", "create", "-db", db, "--name", "newsroom", "--scope", "editor").Output()
	if err != nil {
		t.Fatalf("keys create: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	editor := lines[len(lines)-1]

	// write gives each field its value through A; each write is acknowledged (200)
	// when it returns.
	write := func(t *testing.T, ws ...shown) {
		t.Helper()
		for _, w := range ws {
			body, _ := json.Marshal(obj{w.field: w.value})
			resp := a.Do(t, http.MethodPatch, w.path, bytes.NewReader(body), "Authorization", "Bearer "+editor,
				"Content-Type", "application/merge-patch+json")
			MustStatus(t, resp, http.StatusOK)
		}
	}
	// warm fills in's cache with the answers, which must not show the values yet,
	// and proves that the cache answers them.
	warm := func(t *testing.T, in *instance, ws ...shown) {
		t.Helper()
		for _, w := range ws {
			for range 2 {
				if got := in.field(t, w.path, w.field); got == w.value {
					t.Fatalf("%s shows %s %q before the write", w.path, w.field, got)
				}
			}
			c := in.cacheCountsNow(t)
			in.field(t, w.path, w.field)
			in.mustCacheDelta(t, c, 1, 0)
		}
	}
	// fresh reads the answers on each instance in turn, every few milliseconds,
	// until every instance shows every new value (10 s at most), and then reads
	// each 200 times more: every answer must still show it. Most of those must come
	// from the cache, or the test would prove nothing about it. ack is when the
	// write was acknowledged.
	fresh := func(t *testing.T, ack time.Time, ins map[string]*instance, ws ...shown) {
		t.Helper()
		shows := func(in *instance) bool {
			for _, w := range ws {
				if in.field(t, w.path, w.field) != w.value {
					return false
				}
			}
			return true
		}
		stale := map[string]int{} // answers without the new values, by instance
		waiting := map[string]bool{}
		for name := range ins {
			waiting[name] = true
		}
		for len(waiting) > 0 {
			if time.Since(ack) > 10*time.Second {
				t.Fatalf("%v still serve the old content 10 s after the write", waiting)
			}
			for name := range waiting {
				if shows(ins[name]) {
					delete(waiting, name)
					t.Logf("%s fresh %s after the write was acknowledged, after %d reads of the old content",
						name, time.Since(ack).Round(time.Millisecond), stale[name])
				} else {
					stale[name]++
				}
			}
			if len(waiting) > 0 {
				time.Sleep(5 * time.Millisecond) // a poll interval, not a guess at timing
			}
		}
		const reads = 200
		for name, in := range ins {
			hits := in.cacheCountsNow(t)
			for i := range reads {
				for _, w := range ws {
					if got := in.field(t, w.path, w.field); got != w.value {
						t.Fatalf("%s, read %d after having served the new %s: %s %q, the old content again", name, i, w.path, w.field, got)
					}
				}
			}
			if h, _ := in.cacheCounts(t); h-hits[0] < float64(reads*len(ws)*3/4) {
				t.Errorf("%s: only %v of %d reads were cache hits", name, h-hits[0], reads*len(ws))
			}
		}
	}

	t.Run("OKEveryInstanceFreshByNotification", func(t *testing.T) {
		ws := []shown{
			{articlePath, "title", "Seen by every instance at once"},
			{helplinePath, "interpreters", "Interpreters on request, heard by notification"},
		}
		warm(t, b, ws...)
		warm(t, c, ws...)
		before := map[string]map[string]float64{"B": b.notifications(t), "C": c.notifications(t)}
		write(t, ws...)
		fresh(t, time.Now(), map[string]*instance{"B": b, "C": c}, ws...)
		for name, in := range map[string]*instance{"B": b, "C": c} {
			if n := in.notifications(t); n["applied"]-before[name]["applied"] < 1 {
				t.Errorf("%s applied %v notifications, want at least 1 (%v)", name, n["applied"]-before[name]["applied"], n)
			}
		}
	})

	t.Run("OKPeriodicCheckWithoutNotifications", func(t *testing.T) {
		// D hears no notifications: its check, every 200 ms, is all it has.
		d := mustStartInstance(t, ctx, bin, db, "-cache-listen=false", "-cache-check", "200ms", "-rate-limit", "0", "-no-seed")
		w := shown{articlePath, "title", "Found by the periodic check"}
		warm(t, d, w)
		write(t, w)
		fresh(t, time.Now(), map[string]*instance{"D": d}, w)
		if _, ok := metricValue(d.scrape(t), "signpost_cache_notifications_total", "outcome", "applied"); ok {
			t.Error("an instance with -cache-listen=false counts notifications")
		}
	})

	t.Run("OKReconnectsAndReadsWhatItMissed", func(t *testing.T) {
		pg, err := sql.Open("pgx", db)
		if err != nil {
			t.Fatal(err)
		}
		defer pg.Close()
		w := shown{articlePath, "title", "Written while B's listener was cut"}
		warm(t, b, w)
		// Cut B's listening connection: B's application_name, its last query LISTEN.
		var cut int
		if err := pg.QueryRowContext(ctx, `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE application_name = 'signpost-b' AND query LIKE 'LISTEN %'`).Scan(&cut); err != nil || cut != 1 {
			t.Fatalf("cut %d listening connections of B (%v), want 1", cut, err)
		}
		write(t, w)
		fresh(t, time.Now(), map[string]*instance{"B": b}, w)
		poll(t, "B counts the reconnection", func() bool {
			return b.metric(t, "signpost_cache_listen_reconnects_total") >= 1
		})
		poll(t, "B logs the reconnection", func() bool {
			return strings.Contains(b.srv.logs(), "listening for writes again")
		})
		logs := b.srv.logs()
		if !strings.Contains(logs, "cannot listen for writes") {
			t.Errorf("B did not log the lost connection:\n%s", logs)
		}
		noPassword(t, "B's logs", logs)
	})

	t.Run("OKStopsCleanly", func(t *testing.T) {
		if err := c.srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case <-c.srv.exited:
		case <-ctx.Done():
			t.Fatal("C did not stop after SIGTERM")
		}
		if c.srv.waitErr != nil {
			t.Errorf("C stopped with %v\n%s", c.srv.waitErr, c.srv.logs())
		}
		if !strings.Contains(c.srv.logs(), `"msg":"stopped"`) {
			t.Errorf("C did not log that it stopped:\n%s", c.srv.logs())
		}
	})
}

// TestConfigCacheCheck proves the bounds of -cache-check: up to a second where the
// check is how other instances' writes are seen (SQLite, or -cache-listen=false),
// up to an hour where notifications carry them.
func TestConfigCacheCheck(t *testing.T) {
	const pg = "postgres://signpost@127.0.0.1:5432/signpost"
	for _, tt := range []struct {
		name string
		args []string
		ok   bool
	}{
		{"OKSQLiteSecond", []string{"-cache-check", "1s"}, true},
		{"ErrSQLiteLonger", []string{"-cache-check", "2s"}, false},
		{"OKPostgresHour", []string{"-db", pg, "-cache-check", "1h"}, true},
		{"ErrPostgresLongerThanAnHour", []string{"-db", pg, "-cache-check", "61m"}, false},
		{"ErrPostgresNotListening", []string{"-db", pg, "-cache-listen=false", "-cache-check", "2s"}, false},
		{"OKPostgresNotListeningSecond", []string{"-db", pg, "-cache-listen=false", "-cache-check", "1s"}, true},
		{"ErrNegative", []string{"-db", pg, "-cache-check", "-1s"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, _, err := LoadConfig("signpost", tt.args, func(string) string { return "" })
			if (err == nil) != tt.ok {
				t.Fatalf("LoadConfig(%v): %v, want ok %v", tt.args, err, tt.ok)
			}
			if err != nil && !strings.Contains(err.Error(), "-cache-check") {
				t.Errorf("the error does not name the option: %v", err)
			}
			if tt.ok && cfg.listens() != (store.IsPostgres(cfg.DB) && !strings.Contains(strings.Join(tt.args, " "), "-cache-listen=false")) {
				t.Errorf("listens %v for %v", cfg.listens(), tt.args)
			}
		})
	}
}

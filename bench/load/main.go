// Command load measures Signpost on this machine, from outside, over HTTP. It builds
// the server, fills a database with synthetic content (once; it is kept for later
// runs), and starts two servers on it on 127.0.0.1, pinned to one core: one with
// the response cache, one without. This process runs on the other core.
//
// It prints three tables:
//
//   - ratios: each endpoint loaded from -connections connections, taking turns in
//     short slices with a bare gin route (no middleware) that writes 4.5 KB of
//     static JSON, and, for the cached endpoints, with a bare route of the same body
//     size: requests per second, p50, p99, and throughput as a ratio to those
//     ceilings;
//
//   - writers: a mix of reads from -write-connections connections for -mix, with 0,
//     1 and 10 writes a second: throughput as a ratio to the run without writes, p99,
//     errors, timeouts, the worst one-second dip and the server's peak memory;
//
//   - hostile writes: the worst write bodies of the hostile-input report (a merge
//     patch nested 10,000 deep, one of 40,000 keys, Markdown of 100,000 nested block
//     quotes and a table bomb), four at once, round after round: their latency and
//     the server's peak memory;
//
//   - scale (with -scale): start-up, database size, and the uncached list (page 1
//     and 1,000) and search at each number of articles;
//
//   - instances (with -db postgres://…): the read mix with one write a second, over 1,
//     2 and 3 instances on the one PostgreSQL database, all pinned to the servers'
//     core: on this machine it shows what sharing a database costs, not scaling.
//
// With -db postgres://… the servers use that PostgreSQL database instead of a SQLite
// file in -dir; it must be empty the first time (the bench fills it) or hold the
// bench's articles from an earlier run. The scale table is SQLite's only.
//
//	go run -tags sqlite_fts5 ./bench/load [-articles 100000] [-duration 5s] [-only text] [-scale 10000,100000,1000000] [-db postgres://…]
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"golang.org/x/sys/unix"

	"signpost/models/store"
)

func main() {
	o := options{}
	flag.IntVar(&o.articles, "articles", 100_000, "synthetic articles in the database")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "how long each endpoint of the ratios table is loaded")
	flag.IntVar(&o.conns, "connections", 64, "concurrent connections of the ratios table")
	flag.IntVar(&o.mixConns, "write-connections", 500, "concurrent connections of the writers table")
	flag.DurationVar(&o.mix, "mix", 15*time.Second, "how long each run of the writers table lasts")
	flag.StringVar(&o.dir, "dir", filepath.Join(os.TempDir(), "signpost-bench"), "where the binary and the databases are kept between runs")
	flag.StringVar(&o.only, "only", "", "run only the tables or endpoints whose name contains this text (ratios, writers, scale, or an endpoint)")
	flag.StringVar(&o.scale, "scale", "", "comma-separated numbers of articles for the scale table (e.g. 10000,100000,1000000)")
	flag.StringVar(&o.db, "db", "", "a postgres:// URL to measure PostgreSQL instead of a SQLite file in -dir (an empty database, or one an earlier run filled)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

type options struct {
	articles, conns, mixConns int
	duration, mix             time.Duration
	dir, only, scale, db      string
}

// serverCPU is the core the servers are pinned to; this process takes the others.
const serverCPU = 0

func run(o options) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Hour)
	defer cancel()
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return err
	}
	pinned := pinSelf()
	bin := filepath.Join(o.dir, "signpost")
	fmt.Fprintln(os.Stderr, "building the server …")
	build := exec.CommandContext(ctx, "sh", ".ci/build", bin)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build (run from the repository's root): %w", err)
	}
	fmt.Printf("machine: %s/%s, %d CPUs; %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), pinned)

	if o.db != "" && !store.IsPostgres(o.db) {
		return fmt.Errorf("-db %q: give a postgres:// URL (without -db the bench uses SQLite files in -dir)", store.RedactDB(o.db))
	}
	tables := []string{"ratios", "writers", "hostile", "scale", "instances"}
	doRatios := !slices.Contains(tables[1:], o.only)
	doWriters := o.only == "" || o.only == "writers"
	doHostile := o.only == "" || o.only == "hostile"
	doInstances := o.db != "" && (o.only == "" || o.only == "instances")
	if o.db != "" {
		fmt.Printf("database: PostgreSQL at %s\n", store.RedactDB(o.db))
	} else {
		fmt.Printf("database: SQLite files in %s\n", o.dir)
	}
	if doRatios || doWriters || doHostile || doInstances {
		var db string
		var err error
		if o.db != "" {
			db, err = postgresDatabase(ctx, bin, o.db, o.articles)
		} else {
			db, err = database(ctx, bin, o.dir, o.articles)
		}
		if err != nil {
			return err
		}
		key, err := editorKey(ctx, bin, db, o.dir)
		if err != nil {
			return err
		}
		cached, err := startServer(ctx, bin, db, nil)
		if err != nil {
			return err
		}
		defer cached.stop()
		fmt.Printf("server start-up to ready (%d articles): %s\n", o.articles, cached.startup.Round(time.Millisecond))
		uncached, err := startServer(ctx, bin, db, []string{"SIGNPOST_CACHE_BYTES=0"})
		if err != nil {
			return err
		}
		defer uncached.stop()
		if doRatios {
			if err := ratios(ctx, o, cached, uncached); err != nil {
				return err
			}
		}
		if doWriters {
			if err := writers(ctx, o, cached, key); err != nil {
				return err
			}
		}
		if doHostile {
			if err := hostileWrites(ctx, newClient(8), cached.base, key, o.duration, cached.pid()); err != nil {
				return err
			}
		}
		if doInstances {
			cached.stop()
			uncached.stop()
			if err := instances(ctx, o, bin, db, key); err != nil {
				return err
			}
		}
	}
	if o.scale != "" && o.db == "" && (o.only == "" || o.only == "scale") {
		return scale(ctx, o, bin)
	}
	return nil
}

// pinSelf keeps this process off the servers' core, so that the load and the
// servers do not take turns on one core; it says what it did.
func pinSelf() string {
	if runtime.NumCPU() < 2 {
		return "one CPU: servers and load share it"
	}
	var set unix.CPUSet
	for i := range runtime.NumCPU() {
		if i != serverCPU {
			set.Set(i)
		}
	}
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		return "not pinned: " + err.Error()
	}
	if _, err := exec.LookPath("taskset"); err != nil {
		return "load pinned off CPU 0, servers not pinned (no taskset)"
	}
	return fmt.Sprintf("servers pinned to CPU %d (taskset), load on the others", serverCPU)
}

// database returns the path of a database with n synthetic articles, making it the
// first time.
func database(ctx context.Context, bin, dir string, n int) (string, error) {
	db := filepath.Join(dir, fmt.Sprintf("bench-%d.db", n))
	if _, err := os.Stat(db); err == nil {
		return db, nil
	}
	fmt.Fprintf(os.Stderr, "generating %d synthetic articles into %s (kept for later runs) …\n", n, db)
	tmp := db + ".tmp"
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(tmp + suffix)
	}
	gen := exec.CommandContext(ctx, bin, "generate", "-db", tmp, "-articles", strconv.Itoa(n))
	gen.Stdout, gen.Stderr = os.Stderr, os.Stderr
	if err := gen.Run(); err != nil {
		return "", err
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if _, err := os.Stat(tmp + suffix); err == nil {
			if err := os.Rename(tmp+suffix, db+suffix); err != nil {
				return "", err
			}
		}
	}
	return db, nil
}

// editorKey returns an editor key of the database, made once and kept beside it.
func editorKey(ctx context.Context, bin, db, dir string) (string, error) {
	file := db + ".key"
	if store.IsPostgres(db) {
		// A URL is no file name: keep its key in the bench directory, named by a hash
		// of the URL (which holds a password).
		sum := sha256.Sum256([]byte(db))
		file = filepath.Join(dir, fmt.Sprintf("postgres-%x.key", sum[:8]))
	}
	if b, err := os.ReadFile(file); err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	out, err := exec.CommandContext(ctx, bin, "keys", "create", "-db", db, "--name", fmt.Sprintf("bench-%d", time.Now().UnixNano()), "--scope", "editor").Output()
	if err != nil {
		return "", fmt.Errorf("keys create: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	key := lines[len(lines)-1]
	return key, os.WriteFile(file, []byte(key+"\n"), 0o600)
}

type server struct {
	base    string
	cmd     *exec.Cmd
	startup time.Duration
}

// startServer starts a server on db on a free loopback port, pinned to serverCPU
// when taskset is there, with rate limits off and the ceiling routes on.
func startServer(ctx context.Context, bin, db string, env []string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	args := []string{bin, "serve", "-addr", addr, "-db", db}
	if _, err := exec.LookPath("taskset"); err == nil && runtime.NumCPU() > 1 {
		args = append([]string{"taskset", "-c", strconv.Itoa(serverCPU)}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(append(os.Environ(), "SIGNPOST_RATE_LIMIT=0", "SIGNPOST_RATE_LIMIT_KEY=0", "SIGNPOST_RATE_LIMIT_EMBED=0",
		"SIGNPOST_BENCH_CEILING=true"), env...)
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = devnull, devnull
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{base: "http://" + addr, cmd: cmd}
	if s.startup, err = waitReady(ctx, s.base, start); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

func (s *server) stop() {
	s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
	}
}

// pid is the server's own process id (the child of taskset, which execs it).
func (s *server) pid() int { return s.cmd.Process.Pid }

// A made-up word of the synthetic text that about 2% of the articles contain
// (2,028 of 100,000 with the default seed), like a real search term.
var rareWord = store.SyntheticWord(940)

// bareSize is the body of the bare route every endpoint is compared with.
const bareSize = 4500

type endpoint struct {
	name   string
	srv    *server
	path   string
	header http.Header
	// sameSize also compares with a bare route of the endpoint's own body size.
	sameSize bool
	target   string
	// conns, when set, is the connections of this endpoint: a slow one would only
	// queue its requests behind each other past the client's timeout.
	conns int
}

func ratios(ctx context.Context, o options, cached, uncached *server) error {
	client := newClient(o.conns)
	// Page 1,000, or a smaller database's last page, as the scale table does.
	deep, err := walkPages(ctx, client, uncached.base, "/api/v1/articles?limit=20", min(1000, o.articles/20))
	if err != nil {
		return err
	}
	etag, err := headerOf(client, cached.base+"/api/v1/articles", "ETag")
	if err != nil {
		return err
	}
	endpoints := []endpoint{
		{name: "article list (cached)", srv: cached, path: "/api/v1/articles", sameSize: true, target: ">= 0.8x same size"},
		{name: "article (cached)", srv: cached, path: "/api/v1/articles/synthetic-article-500", sameSize: true, target: ">= 0.8x same size"},
		{name: "helplines region=cumbria (cached)", srv: cached, path: "/api/v1/helplines?region=cumbria", sameSize: true},
		{name: "304 revalidation (cached)", srv: cached, path: "/api/v1/articles", header: http.Header{"If-None-Match": {etag}}},
		{name: "article list (uncached)", srv: uncached, path: "/api/v1/articles", target: ">= 0.20x bare"},
		{name: "article list, page 1000 (uncached)", srv: uncached, path: deep, target: ">= 0.20x bare"},
		{name: "article (uncached)", srv: uncached, path: "/api/v1/articles/synthetic-article-500", target: ">= 0.37x bare"},
		{name: "helplines region=cumbria (uncached)", srv: uncached, path: "/api/v1/helplines?region=cumbria"},
		{name: "search, 2% of articles (uncached)", srv: uncached, path: "/api/v1/search?q=" + rareWord, target: ">= 0.05x bare"},
		{name: "search, 79% of articles (uncached)", srv: uncached, path: "/api/v1/search?q=safeguarding", conns: 4},
	}
	fmt.Printf("\nratios: %d connections, %s per endpoint in %d slices taking turns with the ceilings\n", o.conns, o.duration, rounds)
	fmt.Printf("%-38s %9s %9s %9s %10s %10s  %s\n", "endpoint", "req/s", "p50", "p99", "x bare", "x same", "target")
	for _, e := range endpoints {
		if o.only != "" && o.only != "ratios" && !strings.Contains(e.name, o.only) {
			continue
		}
		size, err := bodySize(client, e.srv.base+e.path, e.header)
		if err != nil {
			return fmt.Errorf("%s: %w", e.name, err)
		}
		var res, bare, same []sample
		conns := o.conns
		if e.conns > 0 {
			conns = e.conns
		}
		for range rounds {
			r, err := load(ctx, client, e.srv, e.path, e.header, conns, o.duration/rounds)
			if err != nil {
				return fmt.Errorf("%s: %w", e.name, err)
			}
			b, err := load(ctx, client, e.srv, fmt.Sprintf("/bench/bare?bytes=%d", bareSize), nil, o.conns, o.duration/rounds)
			if err != nil {
				return fmt.Errorf("bare: %w", err)
			}
			res, bare = append(res, r), append(bare, b)
			if e.sameSize {
				s, err := load(ctx, client, e.srv, fmt.Sprintf("/bench/bare?bytes=%d", size), nil, o.conns, o.duration/rounds)
				if err != nil {
					return fmt.Errorf("bare: %w", err)
				}
				same = append(same, s)
			}
		}
		rs, bs := summarize(res...), summarize(bare...)
		sameRatio := "-"
		if e.sameSize {
			sameRatio = fmt.Sprintf("%.2f", rs.rps/summarize(same...).rps)
		}
		fmt.Printf("%-38s %9.0f %9s %9s %10.3f %10s  %s  (%d bytes; bare %.0f req/s)\n", e.name, rs.rps, ms(rs.p50), ms(rs.p99),
			rs.rps/bs.rps, sameRatio, e.target, size, bs.rps)
	}
	return nil
}

// readMix returns the paths of the read mix, and the articles among them, which the
// writes edit.
func readMix() (mix, items []string) {
	for i := range 200 {
		items = append(items, fmt.Sprintf("/api/v1/articles/synthetic-article-%d", 1+i*37))
	}
	mix = []string{"/api/v1/articles", "/api/v1/articles?limit=50", "/api/v1/helplines", "/api/v1/helplines?region=cumbria",
		"/api/v1/campaigns", "/api/v1/search?q=" + rareWord, "/api/v1/helplines/stop-it-now", "/embed/helplines"}
	for range 3 {
		mix = append(mix, items...) // items are most of what apps read
	}
	return mix, items
}

// writers runs the read mix with 0, 1 and 10 writes a second.
func writers(ctx context.Context, o options, srv *server, key string) error {
	client := newClient(o.mixConns)
	mix, items := readMix()
	fmt.Printf("\nwriters: %d connections for %s each; the read mix: %d paths (lists, items, search, embed)\n", o.mixConns, o.mix, len(mix))
	fmt.Printf("%-12s %9s %8s %9s %8s %9s %14s %9s\n", "writes/s", "req/s", "x none", "p99", "errors", "timeouts", "worst second", "peak RSS")
	var base float64
	for _, w := range []int{0, 1, 10} {
		r, err := mixed(ctx, client, srv, mix, items, key, o.mixConns, o.mix, w)
		if err != nil {
			return err
		}
		if w == 0 {
			base = r.rps
		}
		target := map[int]string{1: "(target >= 0.8)", 10: "(target >= 0.5)"}[w]
		fmt.Printf("%-12d %9.0f %8.2f %9s %8d %9d %13.0f%% %8.1fMB %s  (%d writes)\n", w, r.rps, r.rps/base, ms(r.p99), r.errors, r.timeouts,
			100*r.worst, float64(r.peak)/(1<<20), target, r.writes)
	}
	return nil
}

type mixResult struct {
	rps              float64
	p99              time.Duration
	errors, timeouts int64
	worst            float64 // the slowest second's requests as a share of the average second's
	peak             int64
	writes           int64
}

func mixed(ctx context.Context, client *http.Client, srv *server, paths, items []string, key string, conns int, d time.Duration, writesPerSecond int) (mixResult, error) {
	return mixedOver(ctx, client, []*server{srv}, paths, items, key, conns, d, writesPerSecond)
}

// mixedOver is mixed over several servers: each connection reads from one of them in
// turn, and the writes go to each in turn; the memory is the first server's.
func mixedOver(ctx context.Context, client *http.Client, srvs []*server, paths, items []string, key string, conns int, d time.Duration, writesPerSecond int) (mixResult, error) {
	srv := srvs[0]
	var res mixResult
	var done atomic.Int64
	var errs, timeouts, writes atomic.Int64
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var latencies []time.Duration
	for c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 1<<14)
			for i := c; time.Now().Before(stop) && ctx.Err() == nil; i += conns {
				t := time.Now()
				status, err := get(ctx, client, srvs[(i/conns)%len(srvs)].base+paths[i%len(paths)], nil)
				switch {
				case err != nil && isTimeout(err):
					timeouts.Add(1)
				case err != nil || status != http.StatusOK:
					errs.Add(1)
				default:
					local = append(local, time.Since(t))
					done.Add(1)
				}
			}
			mu.Lock()
			latencies = append(latencies, local...)
			mu.Unlock()
		}()
	}
	if writesPerSecond > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(time.Second / time.Duration(writesPerSecond))
			defer tick.Stop()
			for n := 0; time.Now().Before(stop); n++ {
				<-tick.C
				path, body := items[n%len(items)], fmt.Sprintf(`{"summary":"Edited by the load test, write %d."}`, n)
				if n%5 == 4 {
					path, body = "/api/v1/helplines/crimestoppers", fmt.Sprintf(`{"interpreters":"Load test write %d."}`, n)
				}
				if err := patch(ctx, client, srvs[n%len(srvs)].base+path, key, body); err != nil {
					errs.Add(1)
					continue
				}
				writes.Add(1)
			}
		}()
	}
	// Requests done in each second, and the server's memory.
	var seconds []int64
	var peak int64
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		last, n := int64(0), 0
		for now := range t.C {
			if rss := residentBytes(srv.pid()); rss > peak {
				peak = rss
			}
			if n++; n%10 == 0 {
				v := done.Load()
				seconds = append(seconds, v-last)
				last = v
			}
			if now.After(stop) {
				return
			}
		}
	}()
	wg.Wait()
	<-sampled
	if len(latencies) == 0 {
		return res, errors.New("no request completed")
	}
	slices.Sort(latencies)
	res.rps = float64(len(latencies)) / d.Seconds()
	res.p99 = latencies[min(len(latencies)-1, len(latencies)*99/100)]
	res.errors, res.timeouts, res.peak, res.writes = errs.Load(), timeouts.Load(), peak, writes.Load()
	if len(seconds) > 2 {
		seconds = seconds[:len(seconds)-1] // the last one is cut short
		var sum int64
		for _, s := range seconds {
			sum += s
		}
		res.worst = float64(slices.Min(seconds)) / (float64(sum) / float64(len(seconds)))
	}
	return res, nil
}

// scale measures start-up, database size, and the uncached list and search at each
// number of articles, one connection at a time.
func scale(ctx context.Context, o options, bin string) error {
	fmt.Printf("\nscale: uncached (no response cache), one connection, %s per measurement\n", o.duration)
	fmt.Printf("%-10s %9s %9s %21s %21s %21s\n", "articles", "start-up", "db size", "list p1: p50 / p99", "list p1000*: p50/p99", "search 2%: p50/p99")
	for _, f := range strings.Split(o.scale, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return fmt.Errorf("-scale: %w", err)
		}
		db, err := database(ctx, bin, o.dir, n)
		if err != nil {
			return err
		}
		srv, err := startServer(ctx, bin, db, []string{"SIGNPOST_CACHE_BYTES=0"})
		if err != nil {
			return err
		}
		client := newClient(2)
		// Page 1,000, or the last page of a smaller database (20 articles a page).
		deep, err := walkPages(ctx, client, srv.base, "/api/v1/articles?limit=20", min(1000, n/20))
		if err != nil {
			srv.stop()
			return err
		}
		var cells []string
		for _, p := range []string{"/api/v1/articles", deep, "/api/v1/search?q=" + rareWord} {
			s, err := load(ctx, client, srv, p, nil, 1, o.duration)
			if err != nil {
				srv.stop()
				return err
			}
			r := summarize(s)
			cells = append(cells, fmt.Sprintf("%s / %s", ms(r.p50), ms(r.p99)))
		}
		srv.stop()
		fmt.Printf("%-10d %9s %8.0fMB %21s %21s %21s\n", n, srv.startup.Round(time.Millisecond), float64(fileSize(db))/(1<<20), cells[0], cells[1], cells[2])
	}
	fmt.Println("* or the last page, when there are fewer than 1,000 (10,000 articles: page 500)")
	return nil
}

func fileSize(db string) int64 {
	var n int64
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(db + suffix); err == nil {
			n += fi.Size()
		}
	}
	return n
}

func newClient(conns int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true,
			IdleConnTimeout: time.Minute},
		Timeout: 5 * time.Second,
	}
}

func get(ctx context.Context, client *http.Client, url string, h http.Header) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, err
}

func patch(ctx context.Context, client *http.Client, url, key, body string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPatch, url, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("PATCH %s: %s %s", url, resp.Status, bytes.TrimSpace(b))
	}
	return nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// waitReady polls /readyz until it answers 200; it returns the time from start.
func waitReady(ctx context.Context, base string, start time.Time) (time.Duration, error) {
	deadline := time.Now().Add(10 * time.Minute) // a large database renders its fragments once
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start), nil
			}
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
	return 0, errors.New("the server did not become ready")
}

// walkPages follows links.next n-1 times from path and returns the path of page n.
func walkPages(ctx context.Context, client *http.Client, base, path string, n int) (string, error) {
	for i := 1; i < n; i++ {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		resp, err := client.Do(req)
		if err != nil {
			return "", err
		}
		var page struct {
			Links struct {
				Next *string `json:"next"`
			} `json:"links"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil || page.Links.Next == nil {
			return "", fmt.Errorf("page %d has no next page", i)
		}
		path = *page.Links.Next
	}
	return path, nil
}

func headerOf(client *http.Client, url, name string) (string, error) {
	resp, err := client.Get(url)
	if err != nil {
		return "", err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.Header.Get(name), nil
}

func bodySize(client *http.Client, url string, h http.Header) (int, error) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Del("If-None-Match")
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return len(b), err
}

type result struct {
	rps      float64
	p50, p99 time.Duration
}

// rounds is how many turns an endpoint and its ceilings take.
const rounds = 5

// sample is one bounded run against one path.
type sample struct {
	latencies []time.Duration
	elapsed   time.Duration
}

// summarize merges samples of the same path: requests per second over their total
// time, latency percentiles over all their requests.
func summarize(samples ...sample) result {
	var all []time.Duration
	var elapsed time.Duration
	for _, s := range samples {
		all = append(all, s.latencies...)
		elapsed += s.elapsed
	}
	slices.Sort(all)
	n := len(all)
	return result{rps: float64(n) / elapsed.Seconds(), p50: all[n/2], p99: all[min(n-1, n*99/100)]}
}

// load sends GETs of one path from conns connections for d. Any failed request
// fails the run.
func load(ctx context.Context, client *http.Client, srv *server, path string, h http.Header, conns int, d time.Duration) (sample, error) {
	var (
		mu        sync.Mutex
		latencies []time.Duration
		failed    atomic.Int64
		firstErr  atomic.Value
		wg        sync.WaitGroup
	)
	stop := time.Now().Add(d)
	started := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 1<<14)
			for time.Now().Before(stop) && ctx.Err() == nil {
				t := time.Now()
				status, err := get(ctx, client, srv.base+path, h)
				if err != nil || (status != http.StatusOK && status != http.StatusNotModified) {
					if failed.Add(1) == 1 {
						firstErr.Store(fmt.Sprintf("status %d, %v", status, err))
					}
					continue
				}
				local = append(local, time.Since(t))
			}
			mu.Lock()
			latencies = append(latencies, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		return sample{}, fmt.Errorf("%d requests to %s failed (first: %v)", n, path, firstErr.Load())
	}
	if len(latencies) == 0 {
		return sample{}, errors.New("no request completed")
	}
	return sample{latencies: latencies, elapsed: time.Since(started)}, nil
}

// residentBytes reads the process's resident set size from /proc (Linux).
func residentBytes(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// hostileBody is one of the worst write bodies of the hostile-input report.
type hostileBody struct {
	name, method, path, contentType string
	body                            []byte
}

func hostileBodies() []hostileBody {
	deep := `{"title": ` + strings.Repeat(`{"a":`, 9_999) + `1` + strings.Repeat(`}`, 9_999) + `}`
	var keys strings.Builder
	keys.WriteString("{")
	for i := range 40_000 {
		if i > 0 {
			keys.WriteString(",")
		}
		fmt.Fprintf(&keys, `"k%d":null`, i)
	}
	keys.WriteString("}")
	article := func(md string) []byte {
		b, _ := json.Marshal(map[string]any{"title": "Hostile body", "status": "draft", "body_markdown": md})
		return b
	}
	table := "|" + strings.Repeat(" a |", 2000) + "\n|" + strings.Repeat("---|", 2000) + "\n" + strings.Repeat("|\n", 19_000)
	const target = "/api/v1/articles/synthetic-article-500"
	return []hostileBody{
		{"PATCH nested 10,000 deep", http.MethodPatch, target, "application/merge-patch+json", []byte(deep)},
		{"PATCH of 40,000 unknown keys", http.MethodPatch, target, "application/merge-patch+json", []byte(keys.String())},
		{`POST, Markdown "> " x 100,000`, http.MethodPost, "/api/v1/articles", "application/json", article(strings.Repeat("> ", 100_000))},
		{"PUT, Markdown table of 38M cells", http.MethodPut, target, "application/json", article(table)},
	}
}

// hostileWrites sends the hostile bodies four at once (one of each a round), round
// after round for d, checks that each is refused with a 422, and prints each body's
// latency and the server's peak resident memory while they ran.
func hostileWrites(ctx context.Context, client *http.Client, base, key string, d time.Duration, pid int) error {
	bodies := hostileBodies()
	latencies := make([][]time.Duration, len(bodies))
	var peak int64
	idle := residentBytes(pid)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if rss := residentBytes(pid); rss > atomic.LoadInt64(&peak) {
					atomic.StoreInt64(&peak, rss)
				}
			}
		}
	}()
	rounds := 0
	for stop := time.Now().Add(d); time.Now().Before(stop) && ctx.Err() == nil; rounds++ {
		var wg sync.WaitGroup
		errs := make([]error, len(bodies))
		for i, b := range bodies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequestWithContext(ctx, b.method, base+b.path, strings.NewReader(string(b.body)))
				req.Header.Set("Authorization", "Bearer "+key)
				req.Header.Set("Content-Type", b.contentType)
				t := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					errs[i] = err
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				latencies[i] = append(latencies[i], time.Since(t))
				if resp.StatusCode != http.StatusUnprocessableEntity {
					errs[i] = fmt.Errorf("%s: status %d, want 422", b.name, resp.StatusCode)
				}
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			close(done)
			return err
		}
	}
	close(done)
	fmt.Printf("\nhostile writes: the four bodies at once, %d rounds in %s; each answered 422\n", rounds, d)
	fmt.Printf("%-36s %9s %9s %9s\n", "body", "size", "p50", "max")
	for i, b := range bodies {
		l := latencies[i]
		slices.Sort(l)
		fmt.Printf("%-36s %8dK %9s %9s\n", b.name, len(b.body)>>10, ms(l[len(l)/2]), ms(l[len(l)-1]))
	}
	fmt.Printf("peak resident memory of the server during the hostile writes: %.1f MB (before them: %.1f MB; target < 150 MB)\n",
		float64(peak)/(1<<20), float64(idle)/(1<<20))
	return nil
}

// postgresDatabase fills the PostgreSQL database at url with n synthetic articles
// the first time (it must be empty then), and returns url. A database that already
// holds exactly n articles is used as it is.
func postgresDatabase(ctx context.Context, bin, url string, n int) (string, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return "", fmt.Errorf("%s: %v", store.RedactDB(url), err)
	}
	defer db.Close()
	var have int
	err = db.QueryRowContext(ctx, `SELECT COUNT(*) FROM articles WHERE slug LIKE 'synthetic-article-%'`).Scan(&have)
	switch {
	case err == nil && have == n:
		return url, nil
	case err == nil && have > 0:
		return "", fmt.Errorf("%s holds %d synthetic articles, not %d: give an empty database, or -articles %d", store.RedactDB(url), have, n, have)
	}
	fmt.Fprintf(os.Stderr, "generating %d synthetic articles into %s (kept for later runs) …\n", n, store.RedactDB(url))
	gen := exec.CommandContext(ctx, bin, "generate", "-db", url, "-articles", strconv.Itoa(n))
	gen.Stdout, gen.Stderr = os.Stderr, os.Stderr
	if err := gen.Run(); err != nil {
		return "", fmt.Errorf("generate: %w", err)
	}
	return url, nil
}

// instances runs the read mix with one write a second over 1, 2 and 3 instances on
// the one database, all pinned to the servers' core.
func instances(ctx context.Context, o options, bin, db, key string) error {
	var srvs []*server
	defer func() {
		for _, s := range srvs {
			s.stop()
		}
	}()
	for range 3 {
		s, err := startServer(ctx, bin, db, nil)
		if err != nil {
			return err
		}
		srvs = append(srvs, s)
	}
	client := newClient(o.mixConns)
	mix, items := readMix()
	fmt.Printf("\ninstances: the read mix and 1 write a second, %d connections for %s, over instances on one database, all on CPU %d\n",
		o.mixConns, o.mix, serverCPU)
	fmt.Printf("%-10s %9s %8s %9s %8s %9s %14s\n", "instances", "req/s", "x one", "p99", "errors", "timeouts", "worst second")
	var one float64
	for k := 1; k <= len(srvs); k++ {
		r, err := mixedOver(ctx, client, srvs[:k], mix, items, key, o.mixConns, o.mix, 1)
		if err != nil {
			return err
		}
		if k == 1 {
			one = r.rps
		}
		fmt.Printf("%-10d %9.0f %8.2f %9s %8d %9d %13.0f%%  (%d writes)\n", k, r.rps, r.rps/one, ms(r.p99), r.errors, r.timeouts, 100*r.worst, r.writes)
	}
	return nil
}

// Command load measures Signpost's read path on this machine: it builds the server,
// fills a database with synthetic content (once; it is kept for later runs), starts
// the server on 127.0.0.1, times its start-up, and loads each endpoint in turn for a
// bounded time from several connections, taking turns with a built-in ceiling: a route that
// writes a fixed body of the same size through the same middleware. It prints, per
// endpoint, requests per second, p50 and p99 latency, allocations per request (read
// from the server's own /metrics) and throughput as a share of the ceiling's, then
// the server's peak resident memory, and stops the server.
//
//	go run -tags sqlite_fts5 ./bench/load [-articles 100000] [-duration 5s] [-connections 8] [-only text] [-server-cpus 0]
package main

import (
	"bufio"
	"context"
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
	"signpost/models/store"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	articles := flag.Int("articles", 100_000, "synthetic articles in the database")
	duration := flag.Duration("duration", 5*time.Second, "how long each endpoint is loaded")
	conns := flag.Int("connections", 8, "concurrent connections")
	dir := flag.String("dir", filepath.Join(os.TempDir(), "signpost-bench"), "where the binary and the database are kept between runs")
	only := flag.String("only", "", "load only the endpoints whose name contains this text (e.g. uncached)")
	cpus := flag.String("server-cpus", "", "run the server on these CPUs only (a taskset -c list, e.g. 0), so that it does not share them with the load")
	flag.Parse()
	if err := run(*articles, *duration, *conns, *dir, *only, *cpus); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

type endpoint struct {
	name    string
	path    string
	header  http.Header
	ceiling bool // compare with the ceiling of the same size
	target  string
	// single loads from one connection: latency targets are for a request's own
	// time, not for time spent queueing behind others on a saturated machine.
	single bool
}

func run(articles int, duration time.Duration, conns int, dir, only, cpus string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	bin := filepath.Join(dir, "signpost")
	fmt.Println("building the server …")
	build := exec.CommandContext(ctx, "sh", ".ci/build", bin)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build (run from the repository's root): %w", err)
	}
	db := filepath.Join(dir, fmt.Sprintf("bench-%d.db", articles))
	if _, err := os.Stat(db); err != nil {
		fmt.Printf("generating %d synthetic articles into %s (kept for later runs) …\n", articles, db)
		gen := exec.CommandContext(ctx, bin, "generate", "-db", db+".tmp", "-articles", strconv.Itoa(articles))
		gen.Stdout, gen.Stderr = os.Stdout, os.Stderr
		os.Remove(db + ".tmp")
		if err := gen.Run(); err != nil {
			return err
		}
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if _, err := os.Stat(db + ".tmp" + suffix); err == nil {
				if err := os.Rename(db+".tmp"+suffix, db+suffix); err != nil {
					return err
				}
			}
		}
	}

	addr, err := freeAddr()
	if err != nil {
		return err
	}
	base := "http://" + addr
	srv := exec.Command(bin, "serve", "-addr", addr, "-db", db)
	if cpus != "" {
		// taskset runs the server in its own process, so the pid stays the server's.
		srv = exec.Command("taskset", "-c", cpus, bin, "serve", "-addr", addr, "-db", db)
	}
	srv.Env = append(os.Environ(), "SIGNPOST_RATE_LIMIT=0", "SIGNPOST_RATE_LIMIT_KEY=0", "SIGNPOST_RATE_LIMIT_EMBED=0", "SIGNPOST_BENCH_CEILING=true")
	srv.Stderr = io.Discard
	start := time.Now()
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() {
		srv.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { srv.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			srv.Process.Kill()
		}
	}()
	startup, err := waitReady(ctx, base, start)
	if err != nil {
		return err
	}

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns * 2, DisableCompression: true}, Timeout: 10 * time.Second}
	deep, err := walkPages(ctx, client, base+"/api/v1/articles?limit=20", 1000)
	if err != nil {
		return err
	}
	etag, err := headerOf(client, base+"/api/v1/articles", "ETag")
	if err != nil {
		return err
	}
	fresh := http.Header{"Cache-Control": {"no-cache"}}
	// A made-up word of the synthetic text that about 2% of the articles contain
	// (2,028 of 100,000 with the default seed), like a real search term.
	rare := store.SyntheticWord(940)
	endpoints := []endpoint{
		{name: "article list (cached)", path: "/api/v1/articles", ceiling: true, target: ">= 80% of ceiling"},
		{name: "article (cached)", path: "/api/v1/articles/synthetic-article-500", ceiling: true, target: ">= 80% of ceiling"},
		{name: "helplines region=cumbria (cached)", path: "/api/v1/helplines?region=cumbria", ceiling: true, target: ">= 80% of ceiling"},
		{name: "search (cached)", path: "/api/v1/search?q=" + rare, ceiling: true},
		{name: "304 revalidation", path: "/api/v1/articles", header: http.Header{"If-None-Match": {etag}}},
		{name: "article list, page 1 (uncached)", path: "/api/v1/articles", header: fresh, target: "p99 < 5 ms", single: true},
		{name: "article list, page 1000 (uncached)", path: deep, header: fresh, target: "p99 < 5 ms", single: true},
		{name: "search, 2% of articles (uncached)", path: "/api/v1/search?q=" + rare, header: fresh, target: "p99 < 20 ms", single: true},
		{name: "search, 79% of articles (uncached)", path: "/api/v1/search?q=safeguarding", header: fresh, single: true},
		// The same searches from every connection: what the server can do, as a share
		// of the ceiling's throughput. Each connection asks for a limit of its own
		// (see connLimit), or the response cache would do the work of identical
		// requests at the same moment once for all of them.
		{name: "search, 2% (uncached, all conns)", path: "/api/v1/search?q=" + rare + "&limit=" + connLimit, header: fresh, ceiling: true, target: ">= 5% of ceiling"},
		{name: "search, 79% (uncached, all conns)", path: "/api/v1/search?q=safeguarding&limit=" + connLimit, header: fresh, ceiling: true},
		{name: "article list q, 2% (uncached)", path: "/api/v1/articles?q=" + rare, header: fresh, single: true},
	}

	fmt.Printf("\nmachine: %s/%s, %d CPUs; server start-up to ready: %s (target < 300 ms)\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), startup.Round(time.Millisecond))
	fmt.Printf("%d connections (uncached: 1), %s per endpoint, database with %d synthetic articles\n", conns, duration, articles)
	if cpus != "" {
		fmt.Printf("server on CPUs %s only\n", cpus)
	}
	fmt.Println()
	fmt.Printf("%-36s %10s %9s %9s %11s %9s  %s\n", "endpoint", "req/s", "p50", "p99", "allocs/req", "ceiling", "target")
	var peak int64
	for _, e := range endpoints {
		if !strings.Contains(e.name, only) {
			continue
		}
		size, err := bodySize(client, base+connPath(e.path, 3), e.header)
		if err != nil {
			return fmt.Errorf("%s: %w", e.name, err)
		}
		n := conns
		if e.single {
			n = 1
		}
		if !e.ceiling {
			res, err := measure(ctx, client, base, e.path, e.header, n, duration, srv.Process.Pid, &peak)
			if err != nil {
				return fmt.Errorf("%s: %w", e.name, err)
			}
			fmt.Printf("%-36s %10.0f %9s %9s %11.1f %9s  %s\n", e.name, res.rps, ms(res.p50), ms(res.p99), res.allocs, "-", e.target)
			continue
		}
		// The endpoint and its ceiling take turns in short slices, so that whatever
		// else the machine is doing weighs on both alike.
		var res, ceil []sample
		for range rounds {
			r, err := run1(ctx, client, base, e.path, e.header, n, duration/rounds, srv.Process.Pid, &peak)
			if err != nil {
				return fmt.Errorf("%s: %w", e.name, err)
			}
			c, err := run1(ctx, client, base, fmt.Sprintf("/bench/ceiling?bytes=%d", size), nil, conns, duration/rounds, srv.Process.Pid, &peak)
			if err != nil {
				return fmt.Errorf("ceiling: %w", err)
			}
			res, ceil = append(res, r), append(ceil, c)
		}
		rs, cs := summarize(res...), summarize(ceil...)
		fmt.Printf("%-36s %10.0f %9s %9s %11.1f %9s  (%d bytes)\n", "  ceiling", cs.rps, ms(cs.p50), ms(cs.p99), cs.allocs, "100%", size)
		fmt.Printf("%-36s %10.0f %9s %9s %11.1f %9s  %s\n", e.name, rs.rps, ms(rs.p50), ms(rs.p99), rs.allocs, fmt.Sprintf("%.0f%%", 100*rs.rps/cs.rps), e.target)
	}
	fmt.Printf("\npeak resident memory of the server during the load: %.1f MB (target < 150 MB)\n", float64(peak)/(1<<20))
	return nil
}

// connLimit in a path is replaced by a limit for each connection, from 17 to 24
// (20.5 on average, about the default of 20).
const connLimit = "{limit}"

func connPath(path string, conn int) string {
	return strings.ReplaceAll(path, connLimit, strconv.Itoa(17+conn%8))
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
	deadline := time.Now().Add(30 * time.Second)
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
	return 0, errors.New("the server did not become ready within 30 s")
}

// walkPages follows links.next n-1 times and returns the path of page n.
func walkPages(ctx context.Context, client *http.Client, url string, n int) (string, error) {
	path := strings.TrimPrefix(url, url[:strings.Index(url, "/api/")])
	base := url[:strings.Index(url, "/api/")]
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
	allocs   float64
}

// rounds is how many turns an endpoint and its ceiling take.
const rounds = 5

// sample is one bounded run against one path.
type sample struct {
	latencies []time.Duration
	elapsed   time.Duration
	mallocs   float64 // the server's allocations during the run
}

// measure loads one path from conns connections for d and summarizes the run.
func measure(ctx context.Context, client *http.Client, base, path string, h http.Header, conns int, d time.Duration, pid int, peak *int64) (result, error) {
	s, err := run1(ctx, client, base, path, h, conns, d, pid, peak)
	if err != nil {
		return result{}, err
	}
	return summarize(s), nil
}

// summarize merges samples of the same path: requests per second over their total
// time, latency percentiles over all their requests, allocations per request.
func summarize(samples ...sample) result {
	var all []time.Duration
	var elapsed time.Duration
	var mallocs float64
	for _, s := range samples {
		all = append(all, s.latencies...)
		elapsed += s.elapsed
		mallocs += s.mallocs
	}
	slices.Sort(all)
	n := len(all)
	return result{
		rps: float64(n) / elapsed.Seconds(),
		p50: all[n/2],
		p99: all[min(n-1, n*99/100)],
		// The /metrics reads between the runs allocate too; they are small next to n.
		allocs: mallocs / float64(n),
	}
}

// run1 loads one path from conns connections for d, reading the server's allocation
// count before and after from /metrics and its resident memory every 100 ms.
func run1(ctx context.Context, client *http.Client, base, path string, h http.Header, conns int, d time.Duration, pid int, peak *int64) (sample, error) {
	var res sample
	before, err := mallocs(client, base)
	if err != nil {
		return res, err
	}
	var (
		mu        sync.Mutex
		latencies []time.Duration
		failed    atomic.Int64
		wg        sync.WaitGroup
	)
	stop := time.Now().Add(d)
	started := time.Now()
	for conn := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 1<<16)
			buf := make([]byte, 64<<10)
			path := connPath(path, conn)
			for time.Now().Before(stop) && ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
				for k, v := range h {
					req.Header[k] = v
				}
				t := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				for {
					if _, err := resp.Body.Read(buf); err != nil {
						break
					}
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNotModified {
					failed.Add(1)
					continue
				}
				local = append(local, time.Since(t))
			}
			mu.Lock()
			latencies = append(latencies, local...)
			mu.Unlock()
		}()
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if rss := residentBytes(pid); rss > atomic.LoadInt64(peak) {
					atomic.StoreInt64(peak, rss)
				}
			}
		}
	}()
	wg.Wait()
	close(done)
	elapsed := time.Since(started)
	if n := failed.Load(); n > 0 {
		return res, fmt.Errorf("%d requests to %s failed", n, path)
	}
	after, err := mallocs(client, base)
	if err != nil {
		return res, err
	}
	if len(latencies) == 0 {
		return res, errors.New("no request completed")
	}
	return sample{latencies: latencies, elapsed: elapsed, mallocs: after - before}, nil
}

// mallocs reads go_memstats_mallocs_total from the server's /metrics.
func mallocs(client *http.Client, base string) (float64, error) {
	resp, err := client.Get(base + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_memstats_mallocs_total "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	return 0, errors.New("no go_memstats_mallocs_total in /metrics")
}

// residentBytes reads the process's resident set size from /proc (Linux).
func residentBytes(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// Command signpost serves the Signpost API: safeguarding news, helplines and
// campaigns as JSON, feeds and embeddable HTML.
//
//	@title						Signpost API
//	@version					1.0
//	@description				An open content API for safeguarding campaigns: news articles, helplines and the campaigns that tie them together. Public reads need no key. Errors are RFC 9457 problem+json.
//	@license.name				MIT
//	@license.url				https://opensource.org/license/mit
//	@BasePath					/
//	@schemes					http https
//
//	@tag.name					articles
//	@tag.description			News about safeguarding work.
//	@tag.name					helplines
//	@tag.description			Where people can get help or report, with contact channels and opening hours.
//	@tag.name					campaigns
//	@tag.description			The campaigns that tie articles and helplines together.
//	@tag.name					organisations
//	@tag.description			Publishers, helpline operators, campaign organisers and funders.
//	@tag.name					vocabulary
//	@tag.description			Regions and topics, the slugs that the filters take.
//	@tag.name					search
//	@tag.description			One ranked search over articles, helplines and campaigns.
//	@tag.name					sync
//	@tag.description			The changes feed, for apps that keep a copy.
//	@tag.name					feeds
//	@tag.description			RSS, Atom and JSON Feed of published articles.
//	@tag.name					embed
//	@tag.description			Helpline cards for partner sites.
//	@tag.name					pages
//	@tag.description			Articles and helplines as HTML pages for people.
//	@tag.name					editorial
//	@tag.description			Writes and editors' reads; they need an API key.
//	@tag.name					webhooks
//	@tag.description			Subscriptions that push each change to a partner's URL, signed; they need an admin key.
//	@tag.name					operations
//	@tag.description			Probes, metrics and this description.
//
//	@securityDefinitions.apikey	ApiKey
//	@in							header
//	@name						Authorization
//	@description				An editor or admin API key as "Bearer <key>". Create keys with `signpost keys create`.
package main

//go:generate go tool swag init --quiet -g main.go -d .,../handlers -o ../docs --requiredByDefault --outputTypes go,json,yaml

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"
	_ "time/tzdata" // opening hours need time zones even where the system has none

	"signpost/handlers"
	"signpost/models/store"
)

// Version is set at build time with -ldflags "-X main.Version=…".
var Version = "dev"

func main() {
	logs := newLogWriter(os.Stderr, 100*time.Millisecond)
	logger := handlers.RedactLogs(slog.New(slog.NewJSONHandler(logs, nil)))
	slog.SetDefault(logger)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := Main(ctx, os.Args[1:], os.Getenv, os.Stdout, logger)
	stop()
	logs.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "signpost:", err)
		os.Exit(1)
	}
}

const usage = `usage: signpost [command] [flags]

commands:
  serve     start the API (default); on an empty database loads the seed content
  migrate   apply pending database migrations and exit
  seed      load the seed content into an empty database and exit
  keys      manage API keys: keys create --name NAME --scope editor|admin,
            keys list, keys revoke NAME
  helplines due [flags]
            list the helplines whose details are due for checking
  webhooks  manage webhook subscriptions: webhooks create --url URL --events TYPES
            [--types TYPES] [--regions SLUGS], webhooks list, webhooks delete ID,
            webhooks test ID (sends a signed test message and shows the answer)
  generate  add synthetic content for benchmarks: generate [-articles N] [-helplines N] [-campaigns N]
  backup    write a consistent copy of the database to FILE: backup FILE
  restore   replace the database with a backup, once the server is stopped: restore BACKUP
  copy      copy every row of one database into another, SQLite or PostgreSQL:
            copy -from DB -to DB [-replace]
  healthcheck  exit 0 when the server at -addr answers /healthz (for containers)
  version   print the version

Run 'signpost serve -h' for the flags; each has a SIGNPOST_* environment variable.`

// Main runs one sub-command. It is split from main so that tests can run the program
// with their own arguments, environment and output.
func Main(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, logger *slog.Logger) error {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve", "migrate", "seed", "backup", "restore", "healthcheck":
	case "keys":
		return keysCommand(ctx, args, getenv, stdout)
	case "helplines":
		return helplinesCommand(ctx, args, getenv, stdout)
	case "webhooks":
		return webhooksCommand(ctx, args, getenv, stdout)
	case "generate":
		return generateCommand(ctx, args, getenv, stdout)
	case "copy":
		return copyCommand(ctx, args, stdout)
	case "version":
		fmt.Fprintln(stdout, "signpost", Version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	default:
		return fmt.Errorf("unknown command %q\n%s", cmd, usage)
	}
	cfg, rest, err := LoadConfig("signpost "+cmd, args, getenv)
	if err != nil {
		return err
	}
	switch {
	case cmd == "backup" && len(rest) != 1:
		return errors.New("usage: signpost backup [flags] FILE")
	case cmd == "restore" && len(rest) != 1:
		return errors.New("usage: signpost restore [flags] BACKUP")
	case cmd != "backup" && cmd != "restore" && len(rest) > 0:
		return fmt.Errorf("unexpected arguments: %v", rest)
	}
	switch cmd {
	case "healthcheck":
		return healthcheck(ctx, cfg.Addr)
	case "backup":
		return backupCommand(ctx, cfg, rest[0], stdout)
	case "restore":
		return restoreCommand(ctx, cfg, rest[0], stdout)
	case "migrate":
		return migrateCommand(ctx, cfg, stdout)
	case "seed":
		store, err := store.Open(ctx, cfg.storeConfig())
		if err != nil {
			return err
		}
		defer store.Close()
		loaded, err := store.Seed(ctx)
		if err == nil {
			fmt.Fprintln(stdout, map[bool]string{true: "seed content loaded", false: "database already has content; nothing loaded"}[loaded])
		}
		return err
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(heapLimit(cfg.CacheBytes))
	}
	return Run(ctx, cfg, logger, nil)
}

// heapWorkingSet is the room the Go heap needs besides the response cache: what lives
// for the process (about 17 MiB: the API description, phone number metadata,
// templates) and the requests' garbage between collections.
const heapWorkingSet = 32 << 20

// heapLimit is the server's soft memory limit, which keeps the Go heap from growing
// far past what it needs between collections. It leaves the working set's room above
// a full response cache: a limit below that would make the collector run without
// end once the cache filled up.
func heapLimit(cacheBytes int64) int64 { return cacheBytes + heapWorkingSet }

// Run opens the store, loads the seed content on an empty database unless told not
// to, and serves until ctx is done, then stops gracefully. When ready is not nil it
// receives the listener's address once the server accepts connections.
func Run(ctx context.Context, cfg Config, logger *slog.Logger, ready chan<- string) error {
	logger = handlers.RedactLogs(logger)
	store, err := store.Open(ctx, cfg.storeConfig())
	if err != nil {
		return err
	}
	defer store.Close()
	if !cfg.NoSeed {
		loaded, err := store.Seed(ctx)
		if err != nil {
			return err
		}
		if loaded {
			logger.Info("seed content loaded", "db", cfg.shownDB())
		}
	}

	stopStreams := make(chan struct{})
	a := newApp(store, cfg, logger, stopStreams)
	worker, metrics, cache := a.worker, a.metrics, a.cache
	if cache != nil && cfg.listens() {
		// Other instances' writes reach the response cache as they commit; it stops
		// after the servers, before the store closes.
		lctx, stopListening := context.WithCancel(context.WithoutCancel(ctx))
		listened := make(chan struct{})
		defer func() {
			stopListening()
			<-listened
		}()
		nm := newNotifyMetrics(metrics)
		go func() {
			defer close(listened)
			listenForWrites(lctx, store, cache, nm, logger)
		}()
	}
	h := a.handler
	if cfg.BenchCeiling {
		h = handlers.WithBareCeiling(h)
	}
	servers := []*http.Server{newServer(h, logger)}
	// Change streams never end by themselves: end them as the server begins to stop,
	// or Shutdown would wait for them until its timeout.
	servers[0].RegisterOnShutdown(func() { close(stopStreams) })
	addrs := []string{cfg.Addr}
	if cfg.MetricsAddr != "" {
		servers = append(servers, newServer(newMetricsRouter(metrics), logger))
		addrs = append(addrs, cfg.MetricsAddr)
	}
	var lns []net.Listener
	for _, addr := range addrs {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			for _, l := range lns {
				l.Close()
			}
			return err
		}
		lns = append(lns, ln)
	}
	logger.Info("listening", "addr", lns[0].Addr().String(), "version", Version)
	if len(lns) > 1 {
		logger.Info("metrics listening", "addr", lns[1].Addr().String())
	}
	if ready != nil {
		ready <- lns[0].Addr().String()
	}
	errc := make(chan error, len(servers))
	for i, srv := range servers {
		go func() { errc <- srv.Serve(lns[i]) }()
	}
	schedCtx, stopScheduler := context.WithCancel(ctx)
	defer stopScheduler()
	go publishScheduled(schedCtx, store, logger)
	var failed error
	go watchWrites(schedCtx, store, logger)
	workerDone := make(chan struct{})
	go func() {
		defer close(workerDone)
		worker.Run(schedCtx)
	}()
	select {
	case failed = <-errc:
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	var errs []error
	for _, srv := range servers {
		if err := srv.Shutdown(sctx); err != nil {
			errs = append(errs, fmt.Errorf("graceful stop: %w", err))
		}
	}
	if failed != nil {
		return failed
	}
	for range servers {
		if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	// The worker finishes the attempts under way (each bounded by its timeout).
	stopScheduler()
	<-workerDone
	logger.Info("stopped")
	return nil
}

// newServer is the http.Server of a listener, with timeouts on every phase of a
// request. net/http may read up to 1 MiB of request line and headers
// (http.DefaultMaxHeaderBytes), far past the limit that the router enforces
// (handlers.MaxHeaderBytes), so that a request over the limit gets the router's
// 431 problem; only one past 1 MiB gets net/http's own plain-text 431.
func newServer(h http.Handler, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    http.DefaultMaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// publishScheduled announces scheduled items as they go live, once a second, until
// ctx is done. The items are public at their time whatever this does (reads compare
// publish times with the clock); this only adds their publish events to the
// changes feed and moves the content version on, so caches drop stale answers.
func publishScheduled(ctx context.Context, store *store.Store, logger *slog.Logger) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n, err := store.PublishDue(ctx); err != nil && ctx.Err() == nil {
			logger.Error("announce scheduled items", "err", err)
		} else if n > 0 {
			logger.Info("scheduled items went live", "count", n)
		}
	}
}

// watchWrites checks once a second, while writes are failing, whether they work again
// (store.CheckWrites), so that /readyz turns ready by itself once the cause has gone,
// even when no write comes. It logs when writes start failing and when they work
// again.
func watchWrites(ctx context.Context, store *store.Store, logger *slog.Logger) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		h := store.WriteHealth()
		if !h.OK() {
			if !failing {
				logger.Error("writes failing", "cause", h.Cause, "since", h.Since)
			}
			store.CheckWrites(ctx)
			h = store.WriteHealth()
		}
		if h.OK() && failing {
			logger.Info("writes work again")
		}
		failing = !h.OK()
	}
}

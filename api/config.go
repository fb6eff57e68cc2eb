package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"signpost/handlers"
	"signpost/models/store"
	"signpost/webhook"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration of the server, read from flags and SIGNPOST_*
// environment variables (flags win), with defaults so that a bare `serve` works.
type Config struct {
	Addr        string
	MetricsAddr string
	DB          string
	NoSeed      bool

	// The database's connection pool (see store.Config).
	DBMaxOpenConns    int
	DBMaxIdleConns    int
	DBConnMaxLifetime time.Duration

	CacheControl    string
	LogClient       bool
	ShutdownTimeout time.Duration
	MaxBody         int64
	PublicURL       string
	VerifyAfter     time.Duration
	RateLimit       int
	RateLimitKey    int
	RateLimitEmbed  int
	TrustedProxies  []string
	CORSOrigins     []string
	CacheBytes      int64
	CacheCheck      time.Duration
	CacheListen     bool
	BenchCeiling    bool
	RequireIfMatch  bool

	// The embeddable widget's settings.
	EmbedFrameAncestors string
	QuickExitURL        string

	// PublicURLSet says whether the operator gave the public URL (by flag or
	// environment); if not, the embed URLs take the request's own base URL.
	PublicURLSet bool

	// Webhooks and the live changes stream.
	WebhooksAllowHTTP    bool
	WebhooksAllowTargets []netip.Prefix
	WebhooksTimeout      time.Duration
	WebhooksSecretGrace  time.Duration
	StreamHeartbeat      time.Duration
	StreamPerClient      int

	// resolver resolves webhook targets; nil means the system's. Tests set it.
	resolver *net.Resolver
	// noFastPath serves every request through gin's router, for the tests that
	// compare the fast path with it.
	noFastPath bool
	// onFastPath is called for each request the fast path answers (tests).
	onFastPath func()
}

// The longest -cache-check: where the check is how other instances' writes are
// seen, a second; where their notifications are heard, the check only stands in for
// a lost one.
const (
	maxCacheCheck          = time.Second
	maxCacheCheckListening = time.Hour
)

// listens reports whether the response cache hears other instances' writes as they
// commit: on PostgreSQL, unless -cache-listen is off.
func (c Config) listens() bool { return c.CacheListen && store.IsPostgres(c.DB) }

// storeConfig is the store's part of the configuration.
func (c Config) storeConfig() store.Config {
	return store.Config{DB: c.DB, VerifyAfter: c.VerifyAfter, Render: handlers.Renderer{}, Event: handlers.WebhookEvent,
		MaxOpenConns: c.DBMaxOpenConns, MaxIdleConns: c.DBMaxIdleConns, ConnMaxLifetime: c.DBConnMaxLifetime}
}

// shownDB is the database's name as logs and output show it: without its password.
func (c Config) shownDB() string { return store.RedactDB(c.DB) }

// webhookPolicy is the policy of webhook targets.
func (c Config) webhookPolicy() *webhook.Policy {
	return &webhook.Policy{AllowHTTP: c.WebhooksAllowHTTP, Allow: c.WebhooksAllowTargets, Resolver: c.resolver}
}

// option is one row of the configuration table: its flag, environment variable,
// default and help. The README's configuration table mirrors it.
type option struct {
	flag, env, def, help string
	set                  func(c *Config, v string) error
}

var options = []option{
	{"addr", "SIGNPOST_ADDR", ":8080", "listen address", func(c *Config, v string) error {
		if _, _, err := net.SplitHostPort(v); err != nil {
			return fmt.Errorf("not a host:port address: %q", v)
		}
		c.Addr = v
		return nil
	}},
	{"metrics-addr", "SIGNPOST_METRICS_ADDR", "", "serve /metrics on a listener of its own at this address (e.g. 127.0.0.1:9090) instead of on -addr (default none: on -addr)", func(c *Config, v string) error {
		if v == "" {
			c.MetricsAddr = ""
			return nil
		}
		if _, _, err := net.SplitHostPort(v); err != nil {
			return fmt.Errorf("not a host:port address: %q", v)
		}
		c.MetricsAddr = v
		return nil
	}},
	{"db", "SIGNPOST_DB", "signpost.db", "SQLite database file, or a postgres:// (postgresql://) URL of a database that exists, which several instances may share (see README)", func(c *Config, v string) error {
		if err := store.CheckDB(v); err != nil {
			return err
		}
		c.DB = v
		return nil
	}},
	{"db-max-open-conns", "SIGNPOST_DB_MAX_OPEN_CONNS", "0", "most connections open to the database at once, 0 to 1000: on SQLite the read pool's, beside the one writer connection (0: the CPU count + 1); on PostgreSQL the pool's (0: 10)", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err == nil && (n < 0 || n > 1000) {
			err = errors.New("must be from 0 (the default size) to 1000")
		}
		c.DBMaxOpenConns = n
		return err
	}},
	{"db-max-idle-conns", "SIGNPOST_DB_MAX_IDLE_CONNS", "0", "connections kept open while idle, 0 to 1000 and at most -db-max-open-conns (0: all of them)", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err == nil && (n < 0 || n > 1000) {
			err = errors.New("must be from 0 (all open connections) to 1000")
		}
		c.DBMaxIdleConns = n
		return err
	}},
	{"db-conn-max-lifetime", "SIGNPOST_DB_CONN_MAX_LIFETIME", "0s", "close and replace a database connection once it is this old, e.g. 30m to follow a PostgreSQL failover or a connection pooler's limits (0s: keep it; 1s to 24h)", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err == nil && d != 0 && (d < time.Second || d > 24*time.Hour) {
			err = errors.New("must be 0s (no limit) or from 1s to 24h")
		}
		c.DBConnMaxLifetime = d
		return err
	}},
	{"no-seed", "SIGNPOST_NO_SEED", "false", "start with an empty database instead of loading the seed content", func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		c.NoSeed = b
		return err
	}},
	{"cache-control", "SIGNPOST_CACHE_CONTROL", "public, max-age=60, stale-while-revalidate=300", "Cache-Control of public GET responses", func(c *Config, v string) error {
		if strings.TrimSpace(v) == "" || strings.ContainsAny(v, "\r\n") {
			return errors.New("must be a header value")
		}
		c.CacheControl = v
		return nil
	}},
	{"log-client", "SIGNPOST_LOG_CLIENT", "false", "log client IP addresses and query strings (off: people looking for help are not tracked)", func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		c.LogClient = b
		return err
	}},
	{"shutdown-timeout", "SIGNPOST_SHUTDOWN_TIMEOUT", "10s", "how long a graceful stop waits for requests in flight", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err == nil && d <= 0 {
			err = errors.New("must be positive")
		}
		c.ShutdownTimeout = d
		return err
	}},
	{"verify-after-days", "SIGNPOST_VERIFY_AFTER_DAYS", "180", "days after which a helpline's details are due for checking (verification_due)", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err == nil && (n < 1 || n > 3650) {
			err = errors.New("must be from 1 to 3650")
		}
		c.VerifyAfter = time.Duration(n) * 24 * time.Hour
		return err
	}},
	{"public-url", "SIGNPOST_PUBLIC_URL", "http://localhost:8080", "the service's external base URL, for absolute links in feeds, embed URLs and the pages' canonical links (when not set, all but the feeds take the request's own)", func(c *Config, v string) error {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.Opaque != "" || u.User != nil ||
			u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.HasSuffix(v, "#") {
			return fmt.Errorf("not an absolute http(s) URL without query, fragment or user: %q", v)
		}
		c.PublicURL = strings.TrimSuffix(u.String(), "/")
		return nil
	}},
	{"cache-bytes", "SIGNPOST_CACHE_BYTES", "33554432", "memory for rendered public responses, in bytes; 0 turns the response cache off", func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err == nil && n < 0 {
			err = errors.New("must not be negative")
		}
		c.CacheBytes = n
		return err
	}},
	{"cache-check", "SIGNPOST_CACHE_CHECK", "250ms", "how often the response cache checks the database for other instances' writes (its own are seen at once); on PostgreSQL, where their notifications come first, the fallback for a lost one", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err == nil && (d < 0 || d > maxCacheCheckListening) {
			err = fmt.Errorf("must be from 0 to %s", maxCacheCheckListening)
		}
		c.CacheCheck = d
		return err
	}},
	{"cache-listen", "SIGNPOST_CACHE_LISTEN", "true", "on PostgreSQL, hear other instances' writes as they commit (LISTEN/NOTIFY) and apply them to the response cache at once; false leaves the periodic check alone, e.g. behind a connection pooler that cannot LISTEN", func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		c.CacheListen = b
		return err
	}},
	{"bench-ceiling", "SIGNPOST_BENCH_CEILING", "false", "serve /bench/bare?bytes=N, a fixed body from a bare route with no middleware (the ceiling of the stack), and /bench/ceiling?bytes=N, the same through the middleware, for the load test (benchmarks only)", func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		c.BenchCeiling = b
		return err
	}},
	{"max-body", "SIGNPOST_MAX_BODY", "1048576", "largest accepted request body in bytes", func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err == nil && n <= 0 {
			err = errors.New("must be positive")
		}
		c.MaxBody = n
		return err
	}},
	{"require-if-match", "SIGNPOST_REQUIRE_IF_MATCH", "false", "refuse a PUT, PATCH or DELETE of an existing item without If-Match, with 428 (default: allowed, unconditional)", func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		c.RequireIfMatch = b
		return err
	}},
	{"rate-limit", "SIGNPOST_RATE_LIMIT", "600", "requests a minute per anonymous client (IP address; IPv6 by /64), in bursts of as many; 0 disables", func(c *Config, v string) error {
		n, err := perMinute(v)
		c.RateLimit = n
		return err
	}},
	{"rate-limit-key", "SIGNPOST_RATE_LIMIT_KEY", "1200", "requests a minute per API key (by key name), in bursts of as many; 0 disables", func(c *Config, v string) error {
		n, err := perMinute(v)
		c.RateLimitKey = n
		return err
	}},
	{"rate-limit-embed", "SIGNPOST_RATE_LIMIT_EMBED", "6000", "requests a minute per client to the widget's page, script and JSON, counted apart, in bursts of as many; over it the page and script still show the emergency and national lines; 0 disables", func(c *Config, v string) error {
		n, err := perMinute(v)
		c.RateLimitEmbed = n
		return err
	}},
	{"trusted-proxies", "SIGNPOST_TRUSTED_PROXIES", "", "comma-separated IPs or CIDRs of the reverse proxies in front; the client is then the right-most X-Forwarded-For address that is not one of them (default none: X-Forwarded-For is ignored)", func(c *Config, v string) error {
		c.TrustedProxies = nil
		for _, p := range splitList(v) {
			if _, err := netip.ParsePrefix(p); err != nil {
				if a, err := netip.ParseAddr(p); err != nil || a.Zone() != "" {
					return fmt.Errorf("not an IP address or CIDR: %q", p)
				}
			}
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
		return nil
	}},
	{"cors-origins", "SIGNPOST_CORS_ORIGINS", "", "comma-separated origins (https://editor.example.org) whose pages may write with an API key; public reads are open to every origin (default none)", func(c *Config, v string) error {
		c.CORSOrigins = nil
		for _, o := range splitList(v) {
			origin, err := parseOrigin(o)
			if err != nil {
				return err
			}
			c.CORSOrigins = append(c.CORSOrigins, origin)
		}
		return nil
	}},
	{"embed-frame-ancestors", "SIGNPOST_EMBED_FRAME_ANCESTORS", "*", "CSP frame-ancestors of the embed page: the sites that may put it in an iframe, space-separated sources such as https://*.example.org ('none' for none; default any)", func(c *Config, v string) error {
		a, err := parseFrameAncestors(v)
		c.EmbedFrameAncestors = a
		return err
	}},
	{"quick-exit-url", "SIGNPOST_QUICK_EXIT_URL", "https://www.bbc.co.uk/weather", "the neutral site that the widget's \"Exit this page\" opens", func(c *Config, v string) error {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil || strings.ContainsAny(v, " \t\r\n\"'<>`") {
			return fmt.Errorf("not an absolute http(s) URL: %q", v)
		}
		c.QuickExitURL = u.String()
		return nil
	}},
	{"webhooks-allow-http", "SIGNPOST_WEBHOOKS_ALLOW_HTTP", "false", "let webhook targets be plain http:// URLs (default https only)", func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		c.WebhooksAllowHTTP = b
		return err
	}},
	{"webhooks-allow-targets", "SIGNPOST_WEBHOOKS_ALLOW_TARGETS", "", "comma-separated IPs or CIDRs that webhook targets may resolve to although they are loopback or private (e.g. 127.0.0.1 for a receiver on the same host; default none); cloud metadata addresses are refused whatever this says", func(c *Config, v string) error {
		c.WebhooksAllowTargets = nil
		for _, p := range splitList(v) {
			pr, err := netip.ParsePrefix(p)
			if err != nil {
				a, aerr := netip.ParseAddr(p)
				if aerr != nil || a.Zone() != "" {
					return fmt.Errorf("not an IP address or CIDR: %q", p)
				}
				pr = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
			}
			c.WebhooksAllowTargets = append(c.WebhooksAllowTargets, pr.Masked())
		}
		return nil
	}},
	{"webhooks-timeout", "SIGNPOST_WEBHOOKS_TIMEOUT", "10s", "how long one webhook attempt may take, from connecting to the answer (1s to 60s)", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err == nil && (d < time.Second || d > time.Minute) {
			err = errors.New("must be from 1s to 60s")
		}
		c.WebhooksTimeout = d
		return err
	}},
	{"webhooks-secret-grace", "SIGNPOST_WEBHOOKS_SECRET_GRACE", "24h", "how long a rotated webhook secret still signs messages beside the new one (0 to 720h)", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err == nil && (d < 0 || d > 720*time.Hour) {
			err = errors.New("must be from 0 to 720h")
		}
		c.WebhooksSecretGrace = d
		return err
	}},
	{"stream-heartbeat", "SIGNPOST_STREAM_HEARTBEAT", "15s", "how often an idle change stream sends a heartbeat comment, so that proxies keep it open (up to 5m)", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err == nil && (d <= 0 || d > 5*time.Minute) {
			err = errors.New("must be above 0 and at most 5m")
		}
		c.StreamHeartbeat = d
		return err
	}},
	{"stream-per-client", "SIGNPOST_STREAM_PER_CLIENT", "4", "change streams one client (IP address; IPv6 by /64) may have open at once (1 to 1000); more get 429", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err == nil && (n < 1 || n > 1000) {
			err = errors.New("must be from 1 to 1000")
		}
		c.StreamPerClient = n
		return err
	}},
}

// LoadConfig reads the configuration from args (flags) and getenv. An invalid value is
// an error naming the flag and variable.
func LoadConfig(name string, args []string, getenv func(string) string) (Config, []string, error) {
	return loadConfig(name, args, getenv, nil)
}

// loadConfig is LoadConfig with more flags of a sub-command's own, which extra
// defines on the same flag set.
func loadConfig(name string, args []string, getenv func(string) string, extra func(fs *flag.FlagSet)) (Config, []string, error) {
	var c Config
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	if extra != nil {
		extra(fs)
	}
	fs.SetOutput(os.Stderr)
	vals := make(map[string]*string, len(options))
	given := map[string]bool{} // the options set by flag or environment
	for _, o := range options {
		def := o.def
		if v := getenv(o.env); v != "" {
			def = v
			given[o.flag] = true
		}
		v := &optionValue{s: def, boolean: o.def == "false" || o.def == "true"}
		fs.Var(v, o.flag, o.help+" (env "+o.env+")")
		vals[o.flag] = &v.s
	}
	if err := fs.Parse(args); err != nil {
		return c, nil, err
	}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, o := range options {
		if err := o.set(&c, *vals[o.flag]); err != nil {
			return c, nil, fmt.Errorf("invalid -%s / %s: %v", o.flag, o.env, err)
		}
	}
	if c.DBMaxOpenConns > 0 && c.DBMaxIdleConns > c.DBMaxOpenConns {
		return c, nil, fmt.Errorf("invalid -db-max-idle-conns / SIGNPOST_DB_MAX_IDLE_CONNS: %d is more than -db-max-open-conns / SIGNPOST_DB_MAX_OPEN_CONNS (%d)",
			c.DBMaxIdleConns, c.DBMaxOpenConns)
	}
	if c.CacheCheck > maxCacheCheck && !c.listens() {
		return c, nil, fmt.Errorf("invalid -cache-check / SIGNPOST_CACHE_CHECK: %s is more than %s, which is the most on SQLite or without -cache-listen, so that another instance's write is seen within a second; only PostgreSQL with -cache-listen hears writes at once and allows up to %s",
			c.CacheCheck, maxCacheCheck, maxCacheCheckListening)
	}
	c.PublicURLSet = given["public-url"]
	return c, fs.Args(), nil
}

// optionValue is a flag's text, checked later by the option's setter. Options whose
// default is true or false are boolean flags, so that a bare -no-seed works.
type optionValue struct {
	s       string
	boolean bool
}

// String is the text that -h shows as the default, which is the environment's value
// when one is set: a password in it is shown as xxxxx.
func (v *optionValue) String() string     { return store.RedactDB(v.s) }
func (v *optionValue) Set(s string) error { v.s = s; return nil }
func (v *optionValue) IsBoolFlag() bool   { return v.boolean }

// perMinute parses a rate limit: a number of requests a minute, 0 for none.
func perMinute(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err == nil && (n < 0 || n > 1_000_000) {
		err = errors.New("must be from 0 (no limit) to 1000000")
	}
	return n, err
}

// splitList splits a comma-separated list, dropping blanks.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// parseOrigin checks a web origin (scheme://host[:port], nothing more) and returns it
// as browsers send it in Origin: lower case, without the scheme's default port.
func parseOrigin(v string) (string, error) {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.Opaque != "" || u.Path != "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", fmt.Errorf("not an origin such as https://editor.example.org: %q", v)
	}
	host := strings.ToLower(u.Host)
	if u.Port() == map[string]string{"http": "80", "https": "443"}[u.Scheme] {
		host = strings.ToLower(u.Hostname())
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
	}
	return strings.ToLower(u.Scheme) + "://" + host, nil
}

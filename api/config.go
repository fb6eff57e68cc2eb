package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"signpost/models"
)

// Config is the whole configuration of the server, read from flags and SIGNPOST_*
// environment variables (flags win), with defaults so that a bare `serve` works.
type Config struct {
	Addr            string
	DB              string
	NoSeed          bool
	CacheControl    string
	LogClient       bool
	ShutdownTimeout time.Duration
	MaxBody         int64
	VerifyAfter     time.Duration
}

// storeConfig is the store's part of the configuration.
func (c Config) storeConfig() models.Config {
	return models.Config{Path: c.DB, VerifyAfter: c.VerifyAfter}
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
	{"db", "SIGNPOST_DB", "signpost.db", "SQLite database file", func(c *Config, v string) error {
		if strings.TrimSpace(v) == "" {
			return errors.New("must not be empty")
		}
		c.DB = v
		return nil
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
	{"max-body", "SIGNPOST_MAX_BODY", "1048576", "largest accepted request body in bytes", func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err == nil && n <= 0 {
			err = errors.New("must be positive")
		}
		c.MaxBody = n
		return err
	}},
}

// LoadConfig reads the configuration from args (flags) and getenv. An invalid value is
// an error naming the flag and variable.
func LoadConfig(name string, args []string, getenv func(string) string) (Config, []string, error) {
	var c Config
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	vals := make(map[string]*string, len(options))
	for _, o := range options {
		def := o.def
		if v := getenv(o.env); v != "" {
			def = v
		}
		v := &optionValue{s: def, boolean: o.def == "false" || o.def == "true"}
		fs.Var(v, o.flag, o.help+" (env "+o.env+")")
		vals[o.flag] = &v.s
	}
	if err := fs.Parse(args); err != nil {
		return c, nil, err
	}
	for _, o := range options {
		if err := o.set(&c, *vals[o.flag]); err != nil {
			return c, nil, fmt.Errorf("invalid -%s / %s: %v", o.flag, o.env, err)
		}
	}
	return c, fs.Args(), nil
}

// optionValue is a flag's text, checked later by the option's setter. Options whose
// default is true or false are boolean flags, so that a bare -no-seed works.
type optionValue struct {
	s       string
	boolean bool
}

func (v *optionValue) String() string     { return v.s }
func (v *optionValue) Set(s string) error { v.s = s; return nil }
func (v *optionValue) IsBoolFlag() bool   { return v.boolean }

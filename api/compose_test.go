package main

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"signpost/models/store"
)

// composeFile is the part of a Compose file that the scaled-out example must get
// right.
type composeFile struct {
	Name     string                    `yaml:"name"`
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image       string                       `yaml:"image"`
	Build       map[string]any               `yaml:"build"`
	Environment map[string]string            `yaml:"environment"`
	DependsOn   map[string]map[string]string `yaml:"depends_on"`
	Ports       []string                     `yaml:"ports"`
	Volumes     []string                     `yaml:"volumes"`
	Healthcheck map[string]any               `yaml:"healthcheck"`
}

// composeVar is a variable reference of Compose: ${NAME}, ${NAME:-default} or
// ${NAME:?message}.
var composeVar = regexp.MustCompile(`\$\{([A-Z_][A-Z0-9_]*)(?::?[-?][^}]*)?\}`)

// expandCompose replaces every variable reference with the value given for it in
// vars, or the reference's default; a reference to neither is a test failure.
func expandCompose(t *testing.T, s string, vars map[string]string) string {
	t.Helper()
	return composeVar.ReplaceAllStringFunc(s, func(ref string) string {
		m := composeVar.FindStringSubmatch(ref)
		if v, ok := vars[m[1]]; ok {
			return v
		}
		if _, def, ok := strings.Cut(ref, ":-"); ok {
			return strings.TrimSuffix(def, "}")
		}
		t.Errorf("%s has no value and no default", ref)
		return ""
	})
}

// TestComposeExample checks the README's scaled-out example, deploy/compose.yaml:
// PostgreSQL and at least two Signpost instances, each on that PostgreSQL through
// a URL that the store accepts, started only once the database is healthy, published
// on loopback ports of their own, with no password written in the file, and every
// SIGNPOST_* setting one that the server knows and accepts.
func TestComposeExample(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "deploy", "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var f composeFile
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatalf("deploy/compose.yaml: %v", err)
	}

	pg, ok := f.Services["postgres"]
	if !ok {
		t.Fatal("no postgres service")
	}
	if !strings.HasPrefix(pg.Image, "postgres:15") {
		t.Errorf("postgres image %q: the migrations and the tests are for PostgreSQL 15", pg.Image)
	}
	if pg.Healthcheck == nil {
		t.Error("postgres has no healthcheck, so the instances cannot wait for it")
	}
	if len(pg.Volumes) == 0 || !strings.HasSuffix(pg.Volumes[0], ":/var/lib/postgresql/data") {
		t.Errorf("postgres keeps its data on a volume at /var/lib/postgresql/data, got %q", pg.Volumes)
	}
	if pw := pg.Environment["POSTGRES_PASSWORD"]; !composeVar.MatchString(pw) || pw != composeVar.FindString(pw) {
		t.Errorf("POSTGRES_PASSWORD is %q: it must come from the environment, not the file", pw)
	}
	if args := pg.Environment["POSTGRES_INITDB_ARGS"]; !strings.Contains(args, "--locale=C") || !strings.Contains(args, "UTF8") {
		t.Errorf("POSTGRES_INITDB_ARGS %q: the database needs the C locale and UTF-8, to sort and search as SQLite does", args)
	}
	vars := map[string]string{"POSTGRES_PASSWORD": "s3cret-Pass_word"}

	var instances []string
	for name, s := range f.Services {
		if s.Environment["SIGNPOST_DB"] != "" {
			instances = append(instances, name)
		}
	}
	slices.Sort(instances)
	if len(instances) < 2 {
		t.Fatalf("instances %q: the example shows at least two", instances)
	}
	ports := map[string]string{}
	for _, name := range instances {
		s := f.Services[name]
		if s.Image != "signpost" && s.Build == nil {
			t.Errorf("%s: neither builds nor names the signpost image", name)
		}
		if s.DependsOn["postgres"]["condition"] != "service_healthy" {
			t.Errorf("%s: depends_on postgres is %v; it must wait until the database is healthy", name, s.DependsOn["postgres"])
		}

		env := map[string]string{}
		for k, v := range s.Environment {
			if !strings.HasPrefix(k, "SIGNPOST_") {
				t.Errorf("%s: %s is not a setting of the server", name, k)
			}
			if strings.Contains(v, "s3cret") {
				t.Errorf("%s: %s holds a password: %q", name, k, v)
			}
			env[k] = expandCompose(t, v, vars)
		}
		known := map[string]bool{}
		for _, o := range options {
			known[o.env] = true
		}
		for k := range env {
			if !known[k] {
				t.Errorf("%s: %s is not one of the server's options", name, k)
			}
		}
		cfg, _, err := LoadConfig("signpost", nil, func(k string) string { return env[k] })
		if err != nil {
			t.Errorf("%s: the server refuses its settings: %v", name, err)
			continue
		}
		if !store.IsPostgres(cfg.DB) {
			t.Errorf("%s: SIGNPOST_DB %q is not a PostgreSQL URL", name, store.RedactDB(cfg.DB))
			continue
		}
		if err := store.CheckDB(cfg.DB); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		u, err := url.Parse(cfg.DB)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if pw, _ := u.User.Password(); u.Hostname() != "postgres" || u.User.Username() != pg.Environment["POSTGRES_USER"] ||
			pw != vars["POSTGRES_PASSWORD"] || strings.TrimPrefix(u.Path, "/") != pg.Environment["POSTGRES_DB"] {
			t.Errorf("%s: SIGNPOST_DB %s does not name the postgres service's database, user and password", name, store.RedactDB(cfg.DB))
		}
		if cfg.DBMaxOpenConns <= 0 {
			t.Errorf("%s: set SIGNPOST_DB_MAX_OPEN_CONNS, so that the instances' pools add up to less than max_connections", name)
		}

		if len(s.Ports) == 0 {
			t.Errorf("%s: publishes no port", name)
		}
		for _, p := range s.Ports {
			if !strings.HasPrefix(p, "127.0.0.1:") {
				t.Errorf("%s: port %q is published on every address; the cache in front reaches it on loopback", name, p)
			}
			host := strings.Join(strings.Split(p, ":")[:2], ":")
			if other, ok := ports[host]; ok {
				t.Errorf("%s and %s both publish %s", other, name, host)
			}
			ports[host] = name
		}
	}
}

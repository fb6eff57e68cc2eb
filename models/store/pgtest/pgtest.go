// Package pgtest starts a throwaway PostgreSQL cluster for the tests of a package
// and gives each test a database of its own on it. The cluster is made with the
// server binaries of Debian's postgresql package (initdb, pg_ctl) in a temporary
// directory, listens on a free loopback port, and is removed when the tests end.
// PostgreSQL refuses to run as root, so as root the binaries run as the postgres
// system user (runuser -u postgres), which the package creates.
//
// Without the binaries the tests that need PostgreSQL skip, saying why, unless CI is
// set, when they fail. A test package that uses it calls Main from its TestMain, so
// that the cluster is stopped at the end.
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the database/sql driver, for making databases
)

// cluster is the package's one cluster, started by the first test that asks.
var (
	once    sync.Once
	started *cluster
	failure error
	dbs     atomic.Int64
)

type cluster struct {
	dir  string
	bin  string
	port int
	run  []string // the command prefix that runs a binary as the cluster's owner
}

// Main runs the tests and then stops the cluster, if one was started. Call it from
// TestMain: os.Exit(pgtest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if started != nil {
		started.stop()
	}
	return code
}

// Available reports whether PostgreSQL's server binaries are installed, and why not.
func Available() (string, error) {
	bin, err := serverBin()
	if err != nil {
		return "", err
	}
	return bin, nil
}

// MustDatabase returns the URL of a new, empty database on the package's cluster,
// starting the cluster first if needed. Without PostgreSQL it skips the test, or
// fails it when CI is set.
func MustDatabase(tb testing.TB) string {
	tb.Helper()
	once.Do(func() { started, failure = start() })
	if failure != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("PostgreSQL is needed under CI: %v", failure)
		}
		tb.Skipf("skipping: PostgreSQL is not available (%v); install Debian's postgresql package to run it", failure)
	}
	name := fmt.Sprintf("t%d_%d", os.Getpid(), dbs.Add(1))
	admin, err := sql.Open("pgx", started.url("postgres"))
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE DATABASE ` + name + ` TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`); err != nil {
		tb.Fatalf("create database: %v", err)
	}
	return started.url(name)
}

// URL returns the URL of a database on the cluster, for a test that makes its own.
func (c *cluster) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

// serverBin finds the newest installed PostgreSQL's server binaries.
func serverBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("no initdb in /usr/lib/postgresql/*/bin or on the PATH")
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func start() (*cluster, error) {
	if runtime.GOOS != "linux" {
		return nil, errors.New("the test cluster is made on Linux only")
	}
	bin, err := serverBin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "signpost-pg-")
	if err != nil {
		return nil, err
	}
	c := &cluster{dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("PostgreSQL will not run as root and there is no postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		c.run = []string{"runuser", "-u", "postgres", "--"}
	}
	if out, err := c.command("initdb", "-D", filepath.Join(dir, "data"), "-U", "postgres", "--auth=trust",
		"-E", "UTF8", "--locale=C", "--no-sync").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	for try := 0; ; try++ {
		if c.port, err = freePort(); err != nil {
			return nil, err
		}
		// fsync off: the cluster is thrown away; the durability test of the
		// store starts a cluster of its own.
		out, err := c.command("pg_ctl", "-D", filepath.Join(dir, "data"), "-l", filepath.Join(dir, "log"), "-w", "-t", "60",
			"-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400", c.port, dir),
			"start").CombinedOutput()
		if err == nil {
			break
		}
		if try == 3 {
			log, _ := os.ReadFile(filepath.Join(dir, "log"))
			os.RemoveAll(dir)
			return nil, fmt.Errorf("pg_ctl start: %v: %s\n%s", err, out, log)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		db, err := sql.Open("pgx", c.url("postgres"))
		if err == nil {
			err = db.PingContext(ctx)
			db.Close()
		}
		if err == nil {
			return c, nil
		}
		if ctx.Err() != nil {
			c.stop()
			return nil, fmt.Errorf("the cluster does not answer: %w", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (c *cluster) command(name string, args ...string) *exec.Cmd {
	argv := append(append(append([]string{}, c.run...), filepath.Join(c.bin, name)), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = c.dir
	return cmd
}

func (c *cluster) stop() {
	c.command("pg_ctl", "-D", filepath.Join(c.dir, "data"), "-m", "immediate", "-w", "stop").Run()
	os.RemoveAll(c.dir)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Describe says how the cluster of this process was made, for test logs.
func Describe() string {
	if started == nil {
		return "no cluster"
	}
	return strings.Join([]string{started.bin, "port " + strconv.Itoa(started.port)}, ", ")
}

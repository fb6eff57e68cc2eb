package pgtest

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// StoreEnv names the environment variable that picks the store the tests of a
// package open: "postgres" for a database on the package's cluster, anything else
// (or nothing) for a SQLite file.
const StoreEnv = "SIGNPOST_TEST_STORE"

// OnPostgres reports whether this test process runs its tests on PostgreSQL.
func OnPostgres() bool { return os.Getenv(StoreEnv) == "postgres" }

// Both runs the tests of a package on SQLite and, when PostgreSQL is installed (or
// CI is set, where its absence fails), the same tests on PostgreSQL: it runs the
// package's own test binary once more, with the same arguments and
// SIGNPOST_TEST_STORE=postgres, and fails when either run fails. The two runs go
// side by side, so that both fit in go test's timeout, which covers the binary as a
// whole; the PostgreSQL run's output follows the SQLite run's, after a line that
// says so. With SIGNPOST_TEST_STORE set it runs the tests once, on that store. Call it
// from TestMain: os.Exit(pgtest.Both(m)).
func Both(m *testing.M) int {
	if os.Getenv(StoreEnv) != "" {
		return Main(m)
	}
	if _, err := Available(); err != nil {
		code := Main(m)
		if os.Getenv("CI") != "" {
			fmt.Fprintf(os.Stderr, "PostgreSQL is needed under CI to run the tests on it: %v\n", err)
			return 1
		}
		fmt.Printf("== the same tests on PostgreSQL: skipped, PostgreSQL is not available (%v) ==\n", err)
		return code
	}
	var args []string
	for _, a := range os.Args[1:] {
		// The log of files and variables that go test keeps for its cache is the
		// first run's; a second writer would garble it.
		if strings.HasPrefix(a, "-test.testlogfile") {
			continue
		}
		args = append(args, a)
	}
	out, err := os.CreateTemp("", "signpost-postgres-tests-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "the tests on PostgreSQL did not run: %v\n", err)
		return 1
	}
	defer os.Remove(out.Name())
	defer out.Close()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), StoreEnv+"=postgres")
	cmd.Stdout, cmd.Stderr = out, out
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "the tests on PostgreSQL did not run: %v\n", err)
		return 1
	}
	code := Main(m)
	err = cmd.Wait()
	fmt.Println("== the same tests on PostgreSQL ==")
	if _, err := out.Seek(0, io.SeekStart); err == nil {
		io.Copy(os.Stdout, out)
	}
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			fmt.Fprintf(os.Stderr, "the tests on PostgreSQL did not run: %v\n", err)
		}
		return 1
	}
	return code
}

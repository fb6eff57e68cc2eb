package pgtest

import (
	"fmt"
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

// Both runs the tests of a package on SQLite and then, when PostgreSQL is installed
// (or CI is set, where its absence fails), the same tests again on PostgreSQL: it
// runs the package's own test binary once more, with the same arguments and
// SIGNPOST_TEST_STORE=postgres, and streams its output after a line that says so.
// It fails when either run fails. With SIGNPOST_TEST_STORE set it runs the tests
// once, on that store. Call it from TestMain: os.Exit(pgtest.Both(m)).
func Both(m *testing.M) int {
	if os.Getenv(StoreEnv) != "" {
		return Main(m)
	}
	code := Main(m)
	if _, err := Available(); err != nil {
		if os.Getenv("CI") != "" {
			fmt.Fprintf(os.Stderr, "PostgreSQL is needed under CI to run the tests on it: %v\n", err)
			return 1
		}
		fmt.Printf("== the same tests on PostgreSQL: skipped, PostgreSQL is not available (%v) ==\n", err)
		return code
	}
	fmt.Println("== the same tests on PostgreSQL ==")
	var args []string
	for _, a := range os.Args[1:] {
		// The log of files and variables that go test keeps for its cache is the
		// first run's; a second writer would garble it.
		if strings.HasPrefix(a, "-test.testlogfile") {
			continue
		}
		args = append(args, a)
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), StoreEnv+"=postgres")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		if code == 0 {
			code = 1
		}
		if _, ok := err.(*exec.ExitError); !ok {
			fmt.Fprintf(os.Stderr, "the tests on PostgreSQL did not run: %v\n", err)
		}
	}
	return code
}

package store_test

import (
	"os"
	"testing"

	"signpost/models/store/pgtest"
)

// TestMain runs the tests on SQLite and then on PostgreSQL (see pgtest.Both), and
// stops the PostgreSQL cluster that they start, if any.
func TestMain(m *testing.M) { os.Exit(pgtest.Both(m)) }

package store_test

import (
	"os"
	"testing"

	"signpost/models/store/pgtest"
)

// TestMain stops the PostgreSQL cluster that the PostgreSQL tests start, if any.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"signpost/handlers"
	"signpost/models/store/pgtest"
)

// TestMissingFragmentsPlan: the check for articles without fragments, which runs at
// every start, reads the partial index articles_public rather than the whole table.
func TestMissingFragmentsPlan(t *testing.T) {
	if pgtest.OnPostgres() {
		t.Skip("SQLite only: the INDEXED BY plan of SQLite's query")
	}
	s, err := Open(context.Background(), Config{DB: filepath.Join(t.TempDir(), "plan.db"), Render: handlers.Renderer{}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.writer.Raw("EXPLAIN QUERY PLAN "+missingFragmentsSQL, fragmentBatch).Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(plan, "; ")
	if !strings.Contains(got, "INDEX articles_public") {
		t.Errorf("plan %q, want the articles read through articles_public", got)
	}
}

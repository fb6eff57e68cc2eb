package store

import "database/sql"

// Pools returns the read pool and the writer connection (on PostgreSQL both are
// the store's one pool), for their statistics only
// (the metrics' database pool figures call Stats on them). Queries go through the
// store's methods, never through these handles.
func (s *Store) Pools() (reader, writer *sql.DB) {
	reader, _ = s.reader.DB()
	writer, _ = s.writer.DB()
	return reader, writer
}

package store

import (
	"context"
	"errors"
	"signpost/models"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"
	"gorm.io/gorm"
)

// writeHealth is the outcome of the store's last write: whether writes work, and if
// not, why and since when. It is safe for concurrent use.
type writeHealth struct {
	mu sync.Mutex
	h  models.WriteHealth
}

func (w *writeHealth) get() models.WriteHealth {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.h
}

// storageError returns the domain error for SQLite's report of a storage failure (a
// full, read-only or locked database, an I/O error), or nil when err is not one. Its
// message names the cause; SQLite's own message never reaches clients.
func storageError(err error) *models.Error {
	const unsaved = " The write was not saved; nothing was changed."
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// PostgreSQL's classes of the same causes: insufficient resources (53: a
		// full disk, too many connections), a read-only transaction (a standby),
		// lock timeouts, and the server going away (57: shut down; 58: I/O).
		switch {
		case pe.Code == "53100":
			return models.Errorf(models.EFULL, "The database is full: its disk has no room left."+unsaved)
		case pe.Code == "25006":
			return models.Errorf(models.EREADONLY, "The database is read-only at the moment."+unsaved+" Try again later.")
		case pe.Code == "55P03":
			return models.Errorf(models.ELOCKED, "The database is locked by another process."+unsaved+" Try again in a few seconds.")
		case strings.HasPrefix(pe.Code, "53"), strings.HasPrefix(pe.Code, "57"), strings.HasPrefix(pe.Code, "58"):
			return models.Errorf(models.ESTORAGE, "The database could not take the write."+unsaved+" Try again later.")
		}
		return nil
	}
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return nil
	}
	switch se.Code {
	case sqlite3.ErrFull:
		return models.Errorf(models.EFULL, "The database is full: its disk, or the size it may grow to, has no room left."+unsaved)
	case sqlite3.ErrReadonly:
		return models.Errorf(models.EREADONLY, "The database is read-only at the moment."+unsaved+" Try again later.")
	case sqlite3.ErrBusy, sqlite3.ErrLocked:
		return models.Errorf(models.ELOCKED, "The database is locked by another process."+unsaved+" Try again in a few seconds.")
	case sqlite3.ErrIoErr, sqlite3.ErrCantOpen:
		return models.Errorf(models.ESTORAGE, "The database file could not be written (an input/output error)."+unsaved+" Try again later.")
	}
	return nil
}

// settle records the outcome of a write and returns its error as callers see it: a
// storage failure becomes its domain error and marks writes as failing; a success
// marks them as working. Other errors (invalid content, a conflict) say nothing about
// the storage and change nothing.
func (s *Store) settle(err error) error {
	s.health.mu.Lock()
	defer s.health.mu.Unlock()
	if err == nil {
		s.health.h = models.WriteHealth{}
		return nil
	}
	e := storageError(err)
	if e == nil {
		return err
	}
	if s.health.h.Cause == "" {
		s.health.h.Since = s.now()
	}
	s.health.h.Cause = e.Code
	return e
}

// WriteHealth returns what the store knows of whether writes work: the last write's
// (or CheckWrites') storage failure, until a write succeeds.
func (s *Store) WriteHealth() models.WriteHealth { return s.health.get() }

// maxCheckPages bounds the size of CheckWrites' test row.
const maxCheckPages = 256

// CheckWrites tries a write that changes nothing, and records whether writes work.
// In one transaction it takes the write lock, adds a row that needs more pages than
// the database has free (at most 256), removes it again and commits: it fails as a
// write would on a locked, read-only or full database, or on a disk that cannot take
// the commit. The server calls it every second while writes are failing, so that
// their state clears by itself once the cause has gone, even when no write comes. It
// returns EFULL, EREADONLY, ELOCKED or ESTORAGE while writes fail.
func (s *Store) CheckWrites(ctx context.Context) error {
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		// page_size and freelist_count are SQLite's; PostgreSQL needs only the
		// commit of a small row.
		if s.dialect == postgresDialect {
			if err := tx.Exec(`INSERT INTO meta (key, value) VALUES ('write_check', '')`).Error; err != nil {
				return err
			}
			return tx.Exec(`DELETE FROM meta WHERE key = 'write_check'`).Error
		}
		var pageSize, free int64
		if err := tx.Raw(`PRAGMA page_size`).Scan(&pageSize).Error; err != nil {
			return err
		}
		if err := tx.Raw(`PRAGMA freelist_count`).Scan(&free).Error; err != nil {
			return err
		}
		pad := strings.Repeat(" ", int(min(free+1, maxCheckPages)*pageSize))
		if err := tx.Exec(`INSERT INTO meta (key, value) VALUES ('write_check', ?)`, pad).Error; err != nil {
			return err
		}
		return tx.Exec(`DELETE FROM meta WHERE key = 'write_check'`).Error
	})
	return internal("check writes", s.settle(err))
}

package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"signpost/models"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// keyPrefix starts every key, so that leaked keys are easy to spot and search for.
const keyPrefix = "sp_"

// CreateKey makes a new API key and returns it; it is shown this once. It returns
// EINVALID for a bad name or scope and ECONFLICT when the name is taken.
func (s *Store) CreateKey(ctx context.Context, name, scope string) (string, error) {
	if err := models.Invalid(models.CheckKey(name, scope)); err != nil {
		return "", err
	}
	var idb [6]byte
	var secret [32]byte
	rand.Read(idb[:])
	rand.Read(secret[:])
	id := hex.EncodeToString(idb[:])
	key := keyPrefix + id + "_" + base64.RawURLEncoding.EncodeToString(secret[:])
	err := s.writer.WithContext(ctx).Exec(`INSERT INTO api_keys (name, scope, prefix, hash, created_at) VALUES (?, ?, ?, ?, ?)`,
		name, scope, id, hashKey(key), s.now()).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) || (err != nil && strings.Contains(err.Error(), "UNIQUE")) {
		return "", models.Errorf(models.ECONFLICT, "A key named %q already exists.", name)
	}
	if err := s.settle(err); err != nil {
		return "", internal("create key", err)
	}
	return key, nil
}

func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// Keys lists every key, revoked ones too, by name.
func (s *Store) Keys(ctx context.Context) ([]models.Key, error) {
	var out []models.Key
	if err := s.reader.WithContext(ctx).Raw(`SELECT name, scope, created_at, last_used_at, revoked_at FROM api_keys ORDER BY name`).Scan(&out).Error; err != nil {
		return nil, internal("list keys", err)
	}
	for i := range out {
		out[i].CreatedAt = out[i].CreatedAt.UTC()
		out[i].LastUsedAt = utcPtr(out[i].LastUsedAt)
		out[i].RevokedAt = utcPtr(out[i].RevokedAt)
	}
	return out, nil
}

// RevokeKey revokes the key with this name. It returns ENOTFOUND when there is no
// such key that is not already revoked.
func (s *Store) RevokeKey(ctx context.Context, name string) error {
	res := s.writer.WithContext(ctx).Exec(`UPDATE api_keys SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL`, s.now(), name)
	if err := s.settle(res.Error); err != nil {
		return internal("revoke key", err)
	}
	if res.RowsAffected == 0 {
		return models.Errorf(models.ENOTFOUND, "No active key named %q.", name)
	}
	return nil
}

// Authenticate returns the key's record. It compares hashes in constant time and
// returns EUNAUTHORIZED for an unknown, malformed or revoked key. It records the
// time of use at most once a minute, so that reads stay cheap.
func (s *Store) Authenticate(ctx context.Context, key string) (*models.Key, error) {
	ctx = readContext(ctx)
	bad := models.Errorf(models.EUNAUTHORIZED, "The API key is not valid.")
	rest, ok := strings.CutPrefix(key, keyPrefix)
	id, _, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 || len(id) != 12 || len(key) > 200 {
		return nil, bad
	}
	var rows []struct {
		Name    string
		Scope   string
		Hash    string
		Revoked bool
		Dummy   bool
	}
	// An unknown id reads one made-up row whose hash no key has, so that it costs
	// what a known id with a wrong secret costs: the same row read, the same compare.
	// Otherwise the time of a 401 tells whether a key id exists. The row holds no
	// times, whose reading costs more when they are set.
	if err := s.reader.WithContext(ctx).Raw(`SELECT name, scope, hash, revoked_at IS NOT NULL AS revoked, FALSE AS dummy FROM api_keys WHERE prefix = ?
		UNION ALL SELECT 'unknown', 'editor', ?, FALSE, TRUE WHERE NOT EXISTS (SELECT 1 FROM api_keys WHERE prefix = ?)`,
		id, dummyKeyHash, id).Scan(&rows).Error; err != nil {
		return nil, internal("authenticate", err)
	}
	want := hashKey(key)
	for _, r := range rows {
		if subtle.ConstantTimeCompare([]byte(r.Hash), []byte(want)) != 1 || r.Revoked || r.Dummy {
			continue
		}
		k := models.Key{Name: r.Name, Scope: r.Scope}
		if err := s.reader.WithContext(ctx).Raw(`SELECT created_at, last_used_at FROM api_keys WHERE name = ?`, r.Name).Scan(&k).Error; err != nil {
			return nil, internal("authenticate", err)
		}
		// The time of use is a note, not the request's purpose: while writes fail it
		// is not tried (a locked database would hold every request for the busy
		// timeout), and a storage failure does not refuse the key.
		now := s.now()
		if (k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) > time.Minute) && s.WriteHealth().OK() {
			err := s.writer.WithContext(ctx).Exec(`UPDATE api_keys SET last_used_at = ? WHERE name = ?`, now, r.Name).Error
			if err := s.settle(err); models.ErrorCode(err) == models.EINTERNAL {
				return nil, internal("record key use", err)
			}
		}
		return &models.Key{Name: r.Name, Scope: r.Scope, CreatedAt: k.CreatedAt.UTC(), LastUsedAt: utcPtr(k.LastUsedAt)}, nil
	}
	return nil, bad
}

// dummyKeyHash is the hash Authenticate compares with when a key's id is unknown:
// that of a string that is not a well-formed key, so no key has it.
var dummyKeyHash = hashKey("sp_unknown-key-id")

// Audit returns a page of the audit log, newest first. It returns EBADPARAM for
// bad parameters.
func (s *Store) Audit(ctx context.Context, f models.AuditFilter) (models.Page[models.AuditEntry], error) {
	ctx = readContext(ctx)
	var page models.Page[models.AuditEntry]
	limit, err := clampLimit(f.Limit)
	if err != nil {
		return page, err
	}
	q := s.reader.WithContext(ctx).Table("audit_log").Select("id, at, key_name, action, item_type, slug, before, after")
	if f.ItemType != "" {
		if !slices.Contains(models.ItemTypes, f.ItemType) {
			return page, models.BadParam("item_type", "must be article, helpline, campaign or organisation")
		}
		q = q.Where("item_type = ?", f.ItemType)
	}
	if f.Slug != "" {
		q = q.Where("slug = ?", f.Slug)
	}
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor, "audit")
		if err != nil {
			return page, err
		}
		q = q.Where("id < ?", c.ID)
	}
	var rows []models.AuditEntry
	if err := q.Order("id DESC").Limit(limit + 1).Scan(&rows).Error; err != nil {
		return page, internal("audit", err)
	}
	if len(rows) > limit {
		page.NextCursor = encodeCursor(cursor{List: "audit", ID: rows[limit-1].ID})
		rows = rows[:limit]
	}
	for i := range rows {
		rows[i].At = rows[i].At.UTC()
	}
	page.Items = rows
	return page, nil
}

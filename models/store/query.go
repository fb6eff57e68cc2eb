package store

import (
	"context"
	"signpost/models"
	"strings"
	"time"

	"gorm.io/gorm"
)

// visibleSQL is the condition for content the public may see at a given time: published,
// or scheduled with a publication time that has come (its published_at is set to
// publish_at when it is scheduled, so it goes live without any job running).
func visibleSQL(alias string) string {
	return alias + ".deleted_at IS NULL AND " + alias + ".status IN ('published', 'scheduled') AND " + alias + ".published_at <= ?"
}

// liveSQL is the condition for content that exists at all (not deleted).
func liveSQL(alias string) string {
	return alias + ".deleted_at IS NULL"
}

// scope adds the visibility condition for alias to q.
func scope(q *gorm.DB, alias string, v models.Visibility, now time.Time) *gorm.DB {
	if v.Editor {
		return q.Where(liveSQL(alias))
	}
	return q.Where(visibleSQL(alias), now)
}

// clampLimit checks a list's limit: 0 means the default.
func clampLimit(limit int) (int, error) {
	switch {
	case limit == 0:
		return models.DefaultLimit, nil
	case limit < 1 || limit > models.MaxLimit:
		return 0, models.BadParam("limit", "must be between 1 and %d", models.MaxLimit)
	}
	return limit, nil
}

type ownedRef struct {
	Owner int64
	Slug  string
	Name  string
}

// loadRefs runs a query returning (owner, slug, name) rows and groups them by owner.
func loadRefs(ctx context.Context, db *gorm.DB, sql string, args ...any) (map[int64][]models.Ref, error) {
	var rows []ownedRef
	if err := db.WithContext(ctx).Raw(sql, args...).Scan(&rows).Error; err != nil {
		return nil, internal("load related", err)
	}
	out := make(map[int64][]models.Ref)
	for _, r := range rows {
		out[r.Owner] = append(out[r.Owner], models.Ref{Slug: r.Slug, Name: r.Name})
	}
	return out, nil
}

// refVisible returns the condition (and its argument) under which a related item of a
// content type can be shown: for the public only what is published.
func refVisible(alias string, v models.Visibility, now time.Time) (string, []any) {
	if v.Editor {
		return liveSQL(alias), nil
	}
	return visibleSQL(alias), []any{now}
}

type outcomeRow struct {
	OwnerID int64
	Metric  string
	Label   string
	Value   *int64
	Note    string
}

func loadOutcomes(ctx context.Context, db *gorm.DB, ownerType string, ids []int64) (map[int64][]models.Outcome, error) {
	rs, err := db.WithContext(ctx).Raw(`SELECT owner_id, metric, label, value, note FROM outcomes
		WHERE owner_type = ? AND owner_id IN ? ORDER BY owner_id, position`, ownerType, ids).Rows()
	if err != nil {
		return nil, internal("load outcomes", err)
	}
	defer rs.Close()
	out := make(map[int64][]models.Outcome)
	for rs.Next() {
		var r outcomeRow
		if err := rs.Scan(&r.OwnerID, &r.Metric, &r.Label, &r.Value, &r.Note); err != nil {
			return nil, internal("load outcomes", err)
		}
		out[r.OwnerID] = append(out[r.OwnerID], models.Outcome{Metric: r.Metric, Label: r.Label, Value: r.Value, Note: r.Note})
	}
	return out, internal("load outcomes", rs.Err())
}

// lookupID finds the id of a live item of a table by slug, for filters. A missing slug
// is an EBADPARAM error naming the parameter.
func lookupID(ctx context.Context, db *gorm.DB, table, slug, param string) (int64, error) {
	var ids []int64
	if err := db.WithContext(ctx).Raw(`SELECT id FROM `+table+` WHERE slug = ? AND deleted_at IS NULL`, slug).Scan(&ids).Error; err != nil {
		return 0, internal("lookup "+table, err)
	}
	if len(ids) == 0 {
		return 0, models.BadParam(param, "no %s with slug %q", strings.TrimSuffix(table, "s"), slug)
	}
	return ids[0], nil
}

// ids returns the ids of a slice of items.
func idsOf[T any](items []T, id func(*T) int64) []int64 {
	out := make([]int64, len(items))
	for i := range items {
		out[i] = id(&items[i])
	}
	return out
}

// where is one condition of a query and its arguments, for filters looked up once
// and applied to several queries.
type where struct {
	sql  string
	args []any
}

func applyWhere(q *gorm.DB, conds []where) *gorm.DB {
	for _, c := range conds {
		q = q.Where(c.sql, c.args...)
	}
	return q
}

package store

import (
	"context"
	"signpost/models"
	"slices"
	"time"
)

type organisationRow struct {
	ID          int64
	Slug        string
	Name        string
	Kind        string
	URL         string
	Description string
	ParentSlug  *string
	ParentName  *string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Version     int64
}

const organisationColumns = `o.id, o.slug, o.name, o.kind, o.url, o.description, p.slug AS parent_slug,
	p.name AS parent_name, o.created_at, o.updated_at, o.version`

func (r *organisationRow) organisation() models.Organisation {
	o := models.Organisation{ID: r.ID, Slug: r.Slug, Name: r.Name, Kind: r.Kind, URL: r.URL,
		Description: r.Description, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Version: r.Version}
	if r.ParentSlug != nil && r.ParentName != nil {
		o.Parent = &models.Ref{Slug: *r.ParentSlug, Name: *r.ParentName}
	}
	return o
}

// FindOrganisations returns a page of organisations by name. It returns EBADPARAM for
// bad parameters.
func (s *Store) FindOrganisations(ctx context.Context, f models.OrganisationFilter) (models.Page[models.Organisation], error) {
	ctx = readContext(ctx)
	var page models.Page[models.Organisation]
	limit, err := clampLimit(f.Limit)
	if err != nil {
		return page, err
	}
	q := s.reader.WithContext(ctx).Table("organisations o").Select(organisationColumns).
		Joins("LEFT JOIN organisations p ON p.id = o.parent_id AND p.deleted_at IS NULL").Where("o.deleted_at IS NULL")
	if f.Kind != "" {
		if !slices.Contains(models.OrganisationKinds, f.Kind) {
			return page, models.BadParam("kind", "must be police, charity, government, media or other")
		}
		q = q.Where("o.kind = ?", f.Kind)
	}
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor, "organisations")
		if err != nil {
			return page, err
		}
		q = q.Where("(o.name > ? OR (o.name = ? AND o.id > ?))", c.Key, c.Key, c.ID)
	}
	var rows []organisationRow
	if err := q.Order("o.name, o.id").Limit(limit + 1).Scan(&rows).Error; err != nil {
		return page, internal("find organisations", err)
	}
	if len(rows) > limit {
		last := rows[limit-1]
		page.NextCursor = encodeCursor(cursor{List: "organisations", Key: last.Name, ID: last.ID})
		rows = rows[:limit]
	}
	page.Items = make([]models.Organisation, len(rows))
	for i := range rows {
		page.Items[i] = rows[i].organisation()
	}
	return page, nil
}

// FindOrganisation returns one organisation by slug. It returns ENOTFOUND, or EMOVED
// for an old slug.
func (s *Store) FindOrganisation(ctx context.Context, slug string) (*models.Organisation, error) {
	ctx = readContext(ctx)
	db := s.reader.WithContext(ctx)
	var rows []organisationRow
	err := db.Table("organisations o").Select(organisationColumns).
		Joins("LEFT JOIN organisations p ON p.id = o.parent_id AND p.deleted_at IS NULL").
		Where("o.deleted_at IS NULL AND o.slug = ?", slug).Limit(1).Scan(&rows).Error
	if err != nil {
		return nil, internal("find organisation", err)
	}
	if len(rows) == 0 {
		var cur []string
		if err := db.Raw(`SELECT o.slug FROM slug_redirects r JOIN organisations o ON o.id = r.item_id
			WHERE r.item_type = 'organisation' AND r.slug = ? AND o.deleted_at IS NULL`, slug).Scan(&cur).Error; err != nil {
			return nil, internal("find redirect", err)
		}
		if len(cur) > 0 && cur[0] != slug {
			return nil, &models.Error{Code: models.EMOVED, Message: "This organisation has moved.", Location: cur[0]}
		}
		return nil, models.Errorf(models.ENOTFOUND, "No organisation with slug %q.", slug)
	}
	o := rows[0].organisation()
	return &o, nil
}

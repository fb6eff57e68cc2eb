package store

import (
	"context"
	"signpost/models"

	"gorm.io/gorm"
)

type regionRow struct {
	ID       int64
	Slug     string
	Name     string
	Kind     string
	ParentID *int64
	Position int
}

// regionTree is the whole region tree, loaded at once: it has tens of rows.
type regionTree struct {
	rows   []regionRow
	byID   map[int64]*regionRow
	bySlug map[string]*regionRow
}

func loadRegionTree(ctx context.Context, db *gorm.DB) (*regionTree, error) {
	t := &regionTree{}
	if err := db.WithContext(ctx).Raw(`SELECT id, slug, name, kind, parent_id, position FROM regions ORDER BY position, name`).Scan(&t.rows).Error; err != nil {
		return nil, internal("load regions", err)
	}
	t.byID = make(map[int64]*regionRow, len(t.rows))
	t.bySlug = make(map[string]*regionRow, len(t.rows))
	for i := range t.rows {
		r := &t.rows[i]
		t.byID[r.ID] = r
		t.bySlug[r.Slug] = r
	}
	return t, nil
}

// ancestorsAndSelf returns the id of the region and of every region above it.
func (t *regionTree) ancestorsAndSelf(id int64) []int64 {
	var ids []int64
	for r := t.byID[id]; r != nil && len(ids) <= len(t.rows); {
		ids = append(ids, r.ID)
		if r.ParentID == nil {
			break
		}
		r = t.byID[*r.ParentID]
	}
	return ids
}

// descendantsAndSelf returns the id of the region and of every region below it.
func (t *regionTree) descendantsAndSelf(id int64) []int64 {
	ids := []int64{id}
	for i := 0; i < len(ids) && len(ids) <= len(t.rows); i++ {
		for _, r := range t.rows {
			if r.ParentID != nil && *r.ParentID == ids[i] {
				ids = append(ids, r.ID)
			}
		}
	}
	return ids
}

// Regions returns the whole region tree, each region with its parent and children,
// parents before children.
func (s *Store) Regions(ctx context.Context) ([]models.Region, error) {
	ctx = readContext(ctx)
	t, err := loadRegionTree(ctx, s.reader)
	if err != nil {
		return nil, err
	}
	out := make([]models.Region, 0, len(t.rows))
	for _, r := range t.rows {
		reg := models.Region{ID: r.ID, Slug: r.Slug, Name: r.Name, Kind: r.Kind, Children: []models.Ref{}}
		if r.ParentID != nil {
			if p := t.byID[*r.ParentID]; p != nil {
				reg.Parent = &models.Ref{Slug: p.Slug, Name: p.Name}
			}
		}
		for _, c := range t.rows {
			if c.ParentID != nil && *c.ParentID == r.ID {
				reg.Children = append(reg.Children, models.Ref{Slug: c.Slug, Name: c.Name})
			}
		}
		out = append(out, reg)
	}
	// Order: depth first from the roots, so the tree reads top down.
	return sortTree(out, t), nil
}

func sortTree(in []models.Region, t *regionTree) []models.Region {
	bySlug := make(map[string]models.Region, len(in))
	for _, r := range in {
		bySlug[r.Slug] = r
	}
	out := make([]models.Region, 0, len(in))
	var walk func(r models.Region)
	walk = func(r models.Region) {
		out = append(out, r)
		for _, c := range r.Children {
			walk(bySlug[c.Slug])
		}
	}
	for _, r := range in {
		if r.Parent == nil {
			walk(r)
		}
	}
	return out
}

// Topics returns the controlled vocabulary, topics first, then audiences, by name.
// It returns EBADPARAM for an unknown kind.
func (s *Store) Topics(ctx context.Context, f models.TopicFilter) ([]models.Topic, error) {
	ctx = readContext(ctx)
	q := s.reader.WithContext(ctx).Table("topics").Select("slug, name, kind, description")
	switch f.Kind {
	case "":
	case "topic", "audience":
		q = q.Where("kind = ?", f.Kind)
	default:
		return nil, models.BadParam("kind", "must be topic or audience")
	}
	var out []models.Topic
	if err := q.Order("kind DESC, name").Scan(&out).Error; err != nil {
		return nil, internal("topics", err)
	}
	return out, nil
}

// topicIDs resolves topic slugs of one kind ("" for any) to ids. Unknown slugs are
// returned in missing.
func topicIDs(ctx context.Context, db *gorm.DB, kind string, slugs []string) (ids map[string]int64, missing []string, err error) {
	type row struct {
		ID   int64
		Slug string
	}
	var rows []row
	q := db.WithContext(ctx).Table("topics").Select("id, slug").Where("slug IN ?", slugs)
	if kind != "" {
		q = q.Where("kind = ?", kind)
	}
	if err := q.Scan(&rows).Error; err != nil {
		return nil, nil, internal("topics", err)
	}
	ids = make(map[string]int64, len(rows))
	for _, r := range rows {
		ids[r.Slug] = r.ID
	}
	for _, s := range slugs {
		if _, ok := ids[s]; !ok {
			missing = append(missing, s)
		}
	}
	return ids, missing, nil
}

package store

import (
	"context"
	"signpost/models"
	"time"

	"gorm.io/gorm"
)

var editor = models.Visibility{Editor: true}

func loadArticle(ctx context.Context, db *gorm.DB, id int64, now time.Time) (*models.Article, error) {
	sel, args := articleSelectOn(db, editor, now)
	rows, err := scanArticleRows(db.WithContext(ctx).Table("articles a").Select(sel, args...).Where("a.id = ?", id), 1)
	if err != nil {
		return nil, internal("load article", err)
	}
	if len(rows) == 0 {
		return nil, models.Errorf(models.ENOTFOUND, "No such article.")
	}
	a, err := rows[0].article(now)
	if err != nil {
		return nil, err
	}
	if err := loadArticleBody(ctx, db, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

func loadHelpline(ctx context.Context, db *gorm.DB, id int64, now time.Time) (*models.Helpline, error) {
	var rows []helplineRow
	if err := db.WithContext(ctx).Table("helplines h").Select(helplineColumns).Where("h.id = ?", id).Scan(&rows).Error; err != nil {
		return nil, internal("load helpline", err)
	}
	if len(rows) == 0 {
		return nil, models.Errorf(models.ENOTFOUND, "No such helpline.")
	}
	h, err := rows[0].helpline(now)
	if err != nil {
		return nil, err
	}
	h.OpenNow, h.NextChangeAt = h.Hours.State(now)
	items := []models.Helpline{h}
	if err := loadHelplineRelations(ctx, db, items, editor, now); err != nil {
		return nil, err
	}
	return &items[0], nil
}

func loadCampaign(ctx context.Context, db *gorm.DB, id int64, now time.Time) (*models.Campaign, error) {
	var rows []campaignRow
	if err := db.WithContext(ctx).Table("campaigns c").Select(campaignColumns).Where("c.id = ?", id).Scan(&rows).Error; err != nil {
		return nil, internal("load campaign", err)
	}
	if len(rows) == 0 {
		return nil, models.Errorf(models.ENOTFOUND, "No such campaign.")
	}
	c, err := rows[0].campaign(now)
	if err != nil {
		return nil, err
	}
	items := []models.Campaign{c}
	if err := loadCampaignRelations(ctx, db, items, editor, now, true); err != nil {
		return nil, err
	}
	return &items[0], nil
}

func loadOrganisation(ctx context.Context, db *gorm.DB, id int64, now time.Time) (*models.Organisation, error) {
	var rows []organisationRow
	err := db.WithContext(ctx).Table("organisations o").Select(organisationColumns).
		Joins("LEFT JOIN organisations p ON p.id = o.parent_id AND p.deleted_at IS NULL").
		Where("o.id = ?", id).Scan(&rows).Error
	if err != nil {
		return nil, internal("load organisation", err)
	}
	if len(rows) == 0 {
		return nil, models.Errorf(models.ENOTFOUND, "No such organisation.")
	}
	o := rows[0].organisation()
	return &o, nil
}

// CreateArticle adds an article on behalf of actor (an API key's name). The slug is
// made from the title when none is given. It returns EINVALID with every field
// error, or ECONFLICT when the given slug is taken.
func (s *Store) CreateArticle(ctx context.Context, actor string, a *models.Article) (*models.Article, error) {
	errs := models.CheckArticle(a, s.now())
	return write(ctx, s, actor, "", 0, a, errs, saveArticle, loadArticle)
}

// ReplaceArticle replaces the article at slug. ifMatch is the version the editor
// read, 0 for none. It returns ENOTFOUND, EPRECONDITION when the article changed
// since, EINVALID or ECONFLICT.
func (s *Store) ReplaceArticle(ctx context.Context, actor, slug string, a *models.Article, ifMatch int64) (*models.Article, error) {
	errs := models.CheckArticle(a, s.now())
	return write(ctx, s, actor, slug, ifMatch, a, errs, saveArticle, loadArticle)
}

// DeleteArticle soft-deletes the article at slug. It returns ENOTFOUND or
// EPRECONDITION.
func (s *Store) DeleteArticle(ctx context.Context, actor, slug string, ifMatch int64) error {
	return remove(ctx, s, actor, slug, ifMatch, &models.Article{}, loadArticle)
}

// CreateHelpline adds a helpline. It returns EINVALID or ECONFLICT.
func (s *Store) CreateHelpline(ctx context.Context, actor string, h *models.Helpline) (*models.Helpline, error) {
	errs := models.CheckHelpline(h, s.now())
	return write(ctx, s, actor, "", 0, h, errs, saveHelpline, s.loadHelplineDue)
}

// ReplaceHelpline replaces the helpline at slug. It returns ENOTFOUND,
// EPRECONDITION, EINVALID or ECONFLICT.
func (s *Store) ReplaceHelpline(ctx context.Context, actor, slug string, h *models.Helpline, ifMatch int64) (*models.Helpline, error) {
	errs := models.CheckHelpline(h, s.now())
	return write(ctx, s, actor, slug, ifMatch, h, errs, saveHelpline, s.loadHelplineDue)
}

// DeleteHelpline soft-deletes the helpline at slug. It returns ENOTFOUND or
// EPRECONDITION.
func (s *Store) DeleteHelpline(ctx context.Context, actor, slug string, ifMatch int64) error {
	return remove(ctx, s, actor, slug, ifMatch, &models.Helpline{}, loadHelpline)
}

// CreateCampaign adds a campaign. It returns EINVALID or ECONFLICT.
func (s *Store) CreateCampaign(ctx context.Context, actor string, c *models.Campaign) (*models.Campaign, error) {
	errs := models.CheckCampaign(c, s.now())
	return write(ctx, s, actor, "", 0, c, errs, saveCampaign, loadCampaign)
}

// ReplaceCampaign replaces the campaign at slug. It returns ENOTFOUND,
// EPRECONDITION, EINVALID or ECONFLICT.
func (s *Store) ReplaceCampaign(ctx context.Context, actor, slug string, c *models.Campaign, ifMatch int64) (*models.Campaign, error) {
	errs := models.CheckCampaign(c, s.now())
	return write(ctx, s, actor, slug, ifMatch, c, errs, saveCampaign, loadCampaign)
}

// DeleteCampaign soft-deletes the campaign at slug. It returns ENOTFOUND or
// EPRECONDITION.
func (s *Store) DeleteCampaign(ctx context.Context, actor, slug string, ifMatch int64) error {
	return remove(ctx, s, actor, slug, ifMatch, &models.Campaign{}, loadCampaign)
}

// CreateOrganisation adds an organisation. It returns EINVALID or ECONFLICT.
func (s *Store) CreateOrganisation(ctx context.Context, actor string, o *models.Organisation) (*models.Organisation, error) {
	errs := models.CheckOrganisation(o)
	return write(ctx, s, actor, "", 0, o, errs, saveOrganisation, loadOrganisation)
}

// ReplaceOrganisation replaces the organisation at slug. It returns ENOTFOUND,
// EPRECONDITION, EINVALID or ECONFLICT.
func (s *Store) ReplaceOrganisation(ctx context.Context, actor, slug string, o *models.Organisation, ifMatch int64) (*models.Organisation, error) {
	errs := models.CheckOrganisation(o)
	return write(ctx, s, actor, slug, ifMatch, o, errs, saveOrganisation, loadOrganisation)
}

// DeleteOrganisation soft-deletes the organisation at slug. Items that refer to it
// keep their rows but no longer show it. It returns ENOTFOUND or EPRECONDITION.
func (s *Store) DeleteOrganisation(ctx context.Context, actor, slug string, ifMatch int64) error {
	return remove(ctx, s, actor, slug, ifMatch, &models.Organisation{}, loadOrganisation)
}

// loadHelplineDue loads a helpline with its verification_due flag.
func (s *Store) loadHelplineDue(ctx context.Context, db *gorm.DB, id int64, now time.Time) (*models.Helpline, error) {
	h, err := loadHelpline(ctx, db, id, now)
	if err != nil {
		return nil, err
	}
	items := []models.Helpline{*h}
	s.markDue(items, now)
	return &items[0], nil
}

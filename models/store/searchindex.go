package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// The search index is one FTS5 table, search_index (migrations 0002 and 0006), with a
// row per live article, helpline and campaign: title, summary, body, topics and
// keywords columns, filled as indexSources says. Keywords are a helpline's editor-kept
// search terms: they rank a hit but are never shown, so no snippet is taken from them.
// It is kept in step from Go: every editorial write calls
// reindex in its transaction, so the index never disagrees with what was committed.
// Unpublished items stay indexed; every query joins back to the item's table for
// visibility. An item's row id is the type's code × searchRowBase + its id (migration
// 0011): one item's row is found without a scan, and each type's rows are one range
// of row ids, which bounds FTS5's scan of a search within a type.

// clean removes the snippet markers from indexed text.
func clean(expr string) string {
	return "replace(replace(" + expr + ", char(57344), ''), char(57345), '')"
}

type indexSource struct {
	itemType, table, alias string
	// code places the type's rows in the index: the higher the code, the higher its
	// row ids, and the earlier its hits in a tier of a search (see searchTypeOrder).
	code int
	// sel selects the index row of live items matching the condition %s.
	sel string
}

var indexSources = []indexSource{
	{"article", "articles", "a", 1, `SELECT 1000000000000 + a.id, 'article', a.id, ` + clean("a.title") + `, ` + clean("a.summary") + `, ` + clean("COALESCE(b.body_text, '')") + `,
		` + clean(`COALESCE((SELECT group_concat(t.name, ' ') FROM article_topics x JOIN topics t ON t.id = x.topic_id WHERE x.article_id = a.id), '')`) + `
		, ''
		FROM articles a LEFT JOIN article_bodies b ON b.article_id = a.id WHERE a.deleted_at IS NULL AND (%s)`},
	{"helpline", "helplines", "h", 3, `SELECT 3000000000000 + h.id, 'helpline', h.id, ` + clean("h.name") + `, ` + clean("h.description") + `,
		` + clean(`concat_ws(' ', o.name, h.confidentiality_note,
			(SELECT group_concat(concat_ws(' ', c.label, c.display, c.note), ' ') FROM contacts c WHERE c.helpline_id = h.id))`) + `,
		` + clean(`COALESCE((SELECT group_concat(t.name, ' ') FROM helpline_topics x JOIN topics t ON t.id = x.topic_id WHERE x.helpline_id = h.id), '')`) + `,
		` + clean(`COALESCE((SELECT group_concat(j.value, ' ') FROM json_each(h.keywords) j), '')`) + `
		FROM helplines h LEFT JOIN organisations o ON o.id = h.organisation_id AND o.deleted_at IS NULL
		WHERE h.deleted_at IS NULL AND (%s)`},
	{"campaign", "campaigns", "c", 2, `SELECT 2000000000000 + c.id, 'campaign', c.id, ` + clean("c.name") + `, ` + clean("c.summary") + `,
		` + clean(`concat_ws(' ', o.name, (SELECT group_concat(p.name, ' ') FROM campaign_partners x
			JOIN organisations p ON p.id = x.organisation_id AND p.deleted_at IS NULL WHERE x.campaign_id = c.id))`) + `,
		` + clean(`COALESCE((SELECT group_concat(j.value, ' ') FROM json_each(c.hashtags) j), '')`) + `, ''
		FROM campaigns c LEFT JOIN organisations o ON o.id = c.organiser_id AND o.deleted_at IS NULL
		WHERE c.deleted_at IS NULL AND (%s)`},
}

// searchRowBase separates the types' ranges of row ids in the search index: a type
// with code n has the row ids from n × searchRowBase + 1 up, one for each item id.
const searchRowBase = 1_000_000_000_000

// rowBase is the row id of the type's item 0 (which does not exist).
func (src *indexSource) rowBase() int64 { return int64(src.code) * searchRowBase }

// sourceOfRow returns the type of a search index row id and the item's id.
func sourceOfRow(rowID int64) (*indexSource, int64) {
	for i := range indexSources {
		if indexSources[i].code == int(rowID/searchRowBase) {
			return &indexSources[i], rowID % searchRowBase
		}
	}
	return nil, 0
}

func indexSourceOf(itemType string) *indexSource {
	for i := range indexSources {
		if indexSources[i].itemType == itemType {
			return &indexSources[i]
		}
	}
	return nil
}

// refresh replaces the index rows of the items of src matching cond (over src.alias):
// deleted items lose their row, live ones get their current text.
func (src *indexSource) refresh(tx *gorm.DB, cond string, args ...any) error {
	del := fmt.Sprintf(`DELETE FROM search_index WHERE rowid IN (SELECT %[2]d + %[1]s.id FROM %[3]s %[1]s WHERE %[4]s)`,
		src.alias, src.rowBase(), src.table, cond)
	if err := tx.Exec(del, args...).Error; err != nil {
		return fmt.Errorf("store: unindex %s: %w", src.table, err)
	}
	ins := `INSERT INTO search_index (rowid, item_type, item_id, title, summary, body, topics, keywords) ` + fmt.Sprintf(src.sel, cond)
	if err := tx.Exec(sqlText(tx, ins), args...).Error; err != nil {
		return fmt.Errorf("store: index %s: %w", src.table, err)
	}
	return nil
}

// reindex brings the search index in step with one item after a write in tx: the
// item's own row for an article, helpline or campaign; for an organisation, the rows
// of the helplines and campaigns that show its name.
func reindex(tx *gorm.DB, itemType string, id int64) error {
	if itemType == "organisation" {
		if err := indexSourceOf("helpline").refresh(tx, "h.organisation_id = ?", id); err != nil {
			return err
		}
		return indexSourceOf("campaign").refresh(tx,
			"c.organiser_id = ? OR c.id IN (SELECT campaign_id FROM campaign_partners WHERE organisation_id = ?)", id, id)
	}
	src := indexSourceOf(itemType)
	if src == nil {
		return nil
	}
	return src.refresh(tx, src.alias+".id = ?", id)
}

// rebuildSearch refills the whole search index in tx.
func rebuildSearch(tx *gorm.DB) error {
	if err := tx.Exec(`DELETE FROM search_index`).Error; err != nil {
		return fmt.Errorf("store: clear search index: %w", err)
	}
	for i := range indexSources {
		if err := indexSources[i].refresh(tx, "1 = 1"); err != nil {
			return err
		}
	}
	// Refilling leaves the index in many segments, with the old rows' deletions
	// among them; every search reads each segment, so they are merged into one.
	// (FTS5's; PostgreSQL's GIN index has no such step.)
	if isPostgres(tx) {
		return nil
	}
	if err := tx.Exec(`INSERT INTO search_index (search_index) VALUES ('optimize')`).Error; err != nil {
		return fmt.Errorf("store: optimize search index: %w", err)
	}
	return nil
}

// RebuildSearch refills the search index from the content tables in one write
// transaction. The store keeps the index in step by itself; this is for content
// written around it (SQL run by hand, test fixtures).
func (s *Store) RebuildSearch(ctx context.Context) error {
	return s.writeTx(ctx, rebuildSearch)
}

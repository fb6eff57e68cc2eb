package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"signpost/models"
)

// A write touches the item it writes and every item whose public representation
// shows it: an article shows the names of its campaigns, helplines, organisations and
// publisher; a campaign shows its helplines, organiser, partners and its latest
// articles with their outcomes; a helpline shows its organisation; an organisation
// shows its parent. What a write touched is recorded twice in its transaction: as
// the tags of a cache invalidation (which every instance's response cache reads), and
// as fresh public JSON of every touched article (its fragments).

// Tags name what an answer is made from and what a write touched.
const (
	// TagAll stands for everything: an answer carrying it is dropped by any write,
	// and a write touching it drops every answer.
	TagAll = "*"
)

// ItemTag is the tag of one item: "article/cumbria-week-of-action".
func ItemTag(itemType, slug string) string { return itemType + "/" + slug }

// AnyItemTag is the tag that every answer made from an item of the type carries, so
// that a write touching too many items of the type to list drops them all.
func AnyItemTag(itemType string) string { return itemType + "/*" }

// maxTouchedTags is how many item tags one write records before it falls back to
// the type's AnyItemTag.
const maxTouchedTags = 500

// touchSet gathers what one write touched.
type touchSet struct {
	types    map[string]bool            // list membership of these types changed
	items    map[string]map[string]bool // item type → slugs
	articles map[int64]bool             // articles whose fragments must be rendered again
}

func newTouchSet() *touchSet {
	return &touchSet{types: map[string]bool{}, items: map[string]map[string]bool{}, articles: map[int64]bool{}}
}

func (t *touchSet) item(itemType, slug string) {
	if t.items[itemType] == nil {
		t.items[itemType] = map[string]bool{}
	}
	t.items[itemType][slug] = true
}

// tags returns the invalidation's tags, in a stable order.
func (t *touchSet) tags() []string {
	var out []string
	for _, typ := range models.ItemTypes {
		if t.types[typ] {
			out = append(out, typ)
		}
		slugs := t.items[typ]
		if len(slugs) > maxTouchedTags {
			out = append(out, AnyItemTag(typ))
			continue
		}
		for _, s := range sortedKeys(slugs) {
			out = append(out, ItemTag(typ, s))
		}
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	// A handful of keys: insertion sort keeps this free of another import.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// touch records in t the item (itemType, id) and every item that shows it, as the
// database stands in tx. A write calls it before and after it saves, so that links
// it removes and links it adds are both counted.
func touch(tx *gorm.DB, t *touchSet, itemType string, id int64) error {
	type ref struct {
		ID   int64
		Slug string
		Kind string
	}
	var rows []ref
	var q string
	var args []any
	switch itemType {
	case "article":
		t.articles[id] = true
		q = `SELECT a.id, a.slug, 'article' AS kind FROM articles a WHERE a.id = ?
			UNION ALL SELECT c.id, c.slug, 'campaign' FROM article_campaigns x JOIN campaigns c ON c.id = x.campaign_id WHERE x.article_id = ?`
		args = []any{id, id}
	case "helpline":
		q = `SELECT h.id, h.slug, 'helpline' AS kind FROM helplines h WHERE h.id = ?
			UNION ALL SELECT a.id, a.slug, 'article' FROM article_helplines x JOIN articles a ON a.id = x.article_id WHERE x.helpline_id = ? AND a.deleted_at IS NULL
			UNION ALL SELECT c.id, c.slug, 'campaign' FROM campaign_helplines x JOIN campaigns c ON c.id = x.campaign_id WHERE x.helpline_id = ? AND c.deleted_at IS NULL`
		args = []any{id, id, id}
	case "campaign":
		q = `SELECT c.id, c.slug, 'campaign' AS kind FROM campaigns c WHERE c.id = ?
			UNION ALL SELECT a.id, a.slug, 'article' FROM article_campaigns x JOIN articles a ON a.id = x.article_id WHERE x.campaign_id = ? AND a.deleted_at IS NULL`
		args = []any{id, id}
	case "organisation":
		q = `SELECT o.id, o.slug, 'organisation' AS kind FROM organisations o WHERE o.id = ? OR o.parent_id = ?
			UNION ALL SELECT h.id, h.slug, 'helpline' FROM helplines h WHERE h.organisation_id = ? AND h.deleted_at IS NULL
			UNION ALL SELECT c.id, c.slug, 'campaign' FROM campaigns c WHERE c.organiser_id = ? AND c.deleted_at IS NULL
			UNION ALL SELECT c.id, c.slug, 'campaign' FROM campaign_partners x JOIN campaigns c ON c.id = x.campaign_id WHERE x.organisation_id = ? AND c.deleted_at IS NULL
			UNION ALL SELECT a.id, a.slug, 'article' FROM articles a WHERE a.source_publisher_id = ? AND a.deleted_at IS NULL
			UNION ALL SELECT a.id, a.slug, 'article' FROM article_organisations x JOIN articles a ON a.id = x.article_id WHERE x.organisation_id = ? AND a.deleted_at IS NULL`
		args = []any{id, id, id, id, id, id, id}
	default:
		return fmt.Errorf("store: touch: unknown item type %q", itemType)
	}
	t.types[itemType] = true
	if err := tx.Raw(q, args...).Scan(&rows).Error; err != nil {
		return fmt.Errorf("store: touch %s: %w", itemType, err)
	}
	for _, r := range rows {
		t.item(r.Kind, r.Slug)
		if r.Kind == "article" {
			t.articles[r.ID] = true
		}
	}
	return nil
}

// bumpVersion increments the content version, records the time of the change and
// what the write touched (tags; nil means everything), inside a write transaction,
// and on PostgreSQL announces it to the other instances.
// Invalidations older than the last few thousand are pruned: an instance that fell
// further behind drops its whole cache.
func bumpVersion(tx *gorm.DB, now time.Time, tags []string) error {
	if err := tx.Exec(`UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'content_version'`).Error; err != nil {
		return err
	}
	if err := tx.Exec(`UPDATE meta SET value = ? WHERE key = 'content_changed_at'`, now.UTC().Format(time.RFC3339Nano)).Error; err != nil {
		return err
	}
	var v int64
	if err := tx.Raw(`SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'content_version'`).Scan(&v).Error; err != nil {
		return err
	}
	text := TagAll
	if tags != nil {
		text = strings.Join(tags, " ")
	}
	if err := tx.Exec(`INSERT INTO cache_invalidations (version, tags) VALUES (?, ?)`, v, text).Error; err != nil {
		return err
	}
	// Other instances hear of it at commit, on PostgreSQL (see notify.go).
	if err := notifyInvalidation(tx, v, text); err != nil {
		return err
	}
	return tx.Exec(`DELETE FROM cache_invalidations WHERE version <= ?`, v-keptInvalidations).Error
}

// keptInvalidations is how many of the latest invalidations are kept.
const keptInvalidations = 5000

// Invalidation is what one write touched: the content version it made and its tags.
type Invalidation struct {
	Version int64
	Tags    []string
}

// Invalidations returns the content version, the next time a scheduled item goes
// live (zero for none), and the invalidations after version since, oldest first. When
// complete is false some of them are no longer kept (or a write bumped the version
// without recording one), and the caller must assume everything changed.
func (s *Store) Invalidations(ctx context.Context, since int64) (version int64, nextPublication time.Time, list []Invalidation, complete bool, err error) {
	ctx = readContext(ctx)
	version, nextPublication, err = s.CacheState(ctx)
	if err != nil || version <= since {
		return version, nextPublication, nil, true, err
	}
	var rows []struct {
		Version int64
		Tags    string
	}
	if err := s.reader.WithContext(ctx).Raw(`SELECT version, tags FROM cache_invalidations WHERE version > ? AND version <= ? ORDER BY version`,
		since, version).Scan(&rows).Error; err != nil {
		return 0, time.Time{}, nil, false, internal("invalidations", err)
	}
	complete = int64(len(rows)) == version-since
	list = make([]Invalidation, len(rows))
	for i, r := range rows {
		list[i] = Invalidation{Version: r.Version, Tags: strings.Fields(r.Tags)}
	}
	return version, nextPublication, list, complete, nil
}

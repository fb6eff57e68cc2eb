package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"signpost/models"
	"signpost/models/hours"
	"signpost/models/markdown"
	"strings"
	"time"

	"gorm.io/gorm"
)

// GenerateConfig says how much synthetic content Generate adds.
type GenerateConfig struct {
	Articles  int
	Helplines int
	Campaigns int
	// Seed makes the content reproducible.
	Seed uint64
}

// Generate fills the database with synthetic content for benchmarks: articles,
// helplines and campaigns that look like real ones in size and shape (bodies of a
// few hundred words, regions, topics, outcomes, contacts, opening hours) but say
// plainly that they are synthetic. It runs in batches of transactions and rebuilds
// the search index at the end. The database must have the seed's regions and topics.
func (s *Store) Generate(ctx context.Context, cfg GenerateConfig) error {
	db := s.writer.WithContext(ctx)
	var regions, topics, audiences, orgs []int64
	if err := db.Raw(`SELECT id FROM regions WHERE kind = 'police_force_area' ORDER BY id`).Scan(&regions).Error; err != nil {
		return err
	}
	if err := db.Raw(`SELECT id FROM topics WHERE kind = 'topic' ORDER BY id`).Scan(&topics).Error; err != nil {
		return err
	}
	if err := db.Raw(`SELECT id FROM topics WHERE kind = 'audience' ORDER BY id`).Scan(&audiences).Error; err != nil {
		return err
	}
	if err := db.Raw(`SELECT id FROM organisations WHERE deleted_at IS NULL ORDER BY id`).Scan(&orgs).Error; err != nil {
		return err
	}
	if len(regions) == 0 || len(topics) == 0 || len(orgs) == 0 {
		return fmt.Errorf("store: generate needs the seed content's regions, topics and organisations")
	}
	// Synthetic content can be made again: no need to wait for the disk after each
	// batch. The writer connection is the store's only one, so this applies to it
	// alone, and is undone before returning. (On PostgreSQL each batch commits as
	// any write does.)
	if s.dialect == sqliteDialect {
		if err := db.Exec(`PRAGMA synchronous = OFF`).Error; err != nil {
			return err
		}
		defer db.Exec(`PRAGMA synchronous = FULL`)
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5157))
	pick := func(ids []int64) int64 { return ids[rng.IntN(len(ids))] }
	now := s.now()
	start := now.Add(-3 * 365 * 24 * time.Hour)

	var campaignIDs []int64
	batch := func(n int, each func(tx *gorm.DB, i int) error) error {
		for lo := 0; lo < n; lo += 10000 {
			hi := min(lo+10000, n)
			err := s.writeTx(ctx, func(tx *gorm.DB) error {
				for i := lo; i < hi; i++ {
					if err := each(tx, i); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	}

	err := batch(cfg.Campaigns, func(tx *gorm.DB, i int) error {
		starts := start.Add(time.Duration(rng.Int64N(int64(3 * 365 * 24 * time.Hour)))).Format(time.DateOnly)
		id, err := insertID(tx, `INSERT INTO campaigns (slug, name, summary, organiser_id, scope, starts_on, hashtags, status, published_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, '[]', 'published', ?, ?, ?)`,
			fmt.Sprintf("synthetic-campaign-%d", i+1), fmt.Sprintf("Synthetic campaign %d", i+1),
			"Generated for benchmarks; not real content.", pick(orgs), models.CampaignScopes[rng.IntN(3)], starts, now, now, now)
		campaignIDs = append(campaignIDs, id)
		if err == nil {
			err = tx.Exec(`INSERT INTO campaign_regions (campaign_id, region_id) VALUES (?, ?)`, id, pick(regions)).Error
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("store: generate campaigns: %w", err)
	}

	hours := mustJSON(hours.Schedule{Timezone: hours.DefaultTimezone, Weekly: []hours.Interval{
		{Days: []string{"mon", "tue", "wed", "thu", "fri"}, Opens: "09:00", Closes: "17:00"}}})
	err = batch(cfg.Helplines, func(tx *gorm.DB, i int) error {
		id, err := insertID(tx, `INSERT INTO helplines (slug, name, organisation_id, description, opening_hours, anonymous, confidential, languages, status, published_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, '["en"]', 'published', ?, ?, ?)`,
			fmt.Sprintf("synthetic-helpline-%d", i+1), fmt.Sprintf("Synthetic helpline %d", i+1), pick(orgs),
			"Generated for benchmarks; not a real service. "+words(rng, 30), hours, rng.IntN(2) == 0, rng.IntN(2) == 0, now, now, now)
		if err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO contacts (helpline_id, position, type, label, value, display, e164, uri) VALUES (?, 0, 'web', 'Website', 'https://example.org', 'example.org', '', 'https://example.org')`, id).Error; err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO helpline_regions (helpline_id, region_id) VALUES (?, ?)`, id, pick(regions)).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO helpline_topics (helpline_id, topic_id) VALUES (?, ?), (?, ?)`, id, pick(topics), id, pick(audiences)).Error
	})
	if err != nil {
		return fmt.Errorf("store: generate helplines: %w", err)
	}

	span := now.Sub(start)
	err = batch(cfg.Articles, func(tx *gorm.DB, i int) error {
		published := start.Add(time.Duration(rng.Int64N(int64(span)))).Truncate(time.Second)
		md := "## Synthetic article\n\nGenerated for benchmarks; not real content.\n\n" + words(rng, 200) + "\n\n- " + words(rng, 8) + "\n- " + words(rng, 8) + "\n"
		html, text, err := markdown.Render(md)
		if err != nil {
			return err
		}
		id, err := insertID(tx, `INSERT INTO articles (slug, title, summary, status, published_at, source_attribution, created_at, updated_at)
			VALUES (?, ?, ?, 'published', ?, 'Synthetic', ?, ?)`,
			fmt.Sprintf("synthetic-article-%d", i+1), "Synthetic article "+fmt.Sprint(i+1)+": "+words(rng, 6),
			words(rng, 30), published, published, published)
		if err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO article_bodies (article_id, body_markdown, body_html, body_text) VALUES (?, ?, ?, ?)`, id, md, html, text).Error; err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO article_regions (article_id, region_id) VALUES (?, ?)`, id, pick(regions)).Error; err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO article_topics (article_id, topic_id) VALUES (?, ?)`, id, pick(topics)).Error; err != nil {
			return err
		}
		if len(campaignIDs) > 0 && rng.IntN(3) == 0 {
			if err := tx.Exec(`INSERT INTO article_campaigns (article_id, campaign_id, reports_work) VALUES (?, ?, TRUE)`, id, campaignIDs[rng.IntN(len(campaignIDs))]).Error; err != nil {
				return err
			}
		}
		return tx.Exec(`INSERT INTO outcomes (owner_type, owner_id, position, metric, label, value) VALUES ('article', ?, 0, 'arrests', 'Arrests', ?)`, id, rng.IntN(10)).Error
	})
	if err != nil {
		return fmt.Errorf("store: generate articles: %w", err)
	}
	err = s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := rebuildSearch(tx); err != nil {
			return err
		}
		for _, t := range []struct{ itemType, table string }{{"campaign", "campaigns"}, {"helpline", "helplines"}, {"article", "articles"}} {
			if err := tx.Exec(`INSERT INTO changes (at, item_type, item_id, slug, action)
				SELECT `+s.timeArg()+`, ?, id, slug, 'create' FROM `+t.table+` t WHERE slug LIKE 'synthetic-%'
				AND NOT EXISTS (SELECT 1 FROM changes c WHERE c.item_type = ? AND c.item_id = t.id) ORDER BY id`,
				now, t.itemType, t.itemType).Error; err != nil {
				return err
			}
		}
		return bumpVersion(tx, now, nil)
	})
	if err != nil {
		return err
	}
	if err := s.renderMissingFragments(ctx); err != nil {
		return err
	}
	// The planner's statistics, of every table at its new size: with those of an
	// empty article_pages it would scan that table on every read of an article.
	return db.Exec(`ANALYZE`).Error
}

// vocabulary holds the words of synthetic text: real words first, then made-up ones,
// drawn with Zipf's law like the words of real text, so that a search for a rare
// word matches few articles and one for a common word matches many.
var vocabulary = func() []string {
	words := strings.Fields(`police force week action online safety children young people report help
	helpline support campaign officers arrests warrants devices safeguarding abuse prevention charity
	community advice confidential anonymous worried behaviour images exploitation partners council school
	family guidance training awareness messages social media region national local investigation unit`)
	for i := 0; len(words) < vocabularySize; i++ {
		words = append(words, SyntheticWord(i))
	}
	return words
}()

const vocabularySize = 5000

// SyntheticWord is the i-th made-up word of synthetic text, the word of rank
// i+61 in its vocabulary: a benchmark can search for a word of known rarity.
func SyntheticWord(i int) string {
	syllables := []string{"ba", "ke", "lo", "mi", "nu", "ra", "si", "to", "ve", "zu", "dri", "fen", "gol", "han", "jup"}
	var b strings.Builder
	for n := i + len(syllables); n > 0; n /= len(syllables) {
		b.WriteString(syllables[n%len(syllables)])
	}
	return b.String()
}

func words(rng *rand.Rand, n int) string {
	z := rand.NewZipf(rng, 1.1, 1, vocabularySize-1)
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(vocabulary[z.Uint64()])
	}
	return b.String()
}

package store

import (
	"cmp"
	"context"
	"encoding/json"
	"signpost/models"
	"signpost/models/hours"
	"signpost/models/search"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

type helplineRow struct {
	ID                  int64
	Slug                string
	Name                string
	OrganisationID      *int64
	Description         string
	Website             string
	OpeningHours        string
	Emergency           bool
	Anonymous           bool
	Confidential        bool
	ConfidentialityNote string
	Languages           string
	Interpreters        string
	Keywords            string
	LastVerifiedAt      *time.Time
	Status              string
	PublishAt           *time.Time
	PublishedAt         *time.Time
	CreatedAt           time.Time
	UpdatedAt           time.Time
	Version             int64
}

const helplineColumns = `h.id, h.slug, h.name, h.organisation_id, h.description, h.website, h.opening_hours,
	h.emergency, h.anonymous, h.confidential, h.confidentiality_note, h.languages, h.interpreters, h.keywords,
	h.last_verified_at, h.status, h.publish_at, h.published_at, h.created_at, h.updated_at, h.version`

func (r *helplineRow) helpline(now time.Time) (models.Helpline, error) {
	h := models.Helpline{
		ID: r.ID, Slug: r.Slug, Name: r.Name, Description: r.Description, Website: r.Website,
		Emergency: r.Emergency, Anonymous: r.Anonymous, Confidential: r.Confidential,
		ConfidentialityNote: r.ConfidentialityNote, Interpreters: r.Interpreters,
		LastVerifiedAt: utcPtr(r.LastVerifiedAt), Status: models.EffectiveStatus(r.Status, r.PublishedAt, now),
		PublishAt: utcPtr(r.PublishAt), PublishedAt: utcPtr(r.PublishedAt),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Version: r.Version,
	}
	if err := json.Unmarshal([]byte(r.OpeningHours), &h.Hours); err != nil {
		return h, internal("decode opening hours", err)
	}
	if err := json.Unmarshal([]byte(r.Languages), &h.Languages); err != nil {
		return h, internal("decode languages", err)
	}
	h.Languages = nonNil(h.Languages)
	if err := json.Unmarshal([]byte(r.Keywords), &h.Keywords); err != nil {
		return h, internal("decode keywords", err)
	}
	h.Keywords = nonNil(h.Keywords)
	return h, nil
}

// FindHelplines returns a page of helplines in the order a person in need wants them:
// lines open at the moment first, then the rest, each by name; with f.Sort =
// models.SortRelevance, by the tier of their match of f.Q first (see searchtiers.go).
// Helplines are few, so the filtered set is ranked in memory; the cursor carries the
// moment it was ranked for, so that paging on never reshuffles. It returns EBADPARAM for bad parameters,
// among them an At that fails models.CheckAt.
func (s *Store) FindHelplines(ctx context.Context, f models.HelplineFilter) (models.Page[models.Helpline], error) {
	ctx = readContext(ctx)
	var page models.Page[models.Helpline]
	limit, err := clampLimit(f.Limit)
	if err != nil {
		return page, err
	}
	db := s.reader.WithContext(ctx)
	now := s.now()
	at := f.At
	if !at.IsZero() {
		if err := models.CheckAt("at", at, now); err != nil {
			return page, err
		}
	}
	ranked, err := relevance(f.Sort, f.Q)
	if err != nil {
		return page, err
	}
	var after *helplineKey
	if f.Cursor != "" {
		list := "helplines"
		if ranked {
			list = "helplines/relevance"
		}
		c, err := decodeCursor(f.Cursor, list)
		if err != nil {
			return page, err
		}
		k, err := parseHelplineKey(c, ranked)
		if err != nil {
			return page, err
		}
		// A cursor carries the moment its list was ranked for, which must be one
		// that at could name.
		if models.CheckAt("cursor", k.at, now) != nil {
			return page, models.BadParam("cursor", "is from a list ranked for a moment more than %s from now; start again from the first page", models.AtRange)
		}
		after = &k
		at = k.at
	}
	if at.IsZero() {
		at = now
	}
	at = at.UTC()

	q := scope(db.Table("helplines h").Select(helplineColumns), "h", f.Visibility, now)
	if f.Region != "" {
		t, err := loadRegionTree(ctx, db)
		if err != nil {
			return page, err
		}
		r := t.bySlug[f.Region]
		if r == nil {
			return page, models.BadParam("region", "no region with slug %q", f.Region)
		}
		q = q.Where("EXISTS (SELECT 1 FROM helpline_regions x WHERE x.helpline_id = h.id AND x.region_id IN ?)", t.ancestorsAndSelf(r.ID))
	}
	for _, tf := range []struct{ param, kind, slug string }{{"topic", "topic", f.Topic}, {"audience", "audience", f.Audience}} {
		if tf.slug == "" {
			continue
		}
		ids, missing, err := topicIDs(ctx, db, tf.kind, []string{tf.slug})
		if err != nil {
			return page, err
		}
		if len(missing) > 0 {
			return page, models.BadParam(tf.param, "no %s with slug %q", tf.kind, tf.slug)
		}
		q = q.Where("EXISTS (SELECT 1 FROM helpline_topics x WHERE x.helpline_id = h.id AND x.topic_id = ?)", ids[tf.slug])
	}
	if f.Channel != "" {
		if !slices.Contains(models.ChannelTypes, f.Channel) {
			return page, models.BadParam("channel", "must be one of %s", strings.Join(models.ChannelTypes, ", "))
		}
		q = q.Where("EXISTS (SELECT 1 FROM contacts x WHERE x.helpline_id = h.id AND x.type = ?)", f.Channel)
	}
	if f.Q != "" {
		cond, expr, err := matchFilter(db, f.Q, "helpline", "h")
		if err != nil {
			return page, err
		}
		q = q.Where(cond, expr)
	}
	// In the relevance order, each line's tier comes first, then the usual order.
	// Lines are few, so every match is scored.
	var scores map[int64]int
	if ranked {
		query, err := search.Parse(f.Q)
		if err != nil {
			return page, err
		}
		if scores, err = tierScores(db, indexSourceOf("helpline"), query); err != nil {
			return page, err
		}
	}
	key := func(h *models.Helpline) helplineKey {
		k := keyOf(h, at)
		if ranked {
			k.score = cmp.Or(scores[h.ID], searchTiers[len(searchTiers)-1].score)
		}
		return k
	}
	var rows []helplineRow
	if err := q.Order("h.name, h.id").Scan(&rows).Error; err != nil {
		return page, internal("find helplines", err)
	}
	var until time.Time
	items := make([]models.Helpline, 0, len(rows))
	for i := range rows {
		h, err := rows[i].helpline(now)
		if err != nil {
			return page, err
		}
		h.OpenNow, h.NextChangeAt = h.Hours.State(at)
		// The order depends on whether each line is open, and open_now=true on it
		// too, so the whole list changes when any of them opens or closes.
		if t := h.NextChangeAt; t != nil && (until.IsZero() || t.Before(until)) {
			until = *t
		}
		if f.OpenNow && !h.OpenNow {
			continue
		}
		items = append(items, h)
	}
	slices.SortStableFunc(items, func(a, b models.Helpline) int {
		return compareHelplineKeys(key(&a), key(&b))
	})

	if after != nil {
		i, _ := slices.BinarySearchFunc(items, *after, func(h models.Helpline, k helplineKey) int {
			return compareHelplineKeys(key(&h), k)
		})
		for i < len(items) && compareHelplineKeys(key(&items[i]), *after) <= 0 {
			i++
		}
		items = items[i:]
	}
	if len(items) > limit {
		k := key(&items[limit-1])
		page.NextCursor = encodeCursor(k.cursor())
		items = items[:limit]
	}
	if err := loadHelplineRelations(ctx, db, items, f.Visibility, at); err != nil {
		return page, err
	}
	s.markDue(items, now)
	for i := range items {
		if t := items[i].Until(); !t.IsZero() && (until.IsZero() || t.Before(until)) {
			until = t
		}
	}
	page.Items, page.Until = items, until
	return page, nil
}

// helplineKey is a helpline's place in the ranked list.
type helplineKey struct {
	// score is the line's search score in the relevance order, 0 in the usual one.
	score int
	at    time.Time
	open  bool
	name  string
	id    int64
}

func keyOf(h *models.Helpline, at time.Time) helplineKey {
	return helplineKey{at: at, open: h.OpenNow, name: h.Name, id: h.ID}
}

func compareHelplineKeys(a, b helplineKey) int {
	if a.score != b.score {
		return cmp.Compare(b.score, a.score)
	}
	if a.open != b.open {
		if a.open {
			return -1
		}
		return 1
	}
	return cmp.Or(cmp.Compare(a.name, b.name), cmp.Compare(a.id, b.id))
}

func (k helplineKey) cursor() cursor {
	open := "0"
	if k.open {
		open = "1"
	}
	key := k.at.Format(time.RFC3339Nano) + "|" + open + "|" + k.name
	if k.score > 0 {
		return cursor{List: "helplines/relevance", Key: strconv.Itoa(k.score) + "|" + key, ID: k.id}
	}
	return cursor{List: "helplines", Key: key, ID: k.id}
}

// parseHelplineKey reads a cursor's key: with a score first in the relevance order
// (ranked).
func parseHelplineKey(c cursor, ranked bool) (helplineKey, error) {
	bad := models.BadParam("cursor", "not a cursor from this list; use next_cursor from a previous page")
	var score int
	if ranked {
		s, rest, _ := strings.Cut(c.Key, "|")
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return helplineKey{}, bad
		}
		score, c.Key = n, rest
	}
	parts := strings.SplitN(c.Key, "|", 3)
	if len(parts) != 3 {
		return helplineKey{}, bad
	}
	at, err := time.Parse(time.RFC3339Nano, parts[0])
	open, err2 := strconv.ParseBool(parts[1])
	if err != nil || err2 != nil {
		return helplineKey{}, bad
	}
	return helplineKey{score: score, at: at.UTC(), open: open, name: parts[2], id: c.ID}, nil
}

// FindHelpline returns one helpline by slug with open_now computed for at (zero: now).
// It returns ENOTFOUND, EMOVED for an old slug, or EBADPARAM naming at when at fails
// models.CheckAt.
func (s *Store) FindHelpline(ctx context.Context, slug string, at time.Time, v models.Visibility) (*models.Helpline, error) {
	ctx = readContext(ctx)
	db := s.reader.WithContext(ctx)
	now := s.now()
	if at.IsZero() {
		at = now
	} else if err := models.CheckAt("at", at, now); err != nil {
		return nil, err
	}
	var rows []helplineRow
	q := scope(db.Table("helplines h").Select(helplineColumns), "h", v, now).Where("h.slug = ?", slug)
	if err := q.Limit(1).Scan(&rows).Error; err != nil {
		return nil, internal("find helpline", err)
	}
	if len(rows) == 0 {
		return nil, s.missing(ctx, db, "helpline", "helplines", slug, v, now)
	}
	h, err := rows[0].helpline(now)
	if err != nil {
		return nil, err
	}
	h.OpenNow, h.NextChangeAt = h.Hours.State(at)
	items := []models.Helpline{h}
	if err := loadHelplineRelations(ctx, db, items, v, at); err != nil {
		return nil, err
	}
	s.markDue(items, now)
	return &items[0], nil
}

type contactRow struct {
	HelplineID   int64
	Type         string
	Label        string
	Value        string
	Display      string
	E164         string
	URI          string
	Cost         string
	Anonymous    bool
	Note         string
	OpeningHours *string
}

func loadHelplineRelations(ctx context.Context, db *gorm.DB, items []models.Helpline, v models.Visibility, at time.Time) error {
	if len(items) == 0 {
		return nil
	}
	ids := idsOf(items, func(h *models.Helpline) int64 { return h.ID })
	coverage, err := loadRefs(ctx, db, `SELECT x.helpline_id AS owner, r.slug, r.name FROM helpline_regions x
		JOIN regions r ON r.id = x.region_id WHERE x.helpline_id IN ? ORDER BY r.position, r.name`, ids)
	if err != nil {
		return err
	}
	topics, err := loadRefs(ctx, db, `SELECT x.helpline_id AS owner, t.slug, t.name FROM helpline_topics x
		JOIN topics t ON t.id = x.topic_id WHERE x.helpline_id IN ? AND t.kind = 'topic' ORDER BY t.name`, ids)
	if err != nil {
		return err
	}
	audiences, err := loadRefs(ctx, db, `SELECT x.helpline_id AS owner, t.slug, t.name FROM helpline_topics x
		JOIN topics t ON t.id = x.topic_id WHERE x.helpline_id IN ? AND t.kind = 'audience' ORDER BY t.name`, ids)
	if err != nil {
		return err
	}
	orgs, err := loadRefs(ctx, db, `SELECT h.id AS owner, o.slug, o.name FROM helplines h
		JOIN organisations o ON o.id = h.organisation_id WHERE h.id IN ? AND o.deleted_at IS NULL`, ids)
	if err != nil {
		return err
	}
	var crows []contactRow
	if err := db.Raw(`SELECT helpline_id, type, label, value, display, e164, uri, cost, anonymous, note, opening_hours
		FROM contacts WHERE helpline_id IN ? ORDER BY helpline_id, position`, ids).Scan(&crows).Error; err != nil {
		return internal("load contacts", err)
	}
	contacts := make(map[int64][]models.Contact)
	for _, r := range crows {
		c := models.Contact{Type: r.Type, Label: r.Label, Value: r.Value, Display: r.Display, E164: r.E164,
			URI: r.URI, Cost: r.Cost, Anonymous: r.Anonymous, Note: r.Note}
		if r.OpeningHours != nil && *r.OpeningHours != "" {
			var oh hours.Schedule
			if err := json.Unmarshal([]byte(*r.OpeningHours), &oh); err != nil {
				return internal("decode contact hours", err)
			}
			c.Hours = &oh
		}
		contacts[r.HelplineID] = append(contacts[r.HelplineID], c)
	}
	for i := range items {
		h := &items[i]
		h.Coverage = nonNil(coverage[h.ID])
		h.Topics = nonNil(topics[h.ID])
		h.Audiences = nonNil(audiences[h.ID])
		if o := orgs[h.ID]; len(o) > 0 {
			h.Organisation = &o[0]
		}
		h.Contacts = nonNil(contacts[h.ID])
		for j := range h.Contacts {
			c := &h.Contacts[j]
			hours := h.Hours
			if c.Hours != nil {
				hours = *c.Hours
			}
			c.OpenNow, c.NextChangeAt = hours.State(at)
		}
	}
	return nil
}

// markDue sets VerificationDue on helplines whose details were never checked or were
// last checked longer ago than the store's verification period.
func (s *Store) markDue(items []models.Helpline, now time.Time) {
	for i := range items {
		h := &items[i]
		h.VerificationDue = h.LastVerifiedAt == nil || now.Sub(*h.LastVerifiedAt) > s.verifyAfter
		h.DueAt = nil
		if !h.VerificationDue {
			// Due once more than verifyAfter has passed: the first nanosecond after it.
			t := h.LastVerifiedAt.Add(s.verifyAfter + time.Nanosecond)
			h.DueAt = &t
		}
	}
}

// HelplinesDue returns the helplines, published or not, whose details are due for
// checking, the longest unchecked first, with open_now computed for now.
func (s *Store) HelplinesDue(ctx context.Context) ([]models.Helpline, error) {
	ctx = readContext(ctx)
	db := s.reader.WithContext(ctx)
	now := s.now()
	var rows []helplineRow
	err := db.Table("helplines h").Select(helplineColumns).
		Where("h.deleted_at IS NULL AND (h.last_verified_at IS NULL OR h.last_verified_at < ?)", now.Add(-s.verifyAfter)).
		Order("h.last_verified_at IS NOT NULL, h.last_verified_at, h.name, h.id").Scan(&rows).Error
	if err != nil {
		return nil, internal("helplines due", err)
	}
	return s.helplinesFromRows(ctx, db, rows, models.Visibility{Editor: true}, now)
}

// Essentials returns the published lines a person may need with no network: the
// emergency lines and the lines that serve a whole country (their coverage holds a
// region with no parent), emergency first, then by name. It follows the data: any
// edit of a helpline changes it.
func (s *Store) Essentials(ctx context.Context) ([]models.Helpline, error) {
	ctx = readContext(ctx)
	db := s.reader.WithContext(ctx)
	now := s.now()
	var rows []helplineRow
	err := scope(db.Table("helplines h").Select(helplineColumns), "h", models.Visibility{}, now).
		Where(`(h.emergency OR EXISTS (SELECT 1 FROM helpline_regions x JOIN regions r ON r.id = x.region_id
			WHERE x.helpline_id = h.id AND r.parent_id IS NULL))`).
		Order("h.emergency DESC, h.name, h.id").Scan(&rows).Error
	if err != nil {
		return nil, internal("essentials", err)
	}
	return s.helplinesFromRows(ctx, db, rows, models.Visibility{}, now)
}

func (s *Store) helplinesFromRows(ctx context.Context, db *gorm.DB, rows []helplineRow, v models.Visibility, now time.Time) ([]models.Helpline, error) {
	items := make([]models.Helpline, 0, len(rows))
	for i := range rows {
		h, err := rows[i].helpline(now)
		if err != nil {
			return nil, err
		}
		h.OpenNow, h.NextChangeAt = h.Hours.State(now)
		items = append(items, h)
	}
	if err := loadHelplineRelations(ctx, db, items, v, now); err != nil {
		return nil, err
	}
	s.markDue(items, now)
	return items, nil
}

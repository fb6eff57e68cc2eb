package store

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"signpost/models"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// FailingAfter is how many failed attempts in a row mark a subscription failing.
const FailingAfter = 5

// maxWebhookURL bounds a target URL's length.
const maxWebhookURL = 2000

type webhookRow struct {
	ID                  int64
	URL                 string
	Events              string
	Types               string
	Regions             string
	Description         string
	Secret              string
	PreviousSecret      *string
	PreviousUntil       *time.Time
	Status              string
	FailureReason       *string
	FailingSince        *time.Time
	ConsecutiveFailures int
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

const webhookColumns = `id, url, events, types, regions, description, secret, previous_secret, previous_until, status,
	failure_reason, failing_since, consecutive_failures, created_at, updated_at`

func (r *webhookRow) webhook() models.Webhook {
	w := models.Webhook{ID: r.ID, URL: r.URL, Description: r.Description, Status: r.Status,
		ConsecutiveFailures: r.ConsecutiveFailures, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		PreviousUntil: utcPtr(r.PreviousUntil), FailingSince: utcPtr(r.FailingSince)}
	json.Unmarshal([]byte(r.Events), &w.Events)
	json.Unmarshal([]byte(r.Types), &w.Types)
	json.Unmarshal([]byte(r.Regions), &w.Regions)
	w.Events, w.Types, w.Regions = nonNil(w.Events), nonNil(w.Types), nonNil(w.Regions)
	if r.FailureReason != nil {
		w.FailureReason = *r.FailureReason
	}
	return w
}

// newSecret makes a signing secret in the Standard Webhooks form: whsec_ and 32
// random bytes in base64.
func newSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

// newMsgID makes a message id (the webhook-id header): random, so that it is never
// reused, even after old deliveries are gone.
func newMsgID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return "msg_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// checkWebhook checks a subscription's fields and normalises its lists. The target
// URL's safety (scheme, addresses) is checked by the caller, which knows the
// server's policy; here only its presence and length.
func checkWebhook(tx *gorm.DB, w *models.Webhook) error {
	var errs []models.FieldError
	fail := func(field, format string, args ...any) {
		errs = append(errs, models.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	switch {
	case strings.TrimSpace(w.URL) == "":
		fail("url", "is required")
	case len(w.URL) > maxWebhookURL:
		fail("url", "must be at most %d characters", maxWebhookURL)
	}
	if len(w.Events) == 0 {
		fail("events", "name at least one event type, such as helpline.updated, helpline.* or *")
	}
	if len(w.Events) > 50 {
		fail("events", "at most 50 event types")
	}
	for i, p := range w.Events {
		if msg := models.CheckEventPattern(p); msg != "" {
			fail(fmt.Sprintf("events[%d]", i), "%s", msg)
		}
	}
	for i, t := range w.Types {
		if !slices.Contains(models.ItemTypes, t) {
			fail(fmt.Sprintf("filters.types[%d]", i), "no such item type %q (article, helpline, campaign, organisation)", t)
		}
	}
	if len(w.Regions) > 0 {
		tree, err := loadRegionTree(tx.Statement.Context, tx)
		if err != nil {
			return err
		}
		for i, r := range w.Regions {
			if tree.bySlug[r] == nil {
				fail(fmt.Sprintf("filters.regions[%d]", i), "no such region: %q", r)
			}
		}
	}
	if len(w.Description) > 500 {
		fail("description", "must be at most 500 characters")
	}
	if err := models.Invalid(errs); err != nil {
		return err
	}
	dedupe := func(s []string) []string {
		s = slices.Clone(nonNil(s))
		slices.Sort(s)
		return slices.Compact(s)
	}
	w.Events, w.Types, w.Regions = dedupe(w.Events), dedupe(w.Types), dedupe(w.Regions)
	return nil
}

// CreateWebhook adds a subscription with a new signing secret, which it returns in
// Secret (the only time it is shown). It returns EINVALID with the field errors.
func (s *Store) CreateWebhook(ctx context.Context, w *models.Webhook) (*models.Webhook, error) {
	now := s.now()
	var out *models.Webhook
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := checkWebhook(tx, w); err != nil {
			return err
		}
		secret := newSecret()
		id, err := insertID(tx, `INSERT INTO webhooks (url, events, types, regions, description, secret, status, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?)`, w.URL, mustJSON(w.Events), mustJSON(w.Types), mustJSON(w.Regions),
			w.Description, secret, now, now)
		if err != nil {
			return err
		}
		if out, err = findWebhook(tx, id); err != nil {
			return err
		}
		out.Secret = secret
		return nil
	})
	return out, internal("create webhook", err)
}

func findWebhook(db *gorm.DB, id int64) (*models.Webhook, error) {
	var rows []webhookRow
	if err := db.Raw(`SELECT `+webhookColumns+` FROM webhooks WHERE id = ? AND deleted_at IS NULL`, id).Scan(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, models.Errorf(models.ENOTFOUND, "No webhook with id %d.", id)
	}
	w := rows[0].webhook()
	return &w, nil
}

// FindWebhook returns one subscription, without its secret. It returns ENOTFOUND.
func (s *Store) FindWebhook(ctx context.Context, id int64) (*models.Webhook, error) {
	w, err := findWebhook(s.reader.WithContext(readContext(ctx)), id)
	return w, internal("find webhook", err)
}

// FindWebhooks returns a page of subscriptions, oldest first, without their secrets.
// It returns EBADPARAM for a bad cursor or limit.
func (s *Store) FindWebhooks(ctx context.Context, cur string, limit int) (models.Page[models.Webhook], error) {
	var page models.Page[models.Webhook]
	limit, err := clampLimit(limit)
	if err != nil {
		return page, err
	}
	var after int64
	if cur != "" {
		c, err := decodeCursor(cur, "webhooks")
		if err != nil {
			return page, err
		}
		after = c.ID
	}
	var rows []webhookRow
	if err := s.reader.WithContext(readContext(ctx)).Raw(`SELECT `+webhookColumns+` FROM webhooks
		WHERE deleted_at IS NULL AND id > ? ORDER BY id LIMIT ?`, after, limit+1).Scan(&rows).Error; err != nil {
		return page, internal("find webhooks", err)
	}
	if len(rows) > limit {
		rows = rows[:limit]
		page.NextCursor = encodeCursor(cursor{List: "webhooks", ID: rows[limit-1].ID})
	}
	page.Items = make([]models.Webhook, len(rows))
	for i := range rows {
		page.Items[i] = rows[i].webhook()
	}
	return page, nil
}

// UpdateWebhook changes a subscription. It returns ENOTFOUND or EINVALID.
func (s *Store) UpdateWebhook(ctx context.Context, id int64, u models.WebhookUpdate) (*models.Webhook, error) {
	now := s.now()
	var out *models.Webhook
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		w, err := findWebhook(tx, id)
		if err != nil {
			return err
		}
		if u.URL != nil {
			w.URL = *u.URL
		}
		if u.Events != nil {
			w.Events = *u.Events
		}
		if u.Types != nil {
			w.Types = *u.Types
		}
		if u.Regions != nil {
			w.Regions = *u.Regions
		}
		if u.Description != nil {
			w.Description = *u.Description
		}
		if err := checkWebhook(tx, w); err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE webhooks SET url = ?, events = ?, types = ?, regions = ?, description = ?, updated_at = ? WHERE id = ?`,
			w.URL, mustJSON(w.Events), mustJSON(w.Types), mustJSON(w.Regions), w.Description, now, id).Error; err != nil {
			return err
		}
		out, err = findWebhook(tx, id)
		return err
	})
	return out, internal("update webhook", err)
}

// DeleteWebhook removes a subscription; its pending deliveries are dropped (marked
// failed). It returns ENOTFOUND.
func (s *Store) DeleteWebhook(ctx context.Context, id int64) error {
	now := s.now()
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if _, err := findWebhook(tx, id); err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE webhook_deliveries SET state = 'failed', last_error = 'the subscription was deleted',
			claimed_by = NULL, claimed_until = NULL WHERE webhook_id = ? AND state = 'pending'`, id).Error; err != nil {
			return err
		}
		return tx.Exec(`UPDATE webhooks SET deleted_at = ?, updated_at = ?, secret = '', previous_secret = NULL WHERE id = ?`, now, now, id).Error
	})
	return internal("delete webhook", err)
}

// RotateWebhookSecret gives a subscription a new signing secret, returned in Secret.
// For grace, messages are signed with both the new and the old secret, so that the
// receiver can switch at its own pace. It returns ENOTFOUND.
func (s *Store) RotateWebhookSecret(ctx context.Context, id int64, grace time.Duration) (*models.Webhook, error) {
	now := s.now()
	var out *models.Webhook
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if _, err := findWebhook(tx, id); err != nil {
			return err
		}
		secret := newSecret()
		if err := tx.Exec(`UPDATE webhooks SET previous_secret = secret, previous_until = ?, secret = ?, updated_at = ? WHERE id = ?`,
			now.Add(grace), secret, now, id).Error; err != nil {
			return err
		}
		var err error
		if out, err = findWebhook(tx, id); err != nil {
			return err
		}
		out.Secret = secret
		return nil
	})
	return out, internal("rotate webhook secret", err)
}

// subscription is what enqueueWebhooks needs of a subscription.
type subscription struct {
	ID      int64
	Events  string
	Types   string
	Regions string
}

// enqueueWebhooks puts the messages of one change into the outbox, inside the
// change's own transaction: one body for the change, rendered by Config.Event with
// the item in its public shape, and one delivery for each subscription that wants
// it. A subscription filtered by region gets the change when the item reaches one
// of its regions now or did when it was last announced, so that it learns of an
// item that leaves its region.
func (s *Store) enqueueWebhooks(tx *gorm.DB, c models.Change, itemID int64) error {
	ctx := tx.Statement.Context
	var subs []subscription
	if err := tx.Raw(`SELECT id, events, types, regions FROM webhooks WHERE deleted_at IS NULL ORDER BY id`).Scan(&subs).Error; err != nil {
		return err
	}
	reach, err := s.announceReach(tx, c.ItemType, itemID)
	if err != nil {
		return err
	}
	eventType := models.EventType(c.ItemType, c.Action)
	var matched []int64
	for _, sub := range subs {
		var events, types, regions []string
		json.Unmarshal([]byte(sub.Events), &events)
		json.Unmarshal([]byte(sub.Types), &types)
		json.Unmarshal([]byte(sub.Regions), &regions)
		if !models.MatchEvent(events, eventType) || (len(types) > 0 && !slices.Contains(types, c.ItemType)) {
			continue
		}
		if len(regions) > 0 && !slices.ContainsFunc(regions, func(r string) bool { return slices.Contains(reach, r) }) {
			continue
		}
		matched = append(matched, sub.ID)
	}
	if len(matched) == 0 {
		return nil
	}
	if s.event == nil {
		return errors.New("store: a webhook wants this change, and Config.Event is not set")
	}
	var item any
	if !c.Tombstone {
		if item, err = s.loadPublic(ctx, tx, c.ItemType, itemID, c.At); err != nil {
			return err
		}
	}
	body, err := s.event(c, item)
	if err != nil {
		return err
	}
	eventID, err := insertID(tx, `INSERT INTO webhook_events (change_id, event_type, body, created_at) VALUES (?, ?, ?, ?)`,
		c.ID, eventType, string(body), c.At)
	if err != nil {
		return err
	}
	key := fmt.Sprintf("%s:%d", c.ItemType, itemID)
	for _, id := range matched {
		if _, err := insertDelivery(tx, id, eventID, key, c.At); err != nil {
			return err
		}
	}
	return nil
}

func insertDelivery(tx *gorm.DB, webhookID, eventID int64, itemKey string, now time.Time) (int64, error) {
	return insertID(tx, `INSERT INTO webhook_deliveries (webhook_id, event_id, msg_id, item_key, state, attempts, next_attempt_at, created_at)
		VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)`, webhookID, eventID, newMsgID(), itemKey, now, now)
}

// announceReach returns the region slugs an item reaches now or reached when it was
// last announced, and records the ones it reaches now. What "reach" means follows
// each type's list filter: a helpline reaches the regions it covers and every region
// inside them (a UK-wide line serves Cumbria); an article its regions and every
// region above them (a Cumbria article is news in England); a campaign both.
// Organisations have no region.
func (s *Store) announceReach(tx *gorm.DB, itemType string, id int64) ([]string, error) {
	var table, col string
	switch itemType {
	case "helpline":
		table, col = "helpline_regions", "helpline_id"
	case "article":
		table, col = "article_regions", "article_id"
	case "campaign":
		table, col = "campaign_regions", "campaign_id"
	default:
		return nil, nil
	}
	var ids []int64
	if err := tx.Raw(`SELECT region_id FROM `+table+` WHERE `+col+` = ?`, id).Scan(&ids).Error; err != nil {
		return nil, err
	}
	tree, err := loadRegionTree(tx.Statement.Context, tx)
	if err != nil {
		return nil, err
	}
	var now []string
	for _, rid := range ids {
		var near []int64
		switch itemType {
		case "helpline":
			near = tree.descendantsAndSelf(rid)
		case "article":
			near = tree.ancestorsAndSelf(rid)
		default:
			near = append(tree.ancestorsAndSelf(rid), tree.descendantsAndSelf(rid)...)
		}
		for _, n := range near {
			if r := tree.byID[n]; r != nil && !slices.Contains(now, r.Slug) {
				now = append(now, r.Slug)
			}
		}
	}
	slices.Sort(now)
	var before []string
	if err := tx.Raw(`SELECT regions FROM webhook_item_regions WHERE item_type = ? AND item_id = ?`, itemType, id).Scan(&before).Error; err != nil {
		return nil, err
	}
	if err := tx.Exec(`INSERT INTO webhook_item_regions (item_type, item_id, regions) VALUES (?, ?, ?)
		ON CONFLICT (item_type, item_id) DO UPDATE SET regions = excluded.regions`, itemType, id, mustJSON(nonNil(now))).Error; err != nil {
		return nil, err
	}
	reach := slices.Clone(now)
	if len(before) > 0 {
		var old []string
		json.Unmarshal([]byte(before[0]), &old)
		for _, r := range old {
			if !slices.Contains(reach, r) {
				reach = append(reach, r)
			}
		}
	}
	return reach, nil
}

// loadPublic reads an item inside a transaction as the public reads it at now: what
// the API's public GET of the item would show.
func (s *Store) loadPublic(ctx context.Context, tx *gorm.DB, itemType string, id int64, now time.Time) (any, error) {
	public := models.Visibility{}
	switch itemType {
	case "article":
		sel, args := articleSelectOn(tx, public, now)
		rows, err := scanArticleRows(scope(tx.Table("articles a").Select(sel, args...), "a", public, now).Where("a.id = ?", id), 1)
		if err != nil {
			return nil, err
		}
		if len(rows) == 0 {
			return nil, fmt.Errorf("store: article %d is not public", id)
		}
		a, err := rows[0].article(now)
		if err != nil {
			return nil, err
		}
		if err := loadArticleBody(ctx, tx, &a); err != nil {
			return nil, err
		}
		return &a, nil
	case "helpline":
		var rows []helplineRow
		if err := scope(tx.Table("helplines h").Select(helplineColumns), "h", public, now).Where("h.id = ?", id).Scan(&rows).Error; err != nil {
			return nil, err
		}
		if len(rows) == 0 {
			return nil, fmt.Errorf("store: helpline %d is not public", id)
		}
		h, err := rows[0].helpline(now)
		if err != nil {
			return nil, err
		}
		h.OpenNow, h.NextChangeAt = h.Hours.State(now)
		items := []models.Helpline{h}
		if err := loadHelplineRelations(ctx, tx, items, public, now); err != nil {
			return nil, err
		}
		s.markDue(items, now)
		return &items[0], nil
	case "campaign":
		var rows []campaignRow
		if err := scope(tx.Table("campaigns c").Select(campaignColumns), "c", public, now).Where("c.id = ?", id).Scan(&rows).Error; err != nil {
			return nil, err
		}
		if len(rows) == 0 {
			return nil, fmt.Errorf("store: campaign %d is not public", id)
		}
		c, err := rows[0].campaign(now)
		if err != nil {
			return nil, err
		}
		items := []models.Campaign{c}
		if err := loadCampaignRelations(ctx, tx, items, public, now, true); err != nil {
			return nil, err
		}
		return &items[0], nil
	case "organisation":
		return loadOrganisation(ctx, tx, id, now)
	}
	return nil, fmt.Errorf("store: no item type %q", itemType)
}

// EnqueueTest puts a test message (event type webhook.test) for one subscription in
// the outbox and returns its delivery. body renders the message from the delivery's
// subscription id and time. It returns ENOTFOUND.
func (s *Store) EnqueueTest(ctx context.Context, webhookID int64, body func(webhookID int64, at time.Time) ([]byte, error)) (*models.Delivery, error) {
	now := s.now()
	var deliveryID int64
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if _, err := findWebhook(tx, webhookID); err != nil {
			return err
		}
		b, err := body(webhookID, now)
		if err != nil {
			return err
		}
		eventID, err := insertID(tx, `INSERT INTO webhook_events (change_id, event_type, body, created_at) VALUES (NULL, ?, ?, ?)`,
			models.EventTest, string(b), now)
		if err != nil {
			return err
		}
		deliveryID, err = insertDelivery(tx, webhookID, eventID, fmt.Sprintf("test:%d", eventID), now)
		return err
	})
	if err != nil {
		return nil, internal("enqueue test", err)
	}
	return s.FindDelivery(ctx, webhookID, deliveryID)
}

// Redeliver sends a delivery again, with the same webhook-id and body, on a fresh
// schedule. It returns ENOTFOUND, or ECONFLICT while the delivery is still pending.
func (s *Store) Redeliver(ctx context.Context, webhookID, deliveryID int64) (*models.Delivery, error) {
	now := s.now()
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if _, err := findWebhook(tx, webhookID); err != nil {
			return err
		}
		var states []string
		if err := tx.Raw(`SELECT state FROM webhook_deliveries WHERE id = ? AND webhook_id = ?`, deliveryID, webhookID).Scan(&states).Error; err != nil {
			return err
		}
		if len(states) == 0 {
			return models.Errorf(models.ENOTFOUND, "Webhook %d has no delivery %d.", webhookID, deliveryID)
		}
		if states[0] == models.DeliveryPending {
			return models.Errorf(models.ECONFLICT, "Delivery %d is still pending: it will be attempted again by itself.", deliveryID)
		}
		return tx.Exec(`UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_at = ?, claimed_by = NULL,
			claimed_until = NULL, delivered_at = NULL WHERE id = ?`, now, deliveryID).Error
	})
	if err != nil {
		return nil, internal("redeliver", err)
	}
	return s.FindDelivery(ctx, webhookID, deliveryID)
}

type deliveryRow struct {
	ID            int64
	WebhookID     int64
	MsgID         string
	EventType     string
	ChangeID      *int64
	State         string
	Attempts      int
	NextAttemptAt time.Time
	LastStatus    *int
	LastError     *string
	CreatedAt     time.Time
	DeliveredAt   *time.Time
}

const deliveryColumns = `d.id, d.webhook_id, d.msg_id, e.event_type, e.change_id, d.state, d.attempts, d.next_attempt_at,
	d.last_status, d.last_error, d.created_at, d.delivered_at`

func (r *deliveryRow) delivery() models.Delivery {
	d := models.Delivery{ID: r.ID, WebhookID: r.WebhookID, MsgID: r.MsgID, EventType: r.EventType, ChangeID: r.ChangeID,
		State: r.State, AttemptCount: r.Attempts, LastStatus: r.LastStatus, CreatedAt: r.CreatedAt.UTC(),
		DeliveredAt: utcPtr(r.DeliveredAt), Attempts: []models.Attempt{}}
	if r.State == models.DeliveryPending {
		t := r.NextAttemptAt.UTC()
		d.NextAttemptAt = &t
	}
	if r.LastError != nil {
		d.LastError = *r.LastError
	}
	return d
}

// attemptsShown is how many attempts of each delivery the log shows, the latest.
const attemptsShown = 20

func loadAttempts(db *gorm.DB, ds []models.Delivery) error {
	for i := range ds {
		var rows []struct {
			At         time.Time
			StatusCode *int
			DurationMs int64
			Error      *string
			Response   *string
		}
		if err := db.Raw(`SELECT at, status_code, duration_ms, error, response FROM webhook_attempts
			WHERE delivery_id = ? ORDER BY id DESC LIMIT ?`, ds[i].ID, attemptsShown).Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			a := models.Attempt{At: r.At.UTC(), StatusCode: r.StatusCode, Duration: time.Duration(r.DurationMs) * time.Millisecond}
			if r.Error != nil {
				a.Error = *r.Error
			}
			if r.Response != nil {
				a.Response = *r.Response
			}
			ds[i].Attempts = append(ds[i].Attempts, a)
		}
	}
	return nil
}

// FindDelivery returns one delivery of a subscription with its latest attempts. It
// returns ENOTFOUND.
func (s *Store) FindDelivery(ctx context.Context, webhookID, deliveryID int64) (*models.Delivery, error) {
	db := s.reader.WithContext(readContext(ctx))
	var rows []deliveryRow
	if err := db.Raw(`SELECT `+deliveryColumns+` FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
		WHERE d.id = ? AND d.webhook_id = ?`, deliveryID, webhookID).Scan(&rows).Error; err != nil {
		return nil, internal("find delivery", err)
	}
	if len(rows) == 0 {
		return nil, models.Errorf(models.ENOTFOUND, "Webhook %d has no delivery %d.", webhookID, deliveryID)
	}
	ds := []models.Delivery{rows[0].delivery()}
	if err := loadAttempts(db, ds); err != nil {
		return nil, internal("find delivery", err)
	}
	return &ds[0], nil
}

// Deliveries returns a page of a subscription's deliveries, newest first, each with
// its latest attempts. It returns ENOTFOUND, or EBADPARAM for a bad cursor or limit.
func (s *Store) Deliveries(ctx context.Context, f models.DeliveryFilter) (models.Page[models.Delivery], error) {
	var page models.Page[models.Delivery]
	limit, err := clampLimit(f.Limit)
	if err != nil {
		return page, err
	}
	before := int64(1<<63 - 1)
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor, "deliveries")
		if err != nil {
			return page, err
		}
		before = c.ID
	}
	db := s.reader.WithContext(readContext(ctx))
	if _, err := findWebhook(db, f.WebhookID); err != nil {
		return page, internal("deliveries", err)
	}
	var rows []deliveryRow
	if err := db.Raw(`SELECT `+deliveryColumns+` FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
		WHERE d.webhook_id = ? AND d.id < ? ORDER BY d.id DESC LIMIT ?`, f.WebhookID, before, limit+1).Scan(&rows).Error; err != nil {
		return page, internal("deliveries", err)
	}
	if len(rows) > limit {
		rows = rows[:limit]
		page.NextCursor = encodeCursor(cursor{List: "deliveries", ID: rows[limit-1].ID})
	}
	page.Items = make([]models.Delivery, len(rows))
	for i := range rows {
		page.Items[i] = rows[i].delivery()
	}
	if err := loadAttempts(db, page.Items); err != nil {
		return page, internal("deliveries", err)
	}
	return page, nil
}

type outboundRow struct {
	ID             int64
	WebhookID      int64
	MsgID          string
	URL            string
	EventType      string
	Body           string
	Secret         string
	PreviousSecret *string
	PreviousUntil  *time.Time
	Attempts       int
	ClaimedBy      string
}

// claimable is the condition of a delivery that may be claimed at ?: pending, due,
// not leased to anyone, of a live subscription, and with no earlier pending delivery
// of the same item to the same subscription (messages of one item go in order).
const claimable = `d.state = 'pending' AND d.next_attempt_at <= ? AND (d.claimed_until IS NULL OR d.claimed_until <= ?)
	AND EXISTS (SELECT 1 FROM webhooks w WHERE w.id = d.webhook_id AND w.deleted_at IS NULL)
	AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.webhook_id = d.webhook_id AND p.item_key = d.item_key
		AND p.state = 'pending' AND p.id < d.id)`

// ClaimDeliveries leases up to limit due deliveries to the claimant by for lease,
// counts the attempt, and returns them ready to send. The claim is one UPDATE, so
// two instances on one database never claim the same delivery: the second one's
// statement sees the first one's lease. On PostgreSQL, whose writers run at once,
// the inner SELECT takes FOR UPDATE SKIP LOCKED (skipLocked): instances skip the
// rows another is claiming, and a row claimed since the statement began is checked
// again as it now stands, so it is never claimed twice. The lease must outlast an attempt; an instance that dies
// holding one leaves its deliveries to be claimed again when the lease ends.
func (s *Store) ClaimDeliveries(ctx context.Context, by string, lease time.Duration, limit int) ([]models.Outbound, error) {
	now := s.now()
	token := by + "/" + newMsgID()[4:]
	db := s.writer.WithContext(ctx)
	res := db.Exec(`UPDATE webhook_deliveries SET claimed_by = ?, claimed_until = ?, attempts = attempts + 1
		WHERE id IN (SELECT d.id FROM webhook_deliveries d WHERE `+claimable+` ORDER BY d.next_attempt_at, d.id LIMIT ?`+s.skipLocked("d")+`)`,
		token, now.Add(lease), now, now, limit)
	if res.Error != nil {
		return nil, internal("claim deliveries", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, nil
	}
	return s.claimed(ctx, token, now)
}

// ClaimDelivery leases one delivery of a subscription, when it can be claimed now,
// as ClaimDeliveries does; nil when it cannot (not due, delivered, or leased).
func (s *Store) ClaimDelivery(ctx context.Context, webhookID, deliveryID int64, by string, lease time.Duration) (*models.Outbound, error) {
	now := s.now()
	token := by + "/" + newMsgID()[4:]
	res := s.writer.WithContext(ctx).Exec(`UPDATE webhook_deliveries SET claimed_by = ?, claimed_until = ?, attempts = attempts + 1
		WHERE id IN (SELECT d.id FROM webhook_deliveries d WHERE d.id = ? AND d.webhook_id = ? AND `+claimable+s.skipLocked("d")+`)`,
		token, now.Add(lease), deliveryID, webhookID, now, now)
	if res.Error != nil {
		return nil, internal("claim delivery", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, nil
	}
	out, err := s.claimed(ctx, token, now)
	if err != nil || len(out) == 0 {
		return nil, err
	}
	return &out[0], nil
}

func (s *Store) claimed(ctx context.Context, token string, now time.Time) ([]models.Outbound, error) {
	var rows []outboundRow
	if err := s.writer.WithContext(ctx).Raw(`SELECT d.id, d.webhook_id, d.msg_id, w.url, e.event_type, e.body, w.secret,
		w.previous_secret, w.previous_until, d.attempts, d.claimed_by
		FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id JOIN webhooks w ON w.id = d.webhook_id
		WHERE d.claimed_by = ? ORDER BY d.id`, token).Scan(&rows).Error; err != nil {
		return nil, internal("claimed deliveries", err)
	}
	out := make([]models.Outbound, len(rows))
	for i, r := range rows {
		secrets := []string{r.Secret}
		if r.PreviousSecret != nil && r.PreviousUntil != nil && now.Before(*r.PreviousUntil) {
			secrets = append(secrets, *r.PreviousSecret)
		}
		out[i] = models.Outbound{DeliveryID: r.ID, WebhookID: r.WebhookID, MsgID: r.MsgID, URL: r.URL, EventType: r.EventType,
			Body: []byte(r.Body), Secrets: secrets, Attempt: r.Attempts, ClaimedBy: r.ClaimedBy}
	}
	return out, nil
}

// maxResponseStored is how much of an answer's body the log keeps.
const maxResponseStored = 1024

// RecordAttempt logs an attempt and settles its delivery: delivered, due again at
// NextAttemptAt, or failed when the schedule is spent. The delivery changes only
// while the claim is still its holder's. A subscription is marked failing, with the
// reason, after FailingAfter failed attempts in a row, and active again after a
// success.
func (s *Store) RecordAttempt(ctx context.Context, r models.AttemptResult) error {
	resp := r.Response
	if len(resp) > maxResponseStored {
		resp = strings.ToValidUTF8(resp[:maxResponseStored], "")
	}
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO webhook_attempts (delivery_id, at, status_code, duration_ms, error, response, instance)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, r.DeliveryID, r.At, r.StatusCode, r.Duration.Milliseconds(), nullString(r.Error),
			nullString(resp), r.Instance).Error; err != nil {
			return err
		}
		var res *gorm.DB
		switch {
		case r.Delivered:
			res = tx.Exec(`UPDATE webhook_deliveries SET state = 'delivered', delivered_at = ?, last_status = ?, last_error = NULL,
				claimed_by = NULL, claimed_until = NULL WHERE id = ? AND claimed_by = ?`, r.At, r.StatusCode, r.DeliveryID, r.ClaimedBy)
		case r.NextAttemptAt != nil:
			res = tx.Exec(`UPDATE webhook_deliveries SET next_attempt_at = ?, last_status = ?, last_error = ?,
				claimed_by = NULL, claimed_until = NULL WHERE id = ? AND claimed_by = ?`, r.NextAttemptAt.UTC(), r.StatusCode, r.Error,
				r.DeliveryID, r.ClaimedBy)
		default:
			res = tx.Exec(`UPDATE webhook_deliveries SET state = 'failed', last_status = ?, last_error = ?,
				claimed_by = NULL, claimed_until = NULL WHERE id = ? AND claimed_by = ?`, r.StatusCode, r.Error, r.DeliveryID, r.ClaimedBy)
		}
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return nil // the lease ran out and the delivery is someone else's now
		}
		if r.Delivered {
			return tx.Exec(`UPDATE webhooks SET consecutive_failures = 0, status = 'active', failure_reason = NULL, failing_since = NULL
				WHERE id = ?`, r.WebhookID).Error
		}
		return tx.Exec(`UPDATE webhooks SET consecutive_failures = consecutive_failures + 1,
			status = CASE WHEN consecutive_failures + 1 >= ? THEN 'failing' ELSE status END,
			failing_since = CASE WHEN consecutive_failures + 1 >= ? AND failing_since IS NULL THEN ? ELSE failing_since END,
			failure_reason = CASE WHEN consecutive_failures + 1 >= ? THEN ? ELSE failure_reason END
			WHERE id = ?`, FailingAfter, FailingAfter, r.At, FailingAfter, r.Error, r.WebhookID).Error
	})
	return internal("record attempt", err)
}

// WebhookQueue returns the number of pending deliveries and when the oldest was made.
func (s *Store) WebhookQueue(ctx context.Context) (models.WebhookQueue, error) {
	var q models.WebhookQueue
	var row struct {
		N      int64
		Oldest *string
	}
	if err := s.reader.WithContext(readContext(ctx)).Raw(`SELECT COUNT(*) AS n, MIN(created_at) AS oldest
		FROM webhook_deliveries WHERE state = 'pending'`).Scan(&row).Error; err != nil {
		return q, internal("webhook queue", err)
	}
	q.Pending = row.N
	if row.Oldest != nil {
		if t, err := parseStoredTime(*row.Oldest); err == nil {
			q.OldestPending = &t
		}
	}
	return q, nil
}

// ChangeCursor returns the resume cursor of a change: a client that passes it as
// since gets the changes after it.
func (s *Store) ChangeCursor(seq int64) string {
	return encodeCursor(cursor{List: "changes", ID: seq})
}

// LatestChange returns the seq of the newest change (0 for none).
func (s *Store) LatestChange(ctx context.Context) (int64, error) {
	var ids []int64
	if err := s.reader.WithContext(ctx).Raw(`SELECT COALESCE(MAX(id), 0) FROM changes`).Scan(&ids).Error; err != nil {
		return 0, internal("latest change", err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	return ids[0], nil
}

// PruneDeliveries removes the deliveries made before t that are settled (delivered
// or failed), with their attempts, and the message bodies no delivery needs any
// more, so that the outbox does not grow without end. It returns how many
// deliveries it removed.
func (s *Store) PruneDeliveries(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		old := `SELECT id FROM webhook_deliveries WHERE state <> 'pending' AND created_at < ?`
		if err := tx.Exec(`DELETE FROM webhook_attempts WHERE delivery_id IN (`+old+`)`, before.UTC()).Error; err != nil {
			return err
		}
		res := tx.Exec(`DELETE FROM webhook_deliveries WHERE id IN (`+old+`)`, before.UTC())
		if res.Error != nil {
			return res.Error
		}
		n = res.RowsAffected
		return tx.Exec(`DELETE FROM webhook_events WHERE NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id)`).Error
	})
	return n, internal("prune deliveries", err)
}

package models

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Webhook event types are "<item type>.<what happened>", one for each action of the
// changes feed: helpline.created, article.published, campaign.deleted, …
var eventVerbs = map[string]string{
	ChangeCreate: "created", ChangeUpdate: "updated", ChangePublish: "published", ChangeUnpublish: "unpublished",
	ChangeArchive: "archived", ChangeDelete: "deleted", ChangeMove: "moved",
}

// EventTest is the type of the test message an administrator can send.
const EventTest = "webhook.test"

// EventType is the webhook event type of a change: "helpline.updated" for an update
// of a helpline.
func EventType(itemType, action string) string {
	return itemType + "." + eventVerbs[action]
}

// CheckEventPattern reports what is wrong with an event type pattern, or "" when
// it is valid: an event type (helpline.updated), a type with any event
// (helpline.*), an event of any type (*.deleted), or "*" for all.
func CheckEventPattern(p string) string {
	if p == "*" {
		return ""
	}
	typ, verb, ok := strings.Cut(p, ".")
	if !ok {
		return fmt.Sprintf("%q is not an event type such as helpline.updated, helpline.* or *.deleted", p)
	}
	if typ != "*" && !slices.Contains(ItemTypes, typ) {
		return fmt.Sprintf("%q: no such item type %q (article, helpline, campaign, organisation or *)", p, typ)
	}
	if verb != "*" {
		known := false
		for _, v := range eventVerbs {
			known = known || v == verb
		}
		if !known {
			return fmt.Sprintf("%q: no such event %q (created, updated, published, unpublished, archived, deleted, moved or *)", p, verb)
		}
	}
	return ""
}

// MatchEvent reports whether an event type matches any of the patterns.
func MatchEvent(patterns []string, eventType string) bool {
	typ, verb, _ := strings.Cut(eventType, ".")
	for _, p := range patterns {
		pt, pv, _ := strings.Cut(p, ".")
		if p == "*" || (pt == "*" || pt == typ) && (pv == "*" || pv == verb) {
			return true
		}
	}
	return false
}

// Webhook states: failing after a run of failed attempts, active again after the
// next success.
const (
	WebhookActive  = "active"
	WebhookFailing = "failing"
)

// Webhook is a subscription: where to send which events, and the secret they are
// signed with.
type Webhook struct {
	ID          int64
	URL         string
	Events      []string // event type patterns
	Types       []string // item types; empty for all
	Regions     []string // region slugs; empty for all
	Description string
	// Secret is the signing secret (whsec_…). The store returns it only from
	// CreateWebhook and RotateWebhookSecret.
	Secret string
	// PreviousUntil is when the secret before the last rotation stops being used
	// (nil when there is none).
	PreviousUntil       *time.Time
	Status              string
	FailureReason       string
	FailingSince        *time.Time
	ConsecutiveFailures int
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// WebhookUpdate changes a subscription; nil fields stay as they are.
type WebhookUpdate struct {
	URL         *string
	Events      *[]string
	Types       *[]string
	Regions     *[]string
	Description *string
}

// Delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed" // every attempt of the schedule failed
)

// Delivery is one message to one subscription and what became of it.
type Delivery struct {
	ID            int64
	WebhookID     int64
	MsgID         string // the webhook-id header
	EventType     string
	ChangeID      *int64 // the changes feed's seq; nil for a test message
	State         string
	AttemptCount  int
	NextAttemptAt *time.Time // nil unless pending
	LastStatus    *int
	LastError     string
	CreatedAt     time.Time
	DeliveredAt   *time.Time
	Attempts      []Attempt // the latest first
}

// Attempt is one try at sending a delivery.
type Attempt struct {
	At         time.Time
	StatusCode *int // nil when no HTTP answer came
	Duration   time.Duration
	Error      string
	Response   string // the first bytes of the answer's body
}

// DeliveryFilter selects a page of a subscription's deliveries, newest first.
type DeliveryFilter struct {
	WebhookID int64
	Cursor    string
	Limit     int
}

// Outbound is a claimed delivery, ready to send.
type Outbound struct {
	DeliveryID int64
	WebhookID  int64
	MsgID      string
	URL        string
	EventType  string
	Body       []byte
	// Secrets sign the message: the current one, and the previous one while its
	// grace period lasts.
	Secrets []string
	// Attempt is this attempt's number, from 1.
	Attempt int
	// ClaimedBy is the claim's token: only its holder may record the result.
	ClaimedBy string
}

// AttemptResult is the outcome of sending an Outbound.
type AttemptResult struct {
	Outbound
	At         time.Time
	StatusCode *int
	Duration   time.Duration
	Error      string
	Response   string
	Delivered  bool
	// NextAttemptAt is when to try again after a failure; nil when this was the
	// last attempt of the schedule.
	NextAttemptAt *time.Time
	// Instance names the process that made the attempt, for the log.
	Instance string
}

// WebhookQueue describes the outbox, for metrics.
type WebhookQueue struct {
	Pending       int64
	OldestPending *time.Time // when the oldest pending delivery was made
}

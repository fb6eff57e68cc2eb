package models

import (
	"time"

	"signpost/models/hours"
)

// Publication states of content.
const (
	StatusDraft     = "draft"
	StatusScheduled = "scheduled"
	StatusPublished = "published"
	StatusArchived  = "archived"
)

// EffectiveStatus is the publication state as of now. A scheduled item goes live
// when its time comes without any job rewriting its row, so the stored state stays
// "scheduled"; readers (the public, editors, the audit log) must see "published" from
// that moment on, as the visibility rule of visibleSQL already does.
func EffectiveStatus(status string, publishedAt *time.Time, now time.Time) string {
	if status == StatusScheduled && publishedAt != nil && !publishedAt.After(now) {
		return StatusPublished
	}
	return status
}

// Ref is the short form of a related item: its slug and name.
type Ref struct {
	Slug string
	Name string
}

// Outcome is one measured result of an article or campaign. Value is nil when the
// source gives no count (e.g. "a number of devices seized").
type Outcome struct {
	Metric string
	Label  string
	Value  *int64
	Note   string
}

// Source says where an article first appeared.
type Source struct {
	Publisher   *Ref
	URL         string
	Attribution string
	// PublishedOn is the original report's date (YYYY-MM-DD), "" when not known.
	PublishedOn string
}

// Image is an article's picture.
type Image struct {
	URL    string
	Alt    string
	Credit string
}

// Article is a news item about safeguarding work.
type Article struct {
	ID           int64
	Slug         string
	Title        string
	Summary      string
	BodyMarkdown string
	BodyHTML     string
	BodyText     string
	Status       string
	PublishAt    *time.Time
	PublishedAt  *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Source       Source
	Image        Image
	Regions      []Ref
	Topics       []Ref
	Campaigns    []Ref
	// ReportsWorkFor are the campaigns, among Campaigns, whose own work the article
	// reports: its outcomes count in their totals, and in no other campaign's.
	ReportsWorkFor []Ref
	Helplines      []Ref
	Organisations  []Ref
	Outcomes       []Outcome
	Version        int64
}

// Contact is one way to reach a helpline.
type Contact struct {
	Type      string // phone, textphone, sms, webchat, email, web
	Label     string
	Value     string
	Display   string
	E164      string
	URI       string
	Cost      string
	Anonymous bool
	Note      string
	// Hours are the channel's own hours; nil means the helpline's hours apply.
	Hours *hours.Schedule
	// OpenNow and NextChangeAt are computed for the moment of the request from the
	// channel's own hours or, where it has none, the helpline's.
	OpenNow      bool
	NextChangeAt *time.Time
}

// Helpline is a service people can contact for help or to report.
type Helpline struct {
	ID                  int64
	Slug                string
	Name                string
	Organisation        *Ref
	Description         string
	Website             string
	Topics              []Ref
	Audiences           []Ref
	Coverage            []Ref
	Contacts            []Contact
	Hours               hours.Schedule
	Emergency           bool
	Anonymous           bool
	Confidential        bool
	ConfidentialityNote string
	Languages           []string
	Interpreters        string
	// Keywords are search terms kept by editors, in the words people in need use
	// ("am I a paedophile"): indexed for search, never shown to the public.
	Keywords       []string
	LastVerifiedAt *time.Time
	Status         string
	PublishAt      *time.Time
	PublishedAt    *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
	Version        int64
	// OpenNow and NextChangeAt are computed for the moment of the request from the
	// helpline's own hours (those of its main line).
	OpenNow      bool
	NextChangeAt *time.Time
	// VerificationDue is true when LastVerifiedAt is unknown or older than the
	// store's verification period.
	VerificationDue bool
	// DueAt is when VerificationDue becomes true; nil when it already is.
	DueAt *time.Time
}

// Until is when what is shown of the helpline stops being right as time passes:
// the next opening or closing of the line or one of its channels, or the moment its
// details become due for checking; zero for never.
func (h *Helpline) Until() time.Time {
	var until time.Time
	earlier := func(t *time.Time) {
		if t != nil && (until.IsZero() || t.Before(until)) {
			until = *t
		}
	}
	earlier(h.NextChangeAt)
	earlier(h.DueAt)
	for i := range h.Contacts {
		earlier(h.Contacts[i].NextChangeAt)
	}
	return until
}

// Campaign ties helplines and articles together.
type Campaign struct {
	ID        int64
	Slug      string
	Name      string
	Summary   string
	Organiser *Ref
	Partners  []Ref
	Scope     string // local, regional, national
	StartsOn  string // YYYY-MM-DD, "" when not known
	EndsOn    string
	Hashtags  []string
	Regions   []Ref
	Helplines []Ref
	Outcomes  []Outcome
	// Totals are the sums of the outcomes of the published articles that report the
	// campaign's work (Article.ReportsWorkFor), for every metric the campaign does
	// not state itself.
	Totals      []Outcome
	Articles    []ArticleRef // latest published articles; filled on the item only
	Status      string       // publication state
	PublishAt   *time.Time
	PublishedAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Version     int64
}

// ArticleRef is the short form of an article in a campaign.
type ArticleRef struct {
	Slug        string
	Title       string
	PublishedAt time.Time
}

// Campaign periods, derived from the dates.
const (
	PeriodUpcoming = "upcoming"
	PeriodActive   = "active"
	PeriodEnded    = "ended"
	PeriodUnknown  = "unknown"
)

// Period derives whether the campaign is upcoming, active or ended on the given day.
// A campaign without a start date is "unknown" unless its end date has passed.
func (c *Campaign) Period(now time.Time) string {
	today := now.UTC().Format(time.DateOnly)
	switch {
	case c.EndsOn != "" && c.EndsOn < today:
		return PeriodEnded
	case c.StartsOn != "" && c.StartsOn > today:
		return PeriodUpcoming
	case c.StartsOn != "":
		return PeriodActive
	default:
		return PeriodUnknown
	}
}

// Organisation publishes articles, runs helplines, organises or funds campaigns.
type Organisation struct {
	ID          int64
	Slug        string
	Name        string
	Kind        string // police, charity, government, media, other
	URL         string
	Description string
	Parent      *Ref
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Version     int64
}

// Region is a node of the region tree.
type Region struct {
	ID       int64
	Slug     string
	Name     string
	Kind     string
	Parent   *Ref
	Children []Ref
}

// Topic is a term of the controlled vocabulary: a topic or an audience.
type Topic struct {
	Slug        string
	Name        string
	Kind        string
	Description string
}

// Page is one page of a list with the cursor to the next, "" at the end.
type Page[T any] struct {
	Items      []T
	NextCursor string
	// Until is when the page stops being right by itself, as time passes (a line
	// opens or closes); zero when only a write can change it.
	Until time.Time
}

// SearchHit is one result of a search.
type SearchHit struct {
	Type string
	Slug string
	// Title is the plain title (a helpline's or campaign's name).
	Title string
	// Snippet is HTML: escaped text with the matched words in <mark> elements.
	Snippet     string
	Score       float64
	PublishedAt *time.Time
}

// Rendered is an item in the API's JSON, made by the store's renderer and kept
// ready to send.
type Rendered struct {
	JSON    []byte
	Slug    string
	Version int64
	// ChangedAt is when the JSON last changed (an item's Last-Modified); zero in
	// lists.
	ChangedAt time.Time
}

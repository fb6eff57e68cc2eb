package models

import "time"

// Publication states of content.
const (
	StatusDraft     = "draft"
	StatusScheduled = "scheduled"
	StatusPublished = "published"
	StatusArchived  = "archived"
)

// effectiveStatus is the publication state as of now. A scheduled item goes live
// when its time comes without any job rewriting its row, so the stored state stays
// "scheduled"; readers (the public, editors, the audit log) must see "published" from
// that moment on, as the visibility rule of visibleSQL already does.
func effectiveStatus(status string, publishedAt *time.Time, now time.Time) string {
	if status == StatusScheduled && publishedAt != nil && !publishedAt.After(now) {
		return StatusPublished
	}
	return status
}

// Ref is the short form of a related item: its slug and name.
type Ref struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// Outcome is one measured result of an article or campaign. Value is nil when the
// source gives no count (e.g. "a number of devices seized").
type Outcome struct {
	Metric string `json:"metric"`
	Label  string `json:"label"`
	Value  *int64 `json:"value"`
	Note   string `json:"note"`
}

// Source says where an article first appeared.
type Source struct {
	Publisher   *Ref   `json:"publisher"`
	URL         string `json:"url"`
	Attribution string `json:"attribution"`
	// PublishedOn is the original report's date (YYYY-MM-DD), "" when not known.
	PublishedOn string `json:"published_on"`
}

// Image is an article's picture.
type Image struct {
	URL    string `json:"url"`
	Alt    string `json:"alt"`
	Credit string `json:"credit"`
}

// Article is a news item about safeguarding work.
type Article struct {
	ID            int64      `json:"id"`
	Slug          string     `json:"slug"`
	Title         string     `json:"title"`
	Summary       string     `json:"summary"`
	BodyMarkdown  string     `json:"body_markdown"`
	BodyHTML      string     `json:"body_html"`
	BodyText      string     `json:"body_text"`
	Status        string     `json:"status"`
	PublishAt     *time.Time `json:"publish_at"`
	PublishedAt   *time.Time `json:"published_at"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	Source        Source     `json:"source"`
	Image         Image      `json:"image"`
	Regions       []Ref      `json:"regions"`
	Topics        []Ref      `json:"topics"`
	Campaigns     []Ref      `json:"campaigns"`
	Helplines     []Ref      `json:"helplines"`
	Organisations []Ref      `json:"organisations"`
	Outcomes      []Outcome  `json:"outcomes"`
	Version       int64      `json:"version"`
}

// Contact is one way to reach a helpline.
type Contact struct {
	Type      string `json:"type"` // phone, textphone, sms, webchat, email, web
	Label     string `json:"label"`
	Value     string `json:"value"`
	Display   string `json:"display"`
	E164      string `json:"e164"`
	URI       string `json:"uri"`
	Cost      string `json:"cost"`
	Anonymous bool   `json:"anonymous"`
	Note      string `json:"note"`
	// Hours are the channel's own hours; nil means the helpline's hours apply.
	Hours *OpeningHours `json:"opening_hours"`
	// OpenNow and NextChangeAt are computed for the moment of the request from the
	// channel's own hours or, where it has none, the helpline's.
	OpenNow      bool       `json:"open_now"`
	NextChangeAt *time.Time `json:"next_change_at"`
}

// Helpline is a service people can contact for help or to report.
type Helpline struct {
	ID                  int64        `json:"id"`
	Slug                string       `json:"slug"`
	Name                string       `json:"name"`
	Organisation        *Ref         `json:"organisation"`
	Description         string       `json:"description"`
	Website             string       `json:"website"`
	Topics              []Ref        `json:"topics"`
	Audiences           []Ref        `json:"audiences"`
	Coverage            []Ref        `json:"coverage"`
	Contacts            []Contact    `json:"contacts"`
	Hours               OpeningHours `json:"opening_hours"`
	Emergency           bool         `json:"emergency"`
	Anonymous           bool         `json:"anonymous"`
	Confidential        bool         `json:"confidential"`
	ConfidentialityNote string       `json:"confidentiality_note"`
	Languages           []string     `json:"languages"`
	Interpreters        string       `json:"interpreters"`
	LastVerifiedAt      *time.Time   `json:"last_verified_at"`
	Status              string       `json:"status"`
	PublishAt           *time.Time   `json:"publish_at"`
	PublishedAt         *time.Time   `json:"published_at"`
	CreatedAt           time.Time    `json:"created_at"`
	UpdatedAt           time.Time    `json:"updated_at"`
	Version             int64        `json:"version"`
	// OpenNow and NextChangeAt are computed for the moment of the request from the
	// helpline's own hours (those of its main line).
	OpenNow      bool       `json:"open_now"`
	NextChangeAt *time.Time `json:"next_change_at"`
	// VerificationDue is true when LastVerifiedAt is unknown or older than the
	// store's verification period.
	VerificationDue bool `json:"verification_due"`
}

// Campaign ties helplines and articles together.
type Campaign struct {
	ID        int64     `json:"id"`
	Slug      string    `json:"slug"`
	Name      string    `json:"name"`
	Summary   string    `json:"summary"`
	Organiser *Ref      `json:"organiser"`
	Partners  []Ref     `json:"partners"`
	Scope     string    `json:"scope"`     // local, regional, national
	StartsOn  string    `json:"starts_on"` // YYYY-MM-DD, "" when not known
	EndsOn    string    `json:"ends_on"`
	Hashtags  []string  `json:"hashtags"`
	Regions   []Ref     `json:"regions"`
	Helplines []Ref     `json:"helplines"`
	Outcomes  []Outcome `json:"outcomes"`
	// Totals are the sums of the campaign's published articles' outcomes, for every
	// metric the campaign does not state itself.
	Totals      []Outcome    `json:"totals"`
	Articles    []ArticleRef `json:"articles"` // latest published articles; filled on the item only
	Status      string       `json:"status"`   // publication state
	PublishAt   *time.Time   `json:"publish_at"`
	PublishedAt *time.Time   `json:"published_at"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
	Version     int64        `json:"version"`
}

// ArticleRef is the short form of an article in a campaign.
type ArticleRef struct {
	Slug        string    `json:"slug"`
	Title       string    `json:"title"`
	PublishedAt time.Time `json:"published_at"`
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
	ID          int64     `json:"id"`
	Slug        string    `json:"slug"`
	Name        string    `json:"name"`
	Kind        string    `json:"kind"` // police, charity, government, media, other
	URL         string    `json:"url"`
	Description string    `json:"description"`
	Parent      *Ref      `json:"parent"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Version     int64     `json:"version"`
}

// Region is a node of the region tree.
type Region struct {
	ID       int64  `json:"id"`
	Slug     string `json:"slug"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Parent   *Ref   `json:"parent"`
	Children []Ref  `json:"children"`
}

// Topic is a term of the controlled vocabulary: a topic or an audience.
type Topic struct {
	Slug        string `json:"slug"`
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	Description string `json:"description"`
}

// Page is one page of a list with the cursor to the next, "" at the end.
type Page[T any] struct {
	Items      []T
	NextCursor string
}

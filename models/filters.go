package models

import "time"

// Visibility decides who sees what: the public sees published content (including
// scheduled items whose time has come); editors see drafts and archived items too.
type Visibility struct {
	// Editor includes drafts, future scheduled and archived items.
	Editor bool
}

// Limits of every list.
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// ArticleFilter selects articles for a list. Slugs that name nothing are EBADPARAM errors.
type ArticleFilter struct {
	Campaign        string
	Region          string // the region or any region below it
	Topic           string
	Organisation    string // the publisher or an organisation the article is about
	PublishedAfter  *time.Time
	PublishedBefore *time.Time
	Q               string // full-text search; see package search
	// Sort is "" for the list's own order (newest first) or SortRelevance.
	Sort string
	// WithBodies loads the bodies too (feeds show them; the list does not).
	WithBodies bool
	Limit      int
	Cursor     string
	Visibility
}

// Channel types of helpline contacts.
var ChannelTypes = []string{"phone", "textphone", "sms", "webchat", "email", "web"}

// HelplineFilter selects helplines for a list. Slugs that name nothing are EBADPARAM
// errors.
type HelplineFilter struct {
	// Region matches helplines whose coverage contains it or any region above it: a
	// UK-wide line serves Cumbria.
	Region   string
	Topic    string
	Audience string
	Channel  string
	// OpenNow keeps only the lines open at At.
	OpenNow bool
	// At is the moment that open_now is computed for; zero means now. Any other
	// must pass CheckAt.
	At time.Time
	Q  string // full-text search (see package search)
	// Sort is "" for the list's own order (open lines first, each by name) or
	// SortRelevance.
	Sort   string
	Limit  int
	Cursor string
	Visibility
}

// SortRelevance orders a list with a full-text search (Q) by how well each item
// matches: the items that have all the words in their title (or a helpline's
// keywords) first, then those that have them in the title, summary and topics, then
// the rest (see SearchScore*). It needs Q; "" is every list's own order.
const SortRelevance = "relevance"

// The scores of search hits, which are their relevance tiers: all of the query's
// words (all that it needs) in the title or a helpline's keywords; in the title,
// keywords, summary or topics; anywhere (the body too).
const (
	SearchScoreTitle   = 3
	SearchScoreSummary = 2
	SearchScoreBody    = 1
)

// AtRange is how far from now a moment asked about (at) may be, either way. Opening
// hours are today's: a year ahead is as far as a line's published hours and the time
// zone rules can be trusted, and a year back is enough to ask whether a line was open
// when someone called. Beyond it, an answer would be made up.
const AtRange = "a year"

// AtBounds returns the first and last moments CheckAt accepts at now.
func AtBounds(now time.Time) (from, to time.Time) {
	now = now.UTC()
	return now.AddDate(-1, 0, 0), now.AddDate(1, 0, 0)
}

// CheckAt returns EBADPARAM naming param unless at is within AtRange of now.
func CheckAt(param string, at, now time.Time) error {
	from, to := AtBounds(now)
	if at.Before(from) || at.After(to) {
		return BadParam(param, "must be within %s of now: from %s to %s", AtRange,
			from.Truncate(time.Second).Format(time.RFC3339), to.Truncate(time.Second).Format(time.RFC3339))
	}
	return nil
}

// Campaign scopes.
var CampaignScopes = []string{"local", "regional", "national"}

// CampaignFilter selects campaigns for a list.
type CampaignFilter struct {
	// Period is upcoming, active, ended or unknown, derived from the dates.
	Period string
	// Region matches campaigns in that region, above it (a national campaign covers
	// Cumbria) or below it.
	Region string
	// Organisation matches the organiser or a partner.
	Organisation string
	Scope        string
	Q            string // full-text search (see package search)
	// Sort is "" for the list's own order (by name) or SortRelevance.
	Sort   string
	Limit  int
	Cursor string
	Visibility
}

// Organisation kinds.
var OrganisationKinds = []string{"police", "charity", "government", "media", "other"}

// OrganisationFilter selects organisations for a list.
type OrganisationFilter struct {
	Kind   string
	Limit  int
	Cursor string
}

// TopicFilter narrows the vocabulary to topics or audiences.
type TopicFilter struct {
	Kind string // "", "topic" or "audience"
}

// SearchTypes are the types of content that search covers.
var SearchTypes = []string{"article", "helpline", "campaign"}

// SearchFilter is a search over articles, helplines and campaigns.
type SearchFilter struct {
	// Q is what the user typed; see package search for the language.
	Q string
	// Types limits the search to some of SearchTypes; none means all.
	Types []string
	Limit int
	Visibility
}

package models

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"signpost/models/hours"
	"signpost/models/markdown"
	"signpost/models/phone"
	"signpost/models/slug"
)

// checker collects field errors, so that a write reports all of them at once.
type checker struct {
	errs []FieldError
}

func (c *checker) add(field, format string, args ...any) {
	c.errs = append(c.errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// text checks a text field: valid UTF-8, no NUL or other control characters (but
// newlines and tabs where multiline), at most max characters, present if required.
func (c *checker) text(field, v string, required bool, max int, multiline bool) {
	if !utf8.ValidString(v) {
		c.add(field, "is not valid UTF-8 text")
		return
	}
	for _, r := range v {
		if r == 0 || (unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t'))) {
			c.add(field, "contains a control character")
			return
		}
	}
	switch n := utf8.RuneCountInString(v); {
	case required && strings.TrimSpace(v) == "":
		c.add(field, "is required")
	case n > max:
		c.add(field, "must be at most %d characters (it has %d)", max, n)
	}
}

// hours adds the problems of some opening hours.
func (c *checker) hours(field string, h hours.Schedule) {
	for _, p := range h.Validate(field) {
		c.errs = append(c.errs, FieldError{Field: p.Field, Message: p.Message})
	}
}

func (c *checker) slug(field, v string) {
	if v != "" && !slug.Valid(v) {
		c.add(field, "must be lower-case letters, digits and single hyphens, at most %d characters", slug.MaxLength)
	}
}

// url checks an optional absolute http or https URL.
func (c *checker) url(field, v string) {
	if v == "" {
		return
	}
	c.text(field, v, false, 2000, false)
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		c.add(field, "must be an absolute http or https URL")
	}
}

func (c *checker) email(field, v string) {
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || a.Name != "" {
		c.add(field, "must be an e-mail address such as help@example.org")
	}
}

func (c *checker) date(field, v string) {
	if v == "" {
		return
	}
	if _, err := time.Parse(time.DateOnly, v); err != nil {
		c.add(field, "must be a date such as 2027-01-31")
	}
}

func (c *checker) oneOf(field, v string, list []string) {
	if !slices.Contains(list, v) {
		c.add(field, "must be one of %s", strings.Join(list, ", "))
	}
}

func (c *checker) refs(field string, refs []Ref) {
	for i, r := range refs {
		if !slug.Valid(r.Slug) {
			c.add(fmt.Sprintf("%s[%d]", field, i), "must be a slug")
		}
	}
}

func (c *checker) ref(field string, r *Ref) {
	if r != nil && r.Slug != "" && !slug.Valid(r.Slug) {
		c.add(field, "must be a slug")
	}
}

// Statuses are the publication states.
var Statuses = []string{StatusDraft, StatusScheduled, StatusPublished, StatusArchived}

// publication checks the state and publish_at: scheduled needs a publish_at in the
// future; the other states take none in the future. A past publish_at is the record
// of a schedule that has gone live (such an item reads as published), so an editor
// can send back what they read.
func (c *checker) publication(status *string, publishAt *time.Time, now time.Time) {
	if *status == "" {
		*status = StatusDraft
	}
	c.oneOf("status", *status, Statuses)
	switch {
	case *status == StatusScheduled && publishAt == nil:
		c.add("publish_at", "is required when status is scheduled")
	case *status == StatusScheduled && !publishAt.After(now):
		c.add("publish_at", "must be in the future when status is scheduled; to publish now, set status to published")
	case *status != StatusScheduled && publishAt != nil && publishAt.After(now):
		c.add("publish_at", "is only for scheduled items")
	}
}

var metricPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

func (c *checker) outcomes(os []Outcome) {
	seen := map[string]bool{}
	for i, o := range os {
		f := fmt.Sprintf("outcomes[%d]", i)
		if !metricPattern.MatchString(o.Metric) {
			c.add(f+".metric", "must be a key of lower-case letters, digits and underscores, such as children_safeguarded")
		} else if seen[o.Metric] {
			c.add(f+".metric", "appears more than once")
		}
		seen[o.Metric] = true
		c.text(f+".label", o.Label, true, 200, false)
		c.text(f+".note", o.Note, false, 500, false)
		if o.Value != nil && *o.Value < 0 {
			c.add(f+".value", "must not be negative")
		}
	}
}

// CheckArticle checks an article from an editor and renders its body. It returns
// the field errors found.
func CheckArticle(a *Article, now time.Time) []FieldError {
	var c checker
	c.slug("slug", a.Slug)
	c.text("title", a.Title, true, 200, false)
	c.text("summary", a.Summary, false, 1000, true)
	c.text("body_markdown", a.BodyMarkdown, false, 200_000, true)
	c.publication(&a.Status, a.PublishAt, now)
	c.ref("source.publisher", a.Source.Publisher)
	c.url("source.url", a.Source.URL)
	c.text("source.attribution", a.Source.Attribution, false, 500, false)
	c.date("source.published_on", a.Source.PublishedOn)
	c.url("image.url", a.Image.URL)
	c.text("image.alt", a.Image.Alt, false, 500, false)
	c.text("image.credit", a.Image.Credit, false, 200, false)
	if a.Image.URL != "" && strings.TrimSpace(a.Image.Alt) == "" {
		c.add("image.alt", "is required with an image, for people who cannot see it")
	}
	for _, r := range []struct {
		f string
		r []Ref
	}{{"regions", a.Regions}, {"topics", a.Topics}, {"campaigns", a.Campaigns}, {"reports_work_for", a.ReportsWorkFor},
		{"helplines", a.Helplines}, {"organisations", a.Organisations}} {
		c.refs(r.f, r.r)
	}
	// An article counts towards a campaign's totals only when it says so, and it can
	// say so only of a campaign it is linked to.
	for i, r := range a.ReportsWorkFor {
		if !slices.ContainsFunc(a.Campaigns, func(x Ref) bool { return x.Slug == r.Slug }) {
			c.add(fmt.Sprintf("reports_work_for[%d]", i), "must also be in campaigns: %q is not", r.Slug)
		}
	}
	c.outcomes(a.Outcomes)
	if len(c.errs) == 0 {
		html, text, err := markdown.Render(a.BodyMarkdown)
		var limit *markdown.LimitError
		switch {
		case errors.As(err, &limit):
			c.add("body_markdown", "%s", limit.Error())
		case err != nil:
			c.add("body_markdown", "could not be rendered")
		}
		a.BodyHTML, a.BodyText = html, text
	}
	return c.errs
}

// MaxKeywords is how many search keywords a helpline may have.
const MaxKeywords = 50

// keywords trims a helpline's search keywords and checks them: at most MaxKeywords,
// each a line of text of at most 100 characters, none twice.
func (c *checker) keywords(h *Helpline) {
	if len(h.Keywords) > MaxKeywords {
		c.add("keywords", "must be at most %d search terms (it has %d)", MaxKeywords, len(h.Keywords))
		return
	}
	seen := map[string]int{}
	for i := range h.Keywords {
		f := fmt.Sprintf("keywords[%d]", i)
		h.Keywords[i] = strings.TrimSpace(h.Keywords[i])
		c.text(f, h.Keywords[i], true, 100, false)
		k := strings.ToLower(h.Keywords[i])
		if j, dup := seen[k]; dup && k != "" {
			c.add(f, "repeats keywords[%d]", j)
		}
		seen[k] = i
	}
}

// ReservedHelplineSlugs name routes beside /helplines/{slug}.
var ReservedHelplineSlugs = []string{"essentials", "due"}

var languagePattern = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

// CheckHelpline checks a helpline from an editor and normalises its contacts:
// phone numbers are checked with libphonenumber and stored in E.164 with a display
// form and a URI. A phone contact's display must denote the number it dials (it is
// made from the number when not given); a premium-rate number is refused, and one
// that is not free to call needs a cost. It returns the field errors found.
func CheckHelpline(h *Helpline, now time.Time) []FieldError {
	var c checker
	c.slug("slug", h.Slug)
	if slices.Contains(ReservedHelplineSlugs, h.Slug) {
		c.add("slug", "%q is reserved for another route", h.Slug)
	}
	c.text("name", h.Name, true, 200, false)
	c.ref("organisation", h.Organisation)
	c.text("description", h.Description, false, 5000, true)
	c.url("website", h.Website)
	c.text("confidentiality_note", h.ConfidentialityNote, false, 1000, false)
	c.text("interpreters", h.Interpreters, false, 500, false)
	c.publication(&h.Status, h.PublishAt, now)
	c.refs("topics", h.Topics)
	c.refs("audiences", h.Audiences)
	c.refs("coverage", h.Coverage)
	if len(h.Coverage) == 0 {
		c.add("coverage", "is required: the regions the line serves, e.g. united-kingdom")
	}
	for i, l := range h.Languages {
		if !languagePattern.MatchString(l) {
			c.add(fmt.Sprintf("languages[%d]", i), "must be a language tag such as en or cy")
		}
	}
	c.keywords(h)
	// Stored in UTC, so that comparing the stored text (HelplinesDue) is right.
	h.LastVerifiedAt = UTC(h.LastVerifiedAt)
	if h.LastVerifiedAt != nil && h.LastVerifiedAt.After(now) {
		c.add("last_verified_at", "must not be in the future")
	}
	if h.Hours.Timezone == "" && !h.Hours.IsZero() {
		h.Hours.Timezone = hours.DefaultTimezone
	}
	c.hours("opening_hours", h.Hours)
	if len(h.Contacts) == 0 {
		c.add("contacts", "at least one contact channel is required")
	}
	for i := range h.Contacts {
		ct := &h.Contacts[i]
		f := fmt.Sprintf("contacts[%d]", i)
		c.oneOf(f+".type", ct.Type, ChannelTypes)
		c.text(f+".label", ct.Label, false, 100, false)
		c.text(f+".value", ct.Value, true, 500, false)
		c.text(f+".cost", ct.Cost, false, 200, false)
		c.text(f+".note", ct.Note, false, 500, false)
		c.text(f+".display", ct.Display, false, 200, false)
		if ct.Hours != nil {
			if ct.Hours.Timezone == "" && !ct.Hours.IsZero() {
				ct.Hours.Timezone = hours.DefaultTimezone
			}
			c.hours(f+".opening_hours", *ct.Hours)
		}
		switch ct.Type {
		case "phone", "textphone", "sms":
			p, err := phone.Parse(ct.Value, phone.DefaultRegion, ct.Type)
			if err != nil {
				msg := "is not a valid phone number"
				if e, ok := err.(*phone.Error); ok {
					msg = e.Message
				}
				c.add(f+".value", "%s", msg)
				continue
			}
			ct.E164, ct.URI = p.E164, p.URI
			// What a reader sees (and a screen reader says) must be the number the
			// link dials, whatever grouping the service publishes it in.
			if ct.Display == "" {
				ct.Display = p.Display
			} else if !p.Denotes(ct.Display, phone.DefaultRegion, ct.Type) {
				c.add(f+".display", "must show the number that value dials (%s), in digits only; leave display out to have it made from value", p.Display)
			}
			verb := "call"
			if ct.Type == "sms" {
				verb = "text"
			}
			switch {
			case p.Rate == phone.RatePremium:
				c.add(f+".value", "is a %s: a person in crisis must never be sent to a number that costs so much to %s", p.Kind, verb)
			case p.Rate != phone.RateFree && strings.TrimSpace(ct.Cost) == "":
				c.add(f+".cost", "is required: %s is a %s, not free to %s; say what it costs, e.g. \"Your phone provider's charges apply\"", p.Display, p.Kind, verb)
			}
		case "email":
			c.email(f+".value", ct.Value)
			ct.URI = "mailto:" + ct.Value
			if ct.Display == "" {
				ct.Display = ct.Value
			}
			ct.E164 = ""
		case "web", "webchat":
			c.url(f+".value", ct.Value)
			ct.URI, ct.E164 = ct.Value, ""
			if ct.Display == "" {
				if u, err := url.Parse(ct.Value); err == nil {
					ct.Display = strings.TrimPrefix(u.Host, "www.")
				}
			}
		}
	}
	return c.errs
}

var hashtagPattern = regexp.MustCompile(`^#[\p{L}\p{N}_]{1,100}$`)

// CheckCampaign checks a campaign from an editor. It returns the field errors found.
func CheckCampaign(cp *Campaign, now time.Time) []FieldError {
	var c checker
	c.slug("slug", cp.Slug)
	c.text("name", cp.Name, true, 200, false)
	c.text("summary", cp.Summary, false, 2000, true)
	c.ref("organiser", cp.Organiser)
	c.refs("partners", cp.Partners)
	c.refs("regions", cp.Regions)
	c.refs("helplines", cp.Helplines)
	c.oneOf("scope", cp.Scope, CampaignScopes)
	c.date("starts_on", cp.StartsOn)
	c.date("ends_on", cp.EndsOn)
	if cp.StartsOn != "" && cp.EndsOn != "" && cp.EndsOn < cp.StartsOn {
		c.add("ends_on", "must not be before starts_on")
	}
	for i, h := range cp.Hashtags {
		if !hashtagPattern.MatchString(h) {
			c.add(fmt.Sprintf("hashtags[%d]", i), "must be a hashtag such as #StopItNow")
		}
	}
	c.publication(&cp.Status, cp.PublishAt, now)
	c.outcomes(cp.Outcomes)
	return c.errs
}

// CheckOrganisation checks an organisation from an editor.
func CheckOrganisation(o *Organisation) []FieldError {
	var c checker
	c.slug("slug", o.Slug)
	c.text("name", o.Name, true, 200, false)
	c.oneOf("kind", o.Kind, OrganisationKinds)
	c.url("url", o.URL)
	c.text("description", o.Description, false, 2000, true)
	c.ref("parent", o.Parent)
	return c.errs
}

// UTC returns t in UTC, or nil for nil. Times are stored and compared in UTC.
func UTC(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

var keyNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// CheckKey checks the name and scope of a new API key.
func CheckKey(name, scope string) []FieldError {
	var c checker
	if !keyNamePattern.MatchString(name) {
		c.add("name", "must be 1 to 64 letters, digits, '.', '_', '@' or '-'")
	}
	c.oneOf("scope", scope, []string{ScopeEditor, ScopeAdmin})
	return c.errs
}

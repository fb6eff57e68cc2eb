package handlers

import (
	"signpost/models/hours"
	"time"

	"signpost/models"
)

// Ref is the short form of a related item.
type Ref struct {
	Slug string `json:"slug" example:"stop-it-now"`
	Name string `json:"name" example:"Stop It Now! helpline"`
}

// ListMeta describes a page of a list.
type ListMeta struct {
	Limit      int     `json:"limit" minimum:"1" maximum:"100" example:"20"`
	NextCursor *string `json:"next_cursor" example:"eyJsIjoiYXJ0aWNsZXMifQ" extensions:"x-nullable"`
}

// ListLinks are the page's own URL and the next page's, null at the end.
type ListLinks struct {
	Self string  `json:"self" format:"uri-reference" example:"/api/v1/articles?limit=20"`
	Next *string `json:"next" format:"uri-reference" example:"/api/v1/articles?cursor=eyJsIjoiYXJ0aWNsZXMifQ&limit=20" extensions:"x-nullable"`
}

// ListResponse is the envelope of every list.
type ListResponse struct {
	Data  any       `json:"data"`
	Meta  ListMeta  `json:"meta"`
	Links ListLinks `json:"links"`
}

// ItemResponse is the envelope of one item.
type ItemResponse struct {
	Data any `json:"data"`
}

// Outcome is one measured result; value is null when the source gives no count.
type Outcome struct {
	Metric string `json:"metric" example:"children_safeguarded"`
	Label  string `json:"label" minLength:"1" maxLength:"200" example:"Children safeguarded"`
	Value  *int64 `json:"value" minimum:"0" example:"6" extensions:"x-nullable"`
	Note   string `json:"note,omitempty" maxLength:"500" example:""`
}

// Source says where an article first appeared.
type Source struct {
	Publisher   *Ref    `json:"publisher" extensions:"x-nullable"`
	URL         *string `json:"url" format:"uri" example:"https://example.org/news/report" extensions:"x-nullable"`
	Attribution string  `json:"attribution" example:"Based on a report by CandoFM News."`
	PublishedOn *string `json:"published_on" format:"date" example:"2027-01-31" extensions:"x-nullable"`
}

// Image is an article's picture.
type Image struct {
	URL    string `json:"url" format:"uri" maxLength:"2000" example:"https://example.org/picture.jpg"`
	Alt    string `json:"alt" maxLength:"500" example:"Officers outside a house"`
	Credit string `json:"credit" maxLength:"200" example:"Cumbria Constabulary"`
}

// Article is a news item.
type Article struct {
	Slug         string     `json:"slug" example:"cumbria-week-of-action-online-child-sexual-abuse"`
	Title        string     `json:"title" example:"Cumbria Police week of action on online child abuse images"`
	Summary      string     `json:"summary" example:"Six children were safeguarded."`
	BodyMarkdown *string    `json:"body_markdown,omitempty" example:"## What happened"`
	BodyHTML     *string    `json:"body_html,omitempty" example:"<h2>What happened</h2>"`
	BodyText     *string    `json:"body_text,omitempty" example:"What happened"`
	Status       string     `json:"status" enums:"draft,scheduled,published,archived" example:"published"`
	PublishAt    *time.Time `json:"publish_at" format:"date-time" example:"2027-01-31T09:00:00Z" extensions:"x-nullable"`
	PublishedAt  *time.Time `json:"published_at" format:"date-time" example:"2027-01-31T09:00:00Z" extensions:"x-nullable"`
	UpdatedAt    time.Time  `json:"updated_at" format:"date-time" example:"2027-01-31T09:00:00Z"`
	Source       Source     `json:"source"`
	Image        *Image     `json:"image" extensions:"x-nullable"`
	Regions      []Ref      `json:"regions"`
	Topics       []Ref      `json:"topics"`
	Campaigns    []Ref      `json:"campaigns"`
	// ReportsWorkFor are the campaigns, among campaigns, whose own work the article
	// reports; only their totals count its outcomes.
	ReportsWorkFor []Ref     `json:"reports_work_for"`
	Helplines      []Ref     `json:"helplines"`
	Organisations  []Ref     `json:"organisations"`
	Outcomes       []Outcome `json:"outcomes"`
}

// OpeningHours are weekly intervals in local wall-clock time in an IANA time zone,
// with dated exceptions.
type OpeningHours struct {
	Timezone   string           `json:"timezone" example:"Europe/London"`
	Weekly     []WeeklyInterval `json:"weekly"`
	Exceptions []HoursException `json:"exceptions"`
}

// WeeklyInterval is a regular opening; closes before opens means it runs past midnight.
type WeeklyInterval struct {
	Days      []string `json:"days" enums:"mon,tue,wed,thu,fri,sat,sun" validate:"min=1" example:"mon,tue"`
	Opens     string   `json:"opens" example:"09:00"`
	Closes    string   `json:"closes" example:"21:00"`
	Overnight bool     `json:"overnight,omitempty" example:"false"`
}

// HoursException replaces the weekly hours on one local date.
type HoursException struct {
	Date      string `json:"date" format:"date" example:"2027-12-24"`
	Closed    bool   `json:"closed" example:"false"`
	Opens     string `json:"opens,omitempty" example:"18:00"`
	Closes    string `json:"closes,omitempty" example:"23:00"`
	Overnight bool   `json:"overnight,omitempty" example:"false"`
	Note      string `json:"note,omitempty" example:"Christmas Eve"`
}

// Contact is one way to reach a helpline.
type Contact struct {
	Type         string        `json:"type" enums:"phone,textphone,sms,webchat,email,web" example:"phone"`
	Label        string        `json:"label" example:"Helpline (UK)"`
	Value        string        `json:"value" example:"0808 1000 900"`
	Display      string        `json:"display" example:"0808 1000 900"`
	E164         *string       `json:"e164" example:"+448081000900" extensions:"x-nullable"`
	URI          string        `json:"uri" format:"uri" example:"tel:+448081000900"`
	Cost         string        `json:"cost" example:"Free from the UK"`
	Anonymous    bool          `json:"anonymous" example:"true"`
	Note         string        `json:"note" example:"Calls can be in English or Welsh."`
	OpeningHours *OpeningHours `json:"opening_hours" extensions:"x-nullable"`
	HoursText    string        `json:"hours_text" example:"Monday to Thursday 9am–9pm; Friday 9am–5pm (UK time)"`
	OpenNow      *bool         `json:"open_now" example:"true" extensions:"x-nullable"`
	NextChangeAt *time.Time    `json:"next_change_at" format:"date-time" example:"2027-01-31T21:00:00Z" extensions:"x-nullable"`
}

// Helpline is a service people can contact for help or to report.
type Helpline struct {
	Slug                string        `json:"slug" example:"stop-it-now"`
	Name                string        `json:"name" example:"Stop It Now! helpline"`
	Organisation        *Ref          `json:"organisation" extensions:"x-nullable"`
	Description         string        `json:"description" example:"Confidential help for anyone worried about child sexual abuse."`
	Website             *string       `json:"website" format:"uri" example:"https://stopitnow.org.uk" extensions:"x-nullable"`
	Topics              []Ref         `json:"topics"`
	Audiences           []Ref         `json:"audiences"`
	Coverage            []Ref         `json:"coverage"`
	Contacts            []Contact     `json:"contacts"`
	OpeningHours        *OpeningHours `json:"opening_hours" extensions:"x-nullable"`
	HoursText           string        `json:"hours_text" example:"Monday to Thursday 9am–9pm; Friday 9am–5pm (UK time)"`
	OpenNow             *bool         `json:"open_now" example:"true" extensions:"x-nullable"`
	NextChangeAt        *time.Time    `json:"next_change_at" format:"date-time" example:"2027-01-31T21:00:00Z" extensions:"x-nullable"`
	Emergency           bool          `json:"emergency" example:"false"`
	Anonymous           bool          `json:"anonymous" example:"true"`
	Confidential        bool          `json:"confidential" example:"true"`
	ConfidentialityNote string        `json:"confidentiality_note" example:"Information that identifies a child at risk is passed on."`
	Languages           []string      `json:"languages" example:"en,cy"`
	Interpreters        string        `json:"interpreters" example:"Interpreters for more than 200 languages can join a call."`
	// Keywords are the editor-kept search terms; only in answers to an editor key.
	Keywords        *[]string  `json:"keywords,omitempty" example:"am I a paedophile"`
	LastVerifiedAt  *time.Time `json:"last_verified_at" format:"date-time" example:"2027-01-31T09:00:00Z" extensions:"x-nullable"`
	VerificationDue bool       `json:"verification_due" example:"false"`
	Status          string     `json:"status" enums:"draft,scheduled,published,archived" example:"published"`
	PublishAt       *time.Time `json:"publish_at" format:"date-time" example:"2027-01-31T09:00:00Z" extensions:"x-nullable"`
	PublishedAt     *time.Time `json:"published_at" format:"date-time" example:"2027-01-31T09:00:00Z" extensions:"x-nullable"`
	UpdatedAt       time.Time  `json:"updated_at" format:"date-time" example:"2027-01-31T09:00:00Z"`
}

// ArticleRef is the short form of an article in a campaign.
type ArticleRef struct {
	Slug        string    `json:"slug" example:"cumbria-week-of-action-online-child-sexual-abuse"`
	Title       string    `json:"title" example:"Cumbria Police week of action on online child abuse images"`
	PublishedAt time.Time `json:"published_at" format:"date-time" example:"2027-01-31T09:00:00Z"`
}

// Campaign ties helplines and articles together.
type Campaign struct {
	Slug        string       `json:"slug" example:"stop-it-now-deterrence"`
	Name        string       `json:"name" example:"Stop It Now! deterrence campaign"`
	Summary     string       `json:"summary" example:"National messaging that points people to the helpline."`
	Organiser   *Ref         `json:"organiser" extensions:"x-nullable"`
	Partners    []Ref        `json:"partners"`
	Scope       string       `json:"scope" enums:"local,regional,national" example:"national"`
	StartsOn    *string      `json:"starts_on" format:"date" example:"2027-01-31" extensions:"x-nullable"`
	EndsOn      *string      `json:"ends_on" format:"date" example:"2027-02-06" extensions:"x-nullable"`
	Status      string       `json:"status" enums:"upcoming,active,ended,unknown" example:"active"`
	Hashtags    []string     `json:"hashtags" example:"#StopItNow"`
	Regions     []Ref        `json:"regions"`
	Helplines   []Ref        `json:"helplines"`
	Outcomes    []Outcome    `json:"outcomes"`
	Articles    []ArticleRef `json:"articles,omitempty"`
	Publication string       `json:"publication" enums:"draft,scheduled,published,archived" example:"published"`
	PublishAt   *time.Time   `json:"publish_at" format:"date-time" example:"2027-01-31T09:00:00Z" extensions:"x-nullable"`
	PublishedAt *time.Time   `json:"published_at" format:"date-time" example:"2027-01-31T09:00:00Z" extensions:"x-nullable"`
	UpdatedAt   time.Time    `json:"updated_at" format:"date-time" example:"2027-01-31T09:00:00Z"`
}

// Organisation publishes articles, runs helplines, organises or funds campaigns.
type Organisation struct {
	Slug        string    `json:"slug" example:"lucy-faithfull-foundation"`
	Name        string    `json:"name" example:"Lucy Faithfull Foundation"`
	Kind        string    `json:"kind" enums:"police,charity,government,media,other" example:"charity"`
	URL         *string   `json:"url" format:"uri" example:"https://example.org" extensions:"x-nullable"`
	Description string    `json:"description" example:"A charity dedicated to preventing child sexual abuse."`
	Parent      *Ref      `json:"parent" extensions:"x-nullable"`
	UpdatedAt   time.Time `json:"updated_at" format:"date-time" example:"2027-01-31T09:00:00Z"`
}

// Region is a node of the region tree.
type Region struct {
	Slug     string `json:"slug" example:"cumbria"`
	Name     string `json:"name" example:"Cumbria"`
	Kind     string `json:"kind" enums:"country,nation,police_force_area" example:"police_force_area"`
	Parent   *Ref   `json:"parent" extensions:"x-nullable"`
	Children []Ref  `json:"children"`
}

// Topic is a term of the controlled vocabulary.
type Topic struct {
	Slug        string `json:"slug" example:"child-sexual-abuse-prevention"`
	Name        string `json:"name" example:"Preventing child sexual abuse"`
	Kind        string `json:"kind" enums:"topic,audience" example:"topic"`
	Description string `json:"description" example:"Help to stop abuse before it happens."`
}

func refs(in []models.Ref) []Ref {
	out := make([]Ref, len(in))
	for i, r := range in {
		out[i] = Ref{Slug: r.Slug, Name: r.Name}
	}
	return out
}

func refPtr(r *models.Ref) *Ref {
	if r == nil {
		return nil
	}
	return &Ref{Slug: r.Slug, Name: r.Name}
}

func outcomes(in []models.Outcome) []Outcome {
	out := make([]Outcome, len(in))
	for i, o := range in {
		out[i] = Outcome{Metric: o.Metric, Label: o.Label, Value: o.Value, Note: o.Note}
	}
	return out
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// articleJSON converts an article; full includes the body (items), editor the Markdown.
func articleJSON(a *models.Article, full, editor bool) Article {
	out := Article{
		Slug: a.Slug, Title: a.Title, Summary: a.Summary, Status: a.Status,
		PublishAt: a.PublishAt, PublishedAt: a.PublishedAt, UpdatedAt: a.UpdatedAt,
		Source: Source{Publisher: refPtr(a.Source.Publisher), URL: optional(a.Source.URL),
			Attribution: a.Source.Attribution, PublishedOn: optional(a.Source.PublishedOn)},
		Regions: refs(a.Regions), Topics: refs(a.Topics), Campaigns: refs(a.Campaigns), ReportsWorkFor: refs(a.ReportsWorkFor),
		Helplines: refs(a.Helplines), Organisations: refs(a.Organisations), Outcomes: outcomes(a.Outcomes),
	}
	if a.Image.URL != "" {
		out.Image = &Image{URL: a.Image.URL, Alt: a.Image.Alt, Credit: a.Image.Credit}
	}
	if full {
		out.BodyHTML, out.BodyText = &a.BodyHTML, &a.BodyText
	}
	if full && editor {
		out.BodyMarkdown = &a.BodyMarkdown
	}
	return out
}

func hoursJSON(h *hours.Schedule) *OpeningHours {
	if h == nil || h.IsZero() {
		return nil
	}
	out := &OpeningHours{Timezone: h.Timezone, Weekly: make([]WeeklyInterval, len(h.Weekly)), Exceptions: make([]HoursException, len(h.Exceptions))}
	if out.Timezone == "" {
		out.Timezone = hours.DefaultTimezone
	}
	for i, w := range h.Weekly {
		out.Weekly[i] = WeeklyInterval{Days: w.Days, Opens: w.Opens, Closes: w.Closes, Overnight: w.Overnight}
	}
	for i, e := range h.Exceptions {
		out.Exceptions[i] = HoursException{Date: e.Date, Closed: e.Closed, Opens: e.Opens, Closes: e.Closes, Overnight: e.Overnight, Note: e.Note}
	}
	return out
}

// openState returns open_now and next_change_at, both null when the hours are unknown.
func openState(h *hours.Schedule, open bool, next *time.Time) (*bool, *time.Time) {
	if h == nil || h.IsZero() {
		return nil, nil
	}
	return &open, next
}

// helplineEditorJSON converts a helpline as an editor reads it: with its keywords.
func helplineEditorJSON(h *models.Helpline) Helpline {
	out := helplineJSON(h)
	keywords := append([]string{}, h.Keywords...)
	out.Keywords = &keywords
	return out
}

// helplineJSON converts a helpline as the public reads it: without its keywords,
// which are for search only.
func helplineJSON(h *models.Helpline) Helpline {
	out := Helpline{
		Slug: h.Slug, Name: h.Name, Organisation: refPtr(h.Organisation), Description: h.Description,
		Website: optional(h.Website), Topics: refs(h.Topics), Audiences: refs(h.Audiences), Coverage: refs(h.Coverage),
		OpeningHours: hoursJSON(&h.Hours), HoursText: h.Hours.Text(),
		Emergency: h.Emergency, Anonymous: h.Anonymous, Confidential: h.Confidential,
		ConfidentialityNote: h.ConfidentialityNote, Languages: h.Languages, Interpreters: h.Interpreters,
		LastVerifiedAt: h.LastVerifiedAt, VerificationDue: h.VerificationDue, Status: h.Status,
		PublishAt: h.PublishAt, PublishedAt: h.PublishedAt, UpdatedAt: h.UpdatedAt,
		Contacts: make([]Contact, len(h.Contacts)),
	}
	out.OpenNow, out.NextChangeAt = openState(&h.Hours, h.OpenNow, h.NextChangeAt)
	for i := range h.Contacts {
		c := &h.Contacts[i]
		oh := &h.Hours
		if c.Hours != nil {
			oh = c.Hours
		}
		cj := Contact{Type: c.Type, Label: c.Label, Value: c.Value, Display: c.Display, E164: optional(c.E164),
			URI: c.URI, Cost: c.Cost, Anonymous: c.Anonymous, Note: c.Note, OpeningHours: hoursJSON(c.Hours), HoursText: oh.Text()}
		if c.Hours != nil && c.Hours.IsZero() {
			// The channel's own hours are not known: say so, which is not the same
			// as null (the helpline's hours apply).
			cj.OpeningHours = &OpeningHours{Timezone: hours.DefaultTimezone, Weekly: []WeeklyInterval{}, Exceptions: []HoursException{}}
			cj.HoursText = ""
		}
		cj.OpenNow, cj.NextChangeAt = openState(oh, c.OpenNow, c.NextChangeAt)
		out.Contacts[i] = cj
	}
	return out
}

func campaignJSON(c *models.Campaign, now time.Time) Campaign {
	out := Campaign{
		Slug: c.Slug, Name: c.Name, Summary: c.Summary, Organiser: refPtr(c.Organiser), Partners: refs(c.Partners),
		Scope: c.Scope, StartsOn: optional(c.StartsOn), EndsOn: optional(c.EndsOn), Status: c.Period(now),
		Hashtags: c.Hashtags, Regions: refs(c.Regions), Helplines: refs(c.Helplines),
		Outcomes:    outcomes(append(append([]models.Outcome{}, c.Outcomes...), c.Totals...)),
		Publication: c.Status, PublishAt: c.PublishAt, PublishedAt: c.PublishedAt, UpdatedAt: c.UpdatedAt,
	}
	if c.Articles != nil {
		out.Articles = make([]ArticleRef, len(c.Articles))
		for i, a := range c.Articles {
			out.Articles[i] = ArticleRef{Slug: a.Slug, Title: a.Title, PublishedAt: a.PublishedAt}
		}
	}
	return out
}

func organisationJSON(o *models.Organisation) Organisation {
	return Organisation{Slug: o.Slug, Name: o.Name, Kind: o.Kind, URL: optional(o.URL), Description: o.Description,
		Parent: refPtr(o.Parent), UpdatedAt: o.UpdatedAt}
}

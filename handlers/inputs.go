package handlers

import (
	"signpost/models/hours"
	"time"

	"signpost/models"
)

// SourceInput says where an article first appeared.
type SourceInput struct {
	Publisher   string `json:"publisher" example:"candofm"`
	URL         string `json:"url" example:"https://example.org/news/report"`
	Attribution string `json:"attribution" example:"Based on a report by CandoFM News."`
	PublishedOn string `json:"published_on" example:"2027-01-31"`
}

// ArticleInput is the body of an article write. Related items are given by slug.
type ArticleInput struct {
	Slug         string      `json:"slug,omitempty" example:"week-of-action"`
	Title        string      `json:"title" example:"Week of action against online child abuse"`
	Summary      string      `json:"summary" example:"Six children were safeguarded."`
	BodyMarkdown string      `json:"body_markdown" example:"## What happened\n\nOfficers executed two warrants."`
	Status       string      `json:"status" enums:"draft,scheduled,published,archived" example:"draft"`
	PublishAt    *time.Time  `json:"publish_at" example:"2027-02-01T09:00:00Z"`
	Source       SourceInput `json:"source"`
	Image        Image       `json:"image"`
	Regions      []string    `json:"regions" example:"cumbria"`
	Topics       []string    `json:"topics" example:"online-child-sexual-exploitation"`
	Campaigns    []string    `json:"campaigns" example:"stop-it-now-deterrence"`
	// ReportsWorkFor are the campaigns, among campaigns, whose own work the article
	// reports: its outcomes count in their totals and in no other campaign's.
	ReportsWorkFor []string  `json:"reports_work_for" example:"tackling-online-child-sexual-exploitation"`
	Helplines      []string  `json:"helplines" example:"stop-it-now"`
	Organisations  []string  `json:"organisations" example:"cumbria-constabulary"`
	Outcomes       []Outcome `json:"outcomes"`
}

// ContactInput is one way to reach a helpline. Phone numbers are checked and
// normalised: e164, display and uri are filled in.
type ContactInput struct {
	Type  string `json:"type" enums:"phone,textphone,sms,webchat,email,web" example:"phone"`
	Label string `json:"label" example:"Helpline"`
	// Value is the number, address or URL; a premium-rate number is refused.
	Value string `json:"value" example:"0808 1000 900"`
	// Display is the form shown to people. For a phone, textphone or SMS contact it
	// must denote the same number as value (digits as libphonenumber parses them);
	// left out, it is made from value.
	Display string `json:"display,omitempty" example:"0808 1000 900"`
	// Cost is what a call costs; required when the number is not free to call
	// (freephone, emergency numbers and free short codes are).
	Cost         string        `json:"cost" example:"Free"`
	Anonymous    bool          `json:"anonymous" example:"true"`
	Note         string        `json:"note" example:""`
	OpeningHours *OpeningHours `json:"opening_hours"`
}

// HelplineInput is the body of a helpline write.
type HelplineInput struct {
	Slug                string         `json:"slug,omitempty" example:"local-line"`
	Name                string         `json:"name" example:"Local helpline"`
	Organisation        string         `json:"organisation" example:"crimestoppers"`
	Description         string         `json:"description" example:"Advice and support."`
	Website             string         `json:"website" example:"https://example.org"`
	Topics              []string       `json:"topics" example:"reporting-crime"`
	Audiences           []string       `json:"audiences" example:"general-public"`
	Coverage            []string       `json:"coverage" example:"cumbria"`
	Contacts            []ContactInput `json:"contacts"`
	OpeningHours        *OpeningHours  `json:"opening_hours"`
	Emergency           bool           `json:"emergency" example:"false"`
	Anonymous           bool           `json:"anonymous" example:"true"`
	Confidential        bool           `json:"confidential" example:"true"`
	ConfidentialityNote string         `json:"confidentiality_note" example:""`
	Languages           []string       `json:"languages" example:"en"`
	Interpreters        string         `json:"interpreters" example:""`
	// Keywords are search terms in the words people in need use: indexed for search
	// (ranked as high as the name), shown to editors only, never in public reads,
	// the widget or search snippets.
	Keywords       []string   `json:"keywords" example:"am I a paedophile"`
	LastVerifiedAt *time.Time `json:"last_verified_at" example:"2027-01-31T09:00:00Z"`
	Status         string     `json:"status" enums:"draft,scheduled,published,archived" example:"published"`
	PublishAt      *time.Time `json:"publish_at" example:"2027-02-01T09:00:00Z"`
}

// CampaignInput is the body of a campaign write. Its publication state is
// `publication`; `status` on reads is derived from the dates.
type CampaignInput struct {
	Slug        string     `json:"slug,omitempty" example:"week-of-action-2027"`
	Name        string     `json:"name" example:"Week of action 2027"`
	Summary     string     `json:"summary" example:"A week of action."`
	Organiser   string     `json:"organiser" example:"cumbria-constabulary"`
	Partners    []string   `json:"partners" example:"lucy-faithfull-foundation"`
	Scope       string     `json:"scope" enums:"local,regional,national" example:"regional"`
	StartsOn    string     `json:"starts_on" example:"2027-01-31"`
	EndsOn      string     `json:"ends_on" example:"2027-02-06"`
	Hashtags    []string   `json:"hashtags" example:"#StopItNow"`
	Regions     []string   `json:"regions" example:"cumbria"`
	Helplines   []string   `json:"helplines" example:"stop-it-now"`
	Outcomes    []Outcome  `json:"outcomes"`
	Publication string     `json:"publication" enums:"draft,scheduled,published,archived" example:"published"`
	PublishAt   *time.Time `json:"publish_at" example:"2027-02-01T09:00:00Z"`
}

// OrganisationInput is the body of an organisation write.
type OrganisationInput struct {
	Slug        string `json:"slug,omitempty" example:"example-charity"`
	Name        string `json:"name" example:"Example Charity"`
	Kind        string `json:"kind" enums:"police,charity,government,media,other" example:"charity"`
	URL         string `json:"url" example:"https://example.org"`
	Description string `json:"description" example:"A charity."`
	Parent      string `json:"parent" example:""`
}

func slugRefs(slugs []string) []models.Ref {
	out := make([]models.Ref, len(slugs))
	for i, s := range slugs {
		out[i] = models.Ref{Slug: s}
	}
	return out
}

func slugsOf(refs []models.Ref) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.Slug
	}
	return out
}

func slugRef(s string) *models.Ref {
	if s == "" {
		return nil
	}
	return &models.Ref{Slug: s}
}

func slugOf(r *models.Ref) string {
	if r == nil {
		return ""
	}
	return r.Slug
}

func outcomesIn(in []Outcome) []models.Outcome {
	out := make([]models.Outcome, len(in))
	for i, o := range in {
		out[i] = models.Outcome{Metric: o.Metric, Label: o.Label, Value: o.Value, Note: o.Note}
	}
	return out
}

func hoursIn(h *OpeningHours) hours.Schedule {
	if h == nil {
		return hours.Schedule{}
	}
	out := hours.Schedule{Timezone: h.Timezone}
	for _, w := range h.Weekly {
		out.Weekly = append(out.Weekly, hours.Interval{Days: w.Days, Opens: w.Opens, Closes: w.Closes, Overnight: w.Overnight})
	}
	for _, e := range h.Exceptions {
		out.Exceptions = append(out.Exceptions, hours.Exception{Date: e.Date, Closed: e.Closed, Opens: e.Opens, Closes: e.Closes, Overnight: e.Overnight, Note: e.Note})
	}
	return out
}

func (in *ArticleInput) model() *models.Article {
	return &models.Article{
		Slug: in.Slug, Title: in.Title, Summary: in.Summary, BodyMarkdown: in.BodyMarkdown,
		Status: in.Status, PublishAt: in.PublishAt,
		Source: models.Source{Publisher: slugRef(in.Source.Publisher), URL: in.Source.URL,
			Attribution: in.Source.Attribution, PublishedOn: in.Source.PublishedOn},
		Image:   models.Image{URL: in.Image.URL, Alt: in.Image.Alt, Credit: in.Image.Credit},
		Regions: slugRefs(in.Regions), Topics: slugRefs(in.Topics), Campaigns: slugRefs(in.Campaigns),
		ReportsWorkFor: slugRefs(in.ReportsWorkFor),
		Helplines:      slugRefs(in.Helplines), Organisations: slugRefs(in.Organisations), Outcomes: outcomesIn(in.Outcomes),
	}
}

func articleInput(a *models.Article) ArticleInput {
	return ArticleInput{
		Slug: a.Slug, Title: a.Title, Summary: a.Summary, BodyMarkdown: a.BodyMarkdown, Status: a.Status,
		PublishAt: pendingPublishAt(a.Status, a.PublishAt),
		Source: SourceInput{Publisher: slugOf(a.Source.Publisher), URL: a.Source.URL, Attribution: a.Source.Attribution,
			PublishedOn: a.Source.PublishedOn},
		Image:   Image{URL: a.Image.URL, Alt: a.Image.Alt, Credit: a.Image.Credit},
		Regions: slugsOf(a.Regions), Topics: slugsOf(a.Topics), Campaigns: slugsOf(a.Campaigns),
		ReportsWorkFor: slugsOf(a.ReportsWorkFor),
		Helplines:      slugsOf(a.Helplines), Organisations: slugsOf(a.Organisations), Outcomes: outcomes(a.Outcomes),
	}
}

func (in *HelplineInput) model() *models.Helpline {
	h := &models.Helpline{
		Slug: in.Slug, Name: in.Name, Organisation: slugRef(in.Organisation), Description: in.Description,
		Website: in.Website, Topics: slugRefs(in.Topics), Audiences: slugRefs(in.Audiences), Coverage: slugRefs(in.Coverage),
		Hours: hoursIn(in.OpeningHours), Emergency: in.Emergency, Anonymous: in.Anonymous, Confidential: in.Confidential,
		ConfidentialityNote: in.ConfidentialityNote, Languages: in.Languages, Interpreters: in.Interpreters,
		Keywords: in.Keywords, LastVerifiedAt: in.LastVerifiedAt, Status: in.Status, PublishAt: in.PublishAt,
	}
	for _, c := range in.Contacts {
		mc := models.Contact{Type: c.Type, Label: c.Label, Value: c.Value, Display: c.Display, Cost: c.Cost,
			Anonymous: c.Anonymous, Note: c.Note}
		if c.OpeningHours != nil {
			hours := hoursIn(c.OpeningHours)
			mc.Hours = &hours
		}
		h.Contacts = append(h.Contacts, mc)
	}
	return h
}

func helplineInput(h *models.Helpline) HelplineInput {
	in := HelplineInput{
		Slug: h.Slug, Name: h.Name, Organisation: slugOf(h.Organisation), Description: h.Description, Website: h.Website,
		Topics: slugsOf(h.Topics), Audiences: slugsOf(h.Audiences), Coverage: slugsOf(h.Coverage),
		OpeningHours: hoursJSON(&h.Hours), Emergency: h.Emergency, Anonymous: h.Anonymous, Confidential: h.Confidential,
		ConfidentialityNote: h.ConfidentialityNote, Languages: h.Languages, Interpreters: h.Interpreters,
		Keywords: h.Keywords, LastVerifiedAt: h.LastVerifiedAt, Status: h.Status, PublishAt: pendingPublishAt(h.Status, h.PublishAt),
		Contacts: make([]ContactInput, len(h.Contacts)),
	}
	for i, c := range h.Contacts {
		in.Contacts[i] = ContactInput{Type: c.Type, Label: c.Label, Value: c.Value, Display: c.Display, Cost: c.Cost,
			Anonymous: c.Anonymous, Note: c.Note, OpeningHours: hoursJSON(c.Hours)}
		if c.Hours != nil && c.Hours.IsZero() {
			// The channel's own hours are unknown, which is not the same as having
			// none of its own: kept as {} so that a merge patch does not give it
			// the helpline's hours.
			in.Contacts[i].OpeningHours = &OpeningHours{}
		}
	}
	return in
}

func (in *CampaignInput) model() *models.Campaign {
	return &models.Campaign{
		Slug: in.Slug, Name: in.Name, Summary: in.Summary, Organiser: slugRef(in.Organiser), Partners: slugRefs(in.Partners),
		Scope: in.Scope, StartsOn: in.StartsOn, EndsOn: in.EndsOn, Hashtags: in.Hashtags, Regions: slugRefs(in.Regions),
		Helplines: slugRefs(in.Helplines), Outcomes: outcomesIn(in.Outcomes), Status: in.Publication, PublishAt: in.PublishAt,
	}
}

func campaignInput(c *models.Campaign) CampaignInput {
	return CampaignInput{
		Slug: c.Slug, Name: c.Name, Summary: c.Summary, Organiser: slugOf(c.Organiser), Partners: slugsOf(c.Partners),
		Scope: c.Scope, StartsOn: c.StartsOn, EndsOn: c.EndsOn, Hashtags: c.Hashtags, Regions: slugsOf(c.Regions),
		Helplines: slugsOf(c.Helplines), Outcomes: outcomes(c.Outcomes), Publication: c.Status, PublishAt: pendingPublishAt(c.Status, c.PublishAt),
	}
}

// pendingPublishAt is publish_at as an editor writes it back: only while the item
// waits for it. Once a scheduled item is live its state reads as published, and
// publish_at is history.
func pendingPublishAt(status string, at *time.Time) *time.Time {
	if status != models.StatusScheduled {
		return nil
	}
	return at
}

func (in *OrganisationInput) model() *models.Organisation {
	return &models.Organisation{Slug: in.Slug, Name: in.Name, Kind: in.Kind, URL: in.URL, Description: in.Description,
		Parent: slugRef(in.Parent)}
}

func organisationInput(o *models.Organisation) OrganisationInput {
	return OrganisationInput{Slug: o.Slug, Name: o.Name, Kind: o.Kind, URL: o.URL, Description: o.Description, Parent: slugOf(o.Parent)}
}

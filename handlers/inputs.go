package handlers

import (
	"signpost/models/hours"
	"time"

	"signpost/models"
)

// The input types' tags say what the validation in models checks: swag marks every
// field required unless it is tagged validate:"optional" (or is omitempty), and
// maxLength, minLength and minimum are the limits a write is held to. Slugs of
// related items are checked against the stored ones.

// SourceInput says where an article first appeared.
type SourceInput struct {
	Publisher   string `json:"publisher" validate:"optional" maxLength:"80" example:"candofm"`
	URL         string `json:"url" validate:"optional" format:"uri" maxLength:"2000" example:"https://example.org/news/report"`
	Attribution string `json:"attribution" validate:"optional" maxLength:"500" example:"Based on a report by CandoFM News."`
	PublishedOn string `json:"published_on" validate:"optional" format:"date" example:"2026-01-31"`
}

// ArticleInput is the body of an article write. Related items are given by slug.
type ArticleInput struct {
	Slug         string      `json:"slug,omitempty" maxLength:"80" example:"week-of-action"`
	Title        string      `json:"title" minLength:"1" maxLength:"200" example:"Week of action against online child abuse"`
	Summary      string      `json:"summary" validate:"optional" maxLength:"1000" example:"Six children were safeguarded."`
	BodyMarkdown string      `json:"body_markdown" validate:"optional" maxLength:"200000" example:"## What happened\n\nOfficers executed two warrants."`
	Status       string      `json:"status" validate:"optional" enums:"draft,scheduled,published,archived" example:"draft"`
	PublishAt    *time.Time  `json:"publish_at" validate:"optional" format:"date-time" extensions:"x-nullable"`
	Source       SourceInput `json:"source" validate:"optional"`
	Image        Image       `json:"image" validate:"optional"`
	Regions      []string    `json:"regions" validate:"optional" example:"cumbria"`
	Topics       []string    `json:"topics" validate:"optional" example:"online-child-sexual-exploitation"`
	Campaigns    []string    `json:"campaigns" validate:"optional" example:"stop-it-now-deterrence"`
	// ReportsWorkFor are the campaigns, among campaigns, whose own work the article
	// reports: its outcomes count in their totals and in no other campaign's.
	ReportsWorkFor []string  `json:"reports_work_for" validate:"optional" example:"stop-it-now-deterrence"`
	Helplines      []string  `json:"helplines" validate:"optional" example:"stop-it-now"`
	Organisations  []string  `json:"organisations" validate:"optional" example:"cumbria-constabulary"`
	Outcomes       []Outcome `json:"outcomes" validate:"optional"`
}

// ContactInput is one way to reach a helpline. Phone numbers are checked and
// normalised: e164, display and uri are filled in.
type ContactInput struct {
	Type  string `json:"type" enums:"phone,textphone,sms,webchat,email,web" example:"phone"`
	Label string `json:"label" validate:"optional" maxLength:"100" example:"Helpline"`
	// Value is the number, address or URL; a premium-rate number is refused.
	Value string `json:"value" minLength:"1" maxLength:"500" example:"0808 1000 900"`
	// Display is the form shown to people. For a phone, textphone or SMS contact it
	// must denote the same number as value (digits as libphonenumber parses them);
	// left out, it is made from value.
	Display string `json:"display,omitempty" maxLength:"200" example:"0808 1000 900"`
	// Cost is what a call costs; required when the number is not free to call
	// (freephone, emergency numbers and free short codes are).
	Cost         string        `json:"cost" validate:"optional" maxLength:"200" example:"Free"`
	Anonymous    bool          `json:"anonymous" validate:"optional" example:"true"`
	Note         string        `json:"note" validate:"optional" maxLength:"500" example:"Calls are answered in English."`
	OpeningHours *OpeningHours `json:"opening_hours" validate:"optional" extensions:"x-nullable"`
}

// HelplineInput is the body of a helpline write.
type HelplineInput struct {
	Slug                string         `json:"slug,omitempty" maxLength:"80" example:"local-line"`
	Name                string         `json:"name" minLength:"1" maxLength:"200" example:"Local helpline"`
	Organisation        string         `json:"organisation" validate:"optional" maxLength:"80" example:"crimestoppers"`
	Description         string         `json:"description" validate:"optional" maxLength:"5000" example:"Advice and support."`
	Website             string         `json:"website" validate:"optional" format:"uri" maxLength:"2000" example:"https://example.org"`
	Topics              []string       `json:"topics" validate:"optional" example:"reporting-crime"`
	Audiences           []string       `json:"audiences" validate:"optional" example:"general-public"`
	Coverage            []string       `json:"coverage" validate:"min=1" example:"cumbria"`
	Contacts            []ContactInput `json:"contacts" validate:"min=1"`
	OpeningHours        *OpeningHours  `json:"opening_hours" validate:"optional" extensions:"x-nullable"`
	Emergency           bool           `json:"emergency" validate:"optional" example:"false"`
	Anonymous           bool           `json:"anonymous" validate:"optional" example:"true"`
	Confidential        bool           `json:"confidential" validate:"optional" example:"true"`
	ConfidentialityNote string         `json:"confidentiality_note" validate:"optional" maxLength:"1000" example:"We pass on information only when a child is at risk."`
	Languages           []string       `json:"languages" validate:"optional" example:"en"`
	Interpreters        string         `json:"interpreters" validate:"optional" maxLength:"500" example:"Interpreters can join a call."`
	// Keywords are search terms in the words people in need use: indexed for search
	// (ranked as high as the name), shown to editors only, never in public reads,
	// the widget or search snippets.
	Keywords       []string   `json:"keywords" validate:"optional" maxItems:"50" example:"am I a paedophile"`
	LastVerifiedAt *time.Time `json:"last_verified_at" validate:"optional" format:"date-time" example:"2026-01-31T09:00:00Z" extensions:"x-nullable"`
	Status         string     `json:"status" validate:"optional" enums:"draft,scheduled,published,archived" example:"published"`
	PublishAt      *time.Time `json:"publish_at" validate:"optional" format:"date-time" extensions:"x-nullable"`
}

// CampaignInput is the body of a campaign write. Its publication state is
// `publication`; `status` on reads is derived from the dates.
type CampaignInput struct {
	Slug        string     `json:"slug,omitempty" maxLength:"80" example:"week-of-action-2027"`
	Name        string     `json:"name" minLength:"1" maxLength:"200" example:"Week of action 2027"`
	Summary     string     `json:"summary" validate:"optional" maxLength:"2000" example:"A week of action."`
	Organiser   string     `json:"organiser" validate:"optional" maxLength:"80" example:"cumbria-constabulary"`
	Partners    []string   `json:"partners" validate:"optional" example:"lucy-faithfull-foundation"`
	Scope       string     `json:"scope" enums:"local,regional,national" example:"regional"`
	StartsOn    string     `json:"starts_on" validate:"optional" format:"date" example:"2027-01-31"`
	EndsOn      string     `json:"ends_on" validate:"optional" format:"date" example:"2027-02-06"`
	Hashtags    []string   `json:"hashtags" validate:"optional" example:"#StopItNow"`
	Regions     []string   `json:"regions" validate:"optional" example:"cumbria"`
	Helplines   []string   `json:"helplines" validate:"optional" example:"stop-it-now"`
	Outcomes    []Outcome  `json:"outcomes" validate:"optional"`
	Publication string     `json:"publication" validate:"optional" enums:"draft,scheduled,published,archived" example:"published"`
	PublishAt   *time.Time `json:"publish_at" validate:"optional" format:"date-time" extensions:"x-nullable"`
}

// OrganisationInput is the body of an organisation write.
type OrganisationInput struct {
	Slug        string `json:"slug,omitempty" maxLength:"80" example:"example-charity"`
	Name        string `json:"name" minLength:"1" maxLength:"200" example:"Example Charity"`
	Kind        string `json:"kind" enums:"police,charity,government,media,other" example:"charity"`
	URL         string `json:"url" validate:"optional" format:"uri" maxLength:"2000" example:"https://example.org"`
	Description string `json:"description" validate:"optional" maxLength:"2000" example:"A charity."`
	Parent      string `json:"parent" validate:"optional" maxLength:"80" example:""`
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

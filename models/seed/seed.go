// Package seed is the content a new Signpost starts with: the region tree, the
// vocabulary, and the organisations, helplines, campaigns and article of
// shared/seed-content.md, in the project's own words. Where the facts give no
// value (a date, a count), the field is left empty.
package seed

import (
	"fmt"

	"signpost/models"
	"signpost/models/hours"
	"signpost/models/phone"
	"signpost/models/slug"
)

// Region is a node of the region tree; Parent is the slug of the node above, ""
// for a root. Regions lists parents before their children.
type Region struct {
	Slug, Name, Kind, Parent string
}

// Regions returns the region tree in order: the United Kingdom, each nation and
// its police force areas, then Ireland, a root of its own so that a line can
// serve it too.
func Regions() []Region {
	out := []Region{{Slug: "united-kingdom", Name: "United Kingdom", Kind: "country"}}
	for _, n := range nations {
		out = append(out, Region{Slug: n.slug, Name: n.name, Kind: "nation", Parent: "united-kingdom"})
		for _, area := range n.areas {
			out = append(out, Region{Slug: slug.Make(area), Name: area, Kind: "police_force_area", Parent: n.slug})
		}
	}
	return append(out, Region{Slug: "ireland", Name: "Ireland", Kind: "country"})
}

var nations = []struct {
	slug, name string
	areas      []string
}{
	{"england", "England", []string{
		"Avon and Somerset", "Bedfordshire", "Cambridgeshire", "Cheshire", "City of London",
		"Cleveland", "Cumbria", "Derbyshire", "Devon and Cornwall", "Dorset", "Durham", "Essex",
		"Gloucestershire", "Greater Manchester", "Hampshire and Isle of Wight", "Hertfordshire",
		"Humberside", "Kent", "Lancashire", "Leicestershire", "Lincolnshire", "Merseyside",
		"Metropolitan (London)", "Norfolk", "Northamptonshire", "Northumbria", "North Yorkshire",
		"Nottinghamshire", "South Yorkshire", "Staffordshire", "Suffolk", "Surrey", "Sussex",
		"Thames Valley", "Warwickshire", "West Mercia", "West Midlands", "West Yorkshire", "Wiltshire",
	}},
	{"wales", "Wales", []string{"Dyfed-Powys", "Gwent", "North Wales", "South Wales"}},
	{"scotland", "Scotland", []string{"Police Scotland"}},
	{"northern-ireland", "Northern Ireland", []string{"PSNI"}},
}

// Topics are the controlled vocabulary: topics and audiences.
var Topics = []models.Topic{
	{Slug: "child-sexual-abuse-prevention", Name: "Preventing child sexual abuse", Kind: "topic",
		Description: "Help to stop abuse before it happens, including for people worried about their own thoughts or behaviour."},
	{Slug: "online-child-sexual-exploitation", Name: "Online child sexual exploitation", Kind: "topic",
		Description: "Sexual abuse and exploitation of children that takes place or is arranged online."},
	{Slug: "indecent-images-of-children", Name: "Indecent images of children", Kind: "topic",
		Description: "Viewing or sharing indecent images of children, which is a crime."},
	{Slug: "reporting-crime", Name: "Reporting a crime", Kind: "topic",
		Description: "Telling the police or a charity such as Crimestoppers about a crime or a concern."},
	{Slug: "emergencies", Name: "Emergencies", Kind: "topic",
		Description: "A child in immediate danger, a life at risk or a crime happening now."},
	{Slug: "worried-about-own-behaviour", Name: "People worried about their own sexual thoughts or behaviour towards children", Kind: "audience"},
	{Slug: "worried-about-another-adult", Name: "People worried about another adult", Kind: "audience"},
	{Slug: "worried-about-a-young-persons-behaviour", Name: "People worried about a child's or young person's sexual behaviour", Kind: "audience"},
	{Slug: "professionals", Name: "Professionals", Kind: "audience"},
	{Slug: "adult-survivors", Name: "Adult survivors of child sexual abuse", Kind: "audience"},
	{Slug: "general-public", Name: "Members of the public", Kind: "audience"},
}

// Organisations are the publishers, operators, organisers and funders.
var Organisations = []models.Organisation{
	{Slug: "cumbria-constabulary", Name: "Cumbria Constabulary", Kind: "police",
		Description: "The police force for Cumbria, also called Cumbria Police."},
	{Slug: "cumbria-cyber-and-digital-crime-unit", Name: "Cumbria Constabulary Cyber and Digital Crime Unit", Kind: "police",
		Parent: &models.Ref{Slug: "cumbria-constabulary"},
		Description: "The force's Cyber and Digital Crime Unit, led by Detective Inspector Fiona Gray and funded by Cumbria's Police, Fire and Crime Commissioner. " +
			"It targets people who view or share indecent images of children and those who contact children inappropriately online."},
	{Slug: "lucy-faithfull-foundation", Name: "Lucy Faithfull Foundation", Kind: "charity",
		Description: "A charity dedicated to preventing child sexual abuse. It runs Stop It Now!."},
	{Slug: "stop-it-now", Name: "Stop It Now!", Kind: "charity", URL: "https://stopitnow.org.uk",
		Parent:      &models.Ref{Slug: "lucy-faithfull-foundation"},
		Description: "The Lucy Faithfull Foundation's child sexual abuse prevention campaign and helpline."},
	{Slug: "crimestoppers", Name: "Crimestoppers", Kind: "charity", URL: "https://crimestoppers-uk.org",
		Description: "A charity that takes reports of crime anonymously and passes them on to the police or other agencies."},
	{Slug: "cumbria-police-fire-and-crime-commissioner", Name: "Office of the Police, Fire and Crime Commissioner for Cumbria", Kind: "government",
		Description: "The office of Cumbria's Police, Fire and Crime Commissioner, Peter McCall. It funds the Cyber and Digital Crime Unit."},
	{Slug: "candofm", Name: "CandoFM", Kind: "media",
		Description: "A community radio station; its news site, CandoFM News, published the report on Cumbria's week of action."},
	{Slug: "uk-police-forces", Name: "UK police forces", Kind: "police",
		Description: "The police forces of the United Kingdom. The 101 non-emergency number reaches the local force."},
	{Slug: "uk-emergency-services", Name: "UK emergency services", Kind: "other",
		Description: "The UK's emergency services, reached through 999 (112 also works)."},
}

// The seed lines' keywords: what each service is for, in the words people search
// with, taken from what the facts say each line is for. They are search terms, not
// claims, and are never shown. Migration 0007 gives them to databases seeded before
// keywords existed; a test holds the two copies equal.
var (
	StopItNowKeywords = []string{
		"paedophile", "pedophile", "paedophilia", "pedophilia", "am I a paedophile", "am I a pedophile",
		"attracted to children", "sexual thoughts about children", "worried about my sexual thoughts",
		"worried about my thoughts", "worried about my own behaviour", "worried about my online behaviour",
		"viewing indecent images of children", "looking at child abuse images", "stop looking at images",
		"worried about another adult", "worried about a family member", "worried about my partner",
		"worried about my child's sexual behaviour", "harmful sexual behaviour", "adult survivor of child sexual abuse",
		"prevent child sexual abuse", "confidential help", "anonymous help",
	}
	CrimestoppersKeywords = []string{
		"report abuse anonymously", "report a crime anonymously", "report someone anonymously",
		"report child abuse images", "report someone viewing child abuse images", "tell the police anonymously",
		"anonymous tip", "anonymous report", "report without giving my name",
	}
	Police101Keywords = []string{
		"police non-emergency number", "non emergency", "report a crime", "report a concern", "contact the police",
		"local police", "report child abuse images to the police",
	}
	EmergencyKeywords = []string{
		"emergency", "child in immediate danger", "child in danger now", "life at risk", "crime happening now",
		"call the police now", "112", "emergency text", "emergencySMS", "BSL 999",
	}
)

// Helplines returns the seed helplines, unpublished: the loader publishes them.
func Helplines() []models.Helpline {
	ukTime := func(weekly ...hours.Interval) hours.Schedule {
		return hours.Schedule{Timezone: hours.DefaultTimezone, Weekly: weekly}
	}
	contact := func(value, region, label, cost, note string, anonymous bool) models.Contact {
		kind := "phone"
		if label == "Textphone" {
			kind = "textphone"
		}
		p, err := phone.Parse(value, region, kind)
		if err != nil {
			panic(fmt.Sprintf("seed phone number %q: %v", value, err)) // seed data is fixed; tests cover it
		}
		// The display form is the number as the service publishes it (its own
		// grouping, e.g. 0808 1000 900), which people know from its posters; the
		// number itself is checked and normalised above.
		return models.Contact{Type: kind, Label: label, Value: value, Display: value, E164: p.E164, URI: p.URI,
			Cost: cost, Note: note, Anonymous: anonymous}
	}
	unpublished := &hours.Schedule{} // hours not published in our sources: shown as unknown
	return []models.Helpline{
		{
			Slug: "stop-it-now", Name: "Stop It Now! helpline",
			Organisation: &models.Ref{Slug: "lucy-faithfull-foundation"},
			Description: "Confidential help for anyone worried about child sexual abuse: people worried about their own sexual thoughts " +
				"or behaviour towards children, people worried about another adult or about a child's or young person's sexual " +
				"behaviour, professionals, and adult survivors. Callers do not have to say who they are.",
			Website: "https://stopitnow.org.uk",
			Contacts: []models.Contact{
				contact("0808 1000 900", "GB", "Helpline (UK)", "Free from the UK", "Calls can be in English or Welsh.", true),
				contact("+44 1372 847 161", "GB", "Helpline from Ireland", "Your phone provider's charges apply", "", true),
				{Type: "webchat", Label: "Live chat", Value: "https://stopitnow.org.uk", URI: "https://stopitnow.org.uk",
					Display: "Live chat on stopitnow.org.uk", Anonymous: true, Hours: unpublished},
				{Type: "web", Label: "Secure email", Value: "https://stopitnow.org.uk", URI: "https://stopitnow.org.uk",
					Display: "Secure email on stopitnow.org.uk", Anonymous: true, Hours: unpublished,
					Note: "Replies are aimed for within 3 to 5 working days."},
			},
			Hours: ukTime(
				hours.Interval{Days: []string{"mon", "tue", "wed", "thu"}, Opens: "09:00", Closes: "21:00"},
				hours.Interval{Days: []string{"fri"}, Opens: "09:00", Closes: "17:00"},
			),
			Anonymous: true, Confidential: true,
			ConfidentialityNote: "You need not give details that identify you. Information that identifies a child at risk " +
				"or a criminal offence is passed on to the right agencies.",
			Languages:    []string{"en", "cy"},
			Interpreters: "Interpreters for more than 200 languages can join a call.",
			Keywords:     StopItNowKeywords,
			Coverage:     []models.Ref{{Slug: "united-kingdom"}, {Slug: "ireland"}},
			Topics:       []models.Ref{{Slug: "child-sexual-abuse-prevention"}, {Slug: "online-child-sexual-exploitation"}, {Slug: "indecent-images-of-children"}},
			Audiences: []models.Ref{{Slug: "worried-about-own-behaviour"}, {Slug: "worried-about-another-adult"},
				{Slug: "worried-about-a-young-persons-behaviour"}, {Slug: "professionals"}, {Slug: "adult-survivors"}},
			// The hours are as last published by the service; we have not checked them
			// ourselves, so LastVerifiedAt stays unknown and the line shows as due.
		},
		{
			Slug: "crimestoppers", Name: "Crimestoppers", Organisation: &models.Ref{Slug: "crimestoppers"},
			Description: "Tell Crimestoppers what you know about a crime without giving your name. Reports are passed " +
				"on to the police or other agencies.",
			Website: "https://crimestoppers-uk.org",
			Contacts: []models.Contact{
				contact("0800 555 111", "GB", "Phone", "Free", "", true),
				{Type: "web", Label: "Anonymous online form", Value: "https://crimestoppers-uk.org", URI: "https://crimestoppers-uk.org",
					Display: "crimestoppers-uk.org", Anonymous: true, Note: "IP addresses are removed from online reports."},
			},
			Hours:     hours.AlwaysOpen(),
			Anonymous: true, Confidential: false,
			ConfidentialityNote: "Crimestoppers promises anonymity rather than confidentiality: there is no caller line display " +
				"and IP addresses are removed from online forms, but what you report is passed on.",
			Languages: []string{"en"},
			Keywords:  CrimestoppersKeywords,
			Coverage:  []models.Ref{{Slug: "united-kingdom"}},
			Topics:    []models.Ref{{Slug: "reporting-crime"}, {Slug: "indecent-images-of-children"}},
			Audiences: []models.Ref{{Slug: "general-public"}},
		},
		{
			Slug: "police-101", Name: "Police non-emergency number (101)", Organisation: &models.Ref{Slug: "uk-police-forces"},
			Description: "Report a crime or a concern that is not happening now. The call reaches your local police force.",
			Contacts: []models.Contact{
				// Our sources give no price for 101, and libphonenumber does not list it
				// as free, so the cost says only what is certain.
				contact("101", "GB", "Phone", "Your phone provider may charge for the call", "", false),
				contact("18001 101", "GB", "Textphone", "Your phone provider may charge for the call", "", false),
			},
			Hours:     hours.AlwaysOpen(),
			Languages: []string{"en"},
			Keywords:  Police101Keywords,
			Coverage:  []models.Ref{{Slug: "united-kingdom"}},
			Topics:    []models.Ref{{Slug: "reporting-crime"}},
			Audiences: []models.Ref{{Slug: "general-public"}},
		},
		{
			Slug: "emergency-999", Name: "Emergency services (999)", Organisation: &models.Ref{Slug: "uk-emergency-services"},
			Description: "Call 999 when a child is in immediate danger, a life is at risk or a crime is happening now. " +
				"112 also works. A 999 BSL app is available for British Sign Language users.",
			Contacts: []models.Contact{
				contact("999", "GB", "Phone", "Free", "112 also works.", false),
				contact("18000", "GB", "Textphone", "Free", "", false),
				func() models.Contact {
					c := contact("999", "GB", "emergencySMS", "Free", "Only works once you have registered with emergencySMS.", false)
					c.Type = "sms"
					p, _ := phone.Parse("999", "GB", "sms")
					c.URI = p.URI
					return c
				}(),
			},
			Hours:     hours.AlwaysOpen(),
			Emergency: true,
			Languages: []string{"en"},
			Keywords:  EmergencyKeywords,
			Coverage:  []models.Ref{{Slug: "united-kingdom"}},
			Topics:    []models.Ref{{Slug: "emergencies"}, {Slug: "reporting-crime"}},
			Audiences: []models.Ref{{Slug: "general-public"}},
		},
	}
}

// Campaigns returns the seed campaigns.
func Campaigns() []models.Campaign {
	return []models.Campaign{
		{
			Slug: "tackling-online-child-sexual-exploitation",
			Name: "Regional and national campaign against online child sexual exploitation",
			Summary: "A regional and national campaign to tackle online sexual exploitation. Cumbria " +
				"Constabulary's Cyber and Digital Crime Unit took part with a week of action. The campaign's formal name and " +
				"dates are not given in our source.",
			Organiser: &models.Ref{Slug: "cumbria-cyber-and-digital-crime-unit"},
			Scope:     "national",
			Regions:   []models.Ref{{Slug: "united-kingdom"}, {Slug: "cumbria"}},
			Helplines: []models.Ref{{Slug: "stop-it-now"}, {Slug: "crimestoppers"}, {Slug: "police-101"}, {Slug: "emergency-999"}},
		},
		{
			Slug: "stop-it-now-deterrence",
			Name: "Stop It Now! deterrence campaign",
			Summary: "National messaging from the Lucy Faithfull Foundation, shared by police forces on social media, that " +
				"points people worried about their own behaviour to the Stop It Now! helpline.",
			Organiser: &models.Ref{Slug: "lucy-faithfull-foundation"},
			Partners:  []models.Ref{{Slug: "cumbria-constabulary"}},
			Scope:     "national",
			Regions:   []models.Ref{{Slug: "united-kingdom"}},
			Helplines: []models.Ref{{Slug: "stop-it-now"}},
		},
	}
}

func count(n int64) *int64 { return &n }

// Articles returns the seed articles, with their bodies in Markdown only.
func Articles() []models.Article {
	return []models.Article{{
		Slug:  "cumbria-week-of-action-online-child-sexual-abuse",
		Title: "Cumbria Police week of action on online child abuse images: six children safeguarded",
		Summary: "Cumbria Constabulary's Cyber and Digital Crime Unit spent a week targeting people suspected of accessing " +
			"indecent images of children. Six children were safeguarded, two warrants executed and two people arrested.",
		BodyMarkdown: `Cumbria Constabulary's Cyber and Digital Crime Unit held a week of action, described as a
"week of intensification", against people suspected of accessing indecent images of children online.

## What the week achieved

- 6 children safeguarded
- 2 warrants executed
- 2 arrests
- a number of devices seized
- 1 suspect charged
- 1 further suspect interviewed

The week was part of a regional and national campaign to tackle online sexual exploitation. Beforehand, the
force shared social media messages made by the Stop It Now! campaign, which is run by the Lucy Faithfull
Foundation, a charity dedicated to preventing child sexual abuse.

## What the unit says

Detective Inspector Fiona Gray, who leads the unit, made the point that looking at abuse images is not a
crime without victims: each image shows a real child being abused, and viewing it adds to the demand for
more. The unit goes after people who view or share these images and people who contact children
inappropriately online. Anyone worried about their own behaviour is urged to get help now from the
Stop It Now! helpline.

## How to report

Peter McCall, Cumbria's Police, Fire and Crime Commissioner, whose office funds the unit, asked anyone who
knows of someone viewing these images to report it: to the police on 101, or anonymously to Crimestoppers
on 0800 555 111.
`,
		Source:    models.Source{Publisher: &models.Ref{Slug: "candofm"}, Attribution: "Based on a report by CandoFM News. The report gives no publication date."},
		Regions:   []models.Ref{{Slug: "cumbria"}},
		Topics:    []models.Ref{{Slug: "online-child-sexual-exploitation"}, {Slug: "indecent-images-of-children"}, {Slug: "child-sexual-abuse-prevention"}},
		Campaigns: []models.Ref{{Slug: "tackling-online-child-sexual-exploitation"}, {Slug: "stop-it-now-deterrence"}},
		// The week of action was the regional and national campaign's work; the
		// article only mentions the Stop It Now! messaging shared before it, so its
		// outcomes count for the regional and national campaign alone.
		ReportsWorkFor: []models.Ref{{Slug: "tackling-online-child-sexual-exploitation"}},
		Helplines:      []models.Ref{{Slug: "stop-it-now"}, {Slug: "police-101"}, {Slug: "crimestoppers"}},
		Organisations: []models.Ref{{Slug: "cumbria-constabulary"}, {Slug: "cumbria-cyber-and-digital-crime-unit"},
			{Slug: "lucy-faithfull-foundation"}, {Slug: "stop-it-now"}, {Slug: "cumbria-police-fire-and-crime-commissioner"}},
		Outcomes: []models.Outcome{
			{Metric: "children_safeguarded", Label: "Children safeguarded", Value: count(6)},
			{Metric: "warrants_executed", Label: "Warrants executed", Value: count(2)},
			{Metric: "arrests", Label: "Arrests", Value: count(2)},
			{Metric: "devices_seized", Label: "Devices seized", Note: "The report says a number of devices were seized, without a count."},
			{Metric: "suspects_charged", Label: "Suspects charged", Value: count(1)},
			{Metric: "suspects_interviewed", Label: "Further suspects interviewed", Value: count(1)},
		},
	}}
}

package pages

import (
	"signpost/models/hours"
)

// The schema.org vocabulary (https://schema.org) of the pages' JSON-LD: what search
// engines and assistants read to tell a news article, a helpline's numbers and its
// hours. Only the terms the pages fill are here.

// SchemaContext is the @context of every description.
const SchemaContext = "https://schema.org"

// NewsArticle describes an article page (https://schema.org/NewsArticle).
type NewsArticle struct {
	Context          string `json:"@context"`
	Type             string `json:"@type"`
	Headline         string `json:"headline"`
	Description      string `json:"description,omitempty"`
	URL              string `json:"url"`
	MainEntityOfPage string `json:"mainEntityOfPage"`
	// DatePublished and DateModified are RFC 3339 times (ISO 8601).
	DatePublished string `json:"datePublished"`
	DateModified  string `json:"dateModified"`
	InLanguage    string `json:"inLanguage"`
	// Publisher is the organisation that first published the report.
	Publisher *Organization `json:"publisher,omitempty"`
	// Keywords and About are the article's topics.
	Keywords        []string `json:"keywords,omitempty"`
	About           []Thing  `json:"about,omitempty"`
	ContentLocation []Place  `json:"contentLocation,omitempty"`
	// IsBasedOn is the original report's URL.
	IsBasedOn string `json:"isBasedOn,omitempty"`
	Image     string `json:"image,omitempty"`
	// Mentions are the helplines the article points to, with their pages.
	Mentions []Organization `json:"mentions,omitempty"`
}

// Organization describes an organisation, or a helpline and the ways to reach it
// (https://schema.org/Organization).
type Organization struct {
	Context            string         `json:"@context,omitempty"`
	Type               string         `json:"@type"`
	Name               string         `json:"name"`
	Description        string         `json:"description,omitempty"`
	URL                string         `json:"url,omitempty"`
	SameAs             []string       `json:"sameAs,omitempty"`
	ParentOrganization *Organization  `json:"parentOrganization,omitempty"`
	AreaServed         []string       `json:"areaServed,omitempty"`
	ContactPoint       []ContactPoint `json:"contactPoint,omitempty"`
}

// ContactPoint is one way to reach a helpline (https://schema.org/ContactPoint).
type ContactPoint struct {
	Type        string `json:"@type"`
	ContactType string `json:"contactType"`
	// Telephone is the number in E.164 (+448081000900), or as dialled for a short
	// number such as 101, which has no E.164 form.
	Telephone string `json:"telephone,omitempty"`
	Email     string `json:"email,omitempty"`
	URL       string `json:"url,omitempty"`
	// ContactOption is HearingImpairedSupported for a textphone.
	ContactOption     []string                    `json:"contactOption,omitempty"`
	AreaServed        []string                    `json:"areaServed,omitempty"`
	AvailableLanguage []string                    `json:"availableLanguage,omitempty"`
	HoursAvailable    []OpeningHoursSpecification `json:"hoursAvailable,omitempty"`
}

// OpeningHoursSpecification is one period of opening
// (https://schema.org/OpeningHoursSpecification): weekly on DayOfWeek, or, for a
// dated exception, from ValidFrom to ValidThrough. Times are local wall-clock times
// ("09:00") in the line's time zone.
type OpeningHoursSpecification struct {
	Type         string   `json:"@type"`
	DayOfWeek    []string `json:"dayOfWeek,omitempty"`
	Opens        string   `json:"opens"`
	Closes       string   `json:"closes"`
	ValidFrom    string   `json:"validFrom,omitempty"`
	ValidThrough string   `json:"validThrough,omitempty"`
}

// Thing is a named thing (https://schema.org/Thing), such as a topic.
type Thing struct {
	Type string `json:"@type"`
	Name string `json:"name"`
}

// Place is a named place (https://schema.org/Place), such as a region.
type Place struct {
	Type string `json:"@type"`
	Name string `json:"name"`
}

// schemaDays are schema.org's days of the week, by the day names of hours.Interval.
var schemaDays = map[string]string{
	"mon": "https://schema.org/Monday", "tue": "https://schema.org/Tuesday", "wed": "https://schema.org/Wednesday",
	"thu": "https://schema.org/Thursday", "fri": "https://schema.org/Friday", "sat": "https://schema.org/Saturday",
	"sun": "https://schema.org/Sunday",
}

// OpeningHours describes opening hours in schema.org's terms: one specification for
// each weekly interval, and one for each dated exception (closed all day is opens and
// closes at 00:00, as search engines read it). The end of the day, "24:00", is
// "23:59", which is how search engines take a period that runs to midnight. Nil for
// unknown hours.
func OpeningHours(s hours.Schedule) []OpeningHoursSpecification {
	if s.IsZero() {
		return nil
	}
	var out []OpeningHoursSpecification
	for _, w := range s.Weekly {
		spec := OpeningHoursSpecification{Type: "OpeningHoursSpecification", Opens: w.Opens, Closes: schemaClock(w.Closes)}
		for _, d := range w.Days {
			if name, ok := schemaDays[d]; ok {
				spec.DayOfWeek = append(spec.DayOfWeek, name)
			}
		}
		out = append(out, spec)
	}
	for _, x := range s.Exceptions {
		spec := OpeningHoursSpecification{Type: "OpeningHoursSpecification", Opens: "00:00", Closes: "00:00",
			ValidFrom: x.Date, ValidThrough: x.Date}
		if !x.Closed {
			spec.Opens, spec.Closes = x.Opens, schemaClock(x.Closes)
		}
		out = append(out, spec)
	}
	return out
}

func schemaClock(hhmm string) string {
	if hhmm == "24:00" {
		return "23:59"
	}
	return hhmm
}
